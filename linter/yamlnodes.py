"""YAML text -> composed nodes with exact character offsets (linter.yamltree reads them).

Composition uses libyaml through ruamel.yaml.clib; the pure-Python parser only
when the C one is missing or refuses the text (libyaml is YAML 1.1 and stricter).
Tags are not resolved while composing — that is most of the Python work — so
``is_string`` decides the few values whose type matters.

Offsets: libyaml counts characters (a CRLF is two) but not a byte order mark,
so the mark is removed before parsing and added back to every offset here:
all spans point into the text as read (linter.source). Lines and columns are
computed from offsets, never taken from the parser, which also breaks lines at
NEL and U+2028.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import warnings
from bisect import bisect_right
from collections.abc import Iterator
from typing import Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent, Event, ScalarEvent
from ruamel.yaml.reader import ReaderError

from linter import source
from linter.lazyre import on_first_use
from linter.model import Span
from linter.records import Record
from linter.yamltabs import tab_scanner
from linter.yamltree import (
    IMPLICIT_TAG,
    MAX_DEPTH,
    Mark,
    Node,
    TooComplex,
    check_graph,
    entries,
    is_mapping,
    is_null,
    is_scalar,
    is_sequence,
    is_string,
    string,
    values,
)

try:
    from _ruamel_yaml import CParser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - ruamel.yaml.clib is a dependency on CPython
    CParser = None

#: The node readers live in linter.yamltree; the format modules read them from here.
__all__ = [
    "BOM",
    "Mark",
    "Node",
    "Parsed",
    "ScalarText",
    "TooComplex",
    "YamlSyntaxError",
    "collector_paused",
    "content_spans",
    "entries",
    "file_documents",
    "is_mapping",
    "is_null",
    "is_scalar",
    "is_sequence",
    "is_string",
    "string",
    "values",
]

BOM = "\ufeff"
# An anchor or a tag before a scalar, which the node's start mark includes.
_PROPERTIES = re.compile(r"(?:(?:!<[^>]*>|[&!][^\s,\[\]{}]*)(?:\s|#[^\n]*)*)*")
_BLOCK_STYLES = ("|", ">")
_QUOTE_STYLES = ("'", '"')

#: Comments are told from content with the pure parser's events only up to this size.
PURE_EVENTS_MAX = 1024 * 1024
# Each flow level opens with a bracket; each block level starts right of its parent or is
# a sequence right under a mapping key, and starts within its line's indentation and
# "- ", "? ", ": " indicators: no bracket-heavy text and no long prefix means no deep text.
_DEEP_PREFIX = re.compile(rf"^[ \t?:-]{{{MAX_DEPTH // 4}}}", re.MULTILINE)
# Only aliases and merge keys make the node graph more than a tree.
_ALIAS = on_first_use(r"(?:^|[\s\[{,])\*[^\s\]},]")


class YamlSyntaxError(Exception):
    """The text is not YAML: where the parser gave up (1-based) and why, on one line.

    ``refused``: the text was refused for its shape (TooComplex), not its syntax.
    """

    def __init__(self, line: int, column: int, message: str, *, refused: bool = False) -> None:
        super().__init__(f"{line}:{column}: {message}")
        self.line = line
        self.column = column
        self.message = message
        self.refused = refused


class ScalarText(Record):
    """Where a scalar is written: ``text[start:end]`` is the raw scalar, quotes included."""

    value: str
    start: int
    end: int
    #: The characters that hold ``value`` exactly; None when escapes or line folding differ.
    edit: Span | None


class Parsed:
    """The documents of one text, with the offsets and positions of their scalars.

    Raises YamlSyntaxError when the text is not YAML.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._shift = 1 if text.startswith(BOM) else 0
        self._line_starts: list[int] | None = None
        try:
            self.documents = _compose(text[self._shift :])
        except YAMLError as exc:
            offset, message = _describe(exc)
            position = self.position(offset + self._shift)
            refused = isinstance(exc, TooComplex)
            raise YamlSyntaxError(*position, message, refused=refused) from None

    def scalar(self, node: Node) -> ScalarText:
        text, style = self.text, getattr(node, "style", None)
        start, end = node.start_mark.index + self._shift, node.end_mark.index + self._shift
        properties = _PROPERTIES.match(text, start, end)
        start = properties.end() if properties else start
        if style in _BLOCK_STYLES:
            # A block scalar's end mark is at the start of the next line, past blank lines.
            end = start + len(text[start:end].rstrip(" \t\r\n"))
            return ScalarText(node.value, start, end, _block_edit(text, start, end, node.value))
        inner = (start + 1, end - 1) if style in _QUOTE_STYLES else (start, end)
        verbatim = text[inner[0] : inner[1]] == node.value
        return ScalarText(node.value, start, end, Span(*inner) if verbatim else None)

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column (in characters, not counting a BOM) of ``offset``."""
        if self._line_starts is None:
            self._line_starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
        line = bisect_right(self._line_starts, offset)
        column = offset - self._line_starts[line - 1] + 1
        return line, column - self._shift if line == 1 else column


def file_documents(path: str | os.PathLike[str]) -> list[Node]:
    """The documents of the YAML file at ``path``, or none when it cannot be read or is not
    YAML: for a file read for what it tells about others (a CI file's includes, Skaffold's
    artifacts), which is linted, and any problem reported, on its own."""
    try:
        return Parsed(source.read(path).text).documents
    except (source.SourceError, YamlSyntaxError):
        return []


def _block_edit(text: str, start: int, end: int, value: str) -> Span | None:
    """The characters of a block scalar (``>-`` or ``|-`` and one line of content) that
    hold ``value`` exactly; None when its value is not that one line as written (more
    lines, folding, a kept final line break)."""
    header_end = text.find("\n", start, end)
    if header_end < 0 or not value or "\n" in value:
        return None
    content = text[header_end + 1 : end]
    first = len(content) - len(content.lstrip(" \t\r\n"))
    line = content[first:]
    if line != value:
        return None
    return Span(header_end + 1 + first, end)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off while a file's nodes live (compose them and walk them in
    here). Composition allocates many small nodes and no cycles: the collector's passes
    over them cost more than the parse on big files (10 MB: 16 s -> 5 s), and reference
    counting frees them when they are dropped. Not a ``gc.freeze()`` per file: while
    ``fix`` writes files the event loop makes garbage in another thread, and it would be
    frozen too (the engine freezes once, before the event loop starts)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _compose(body: str) -> list[Node]:
    deep = _too_deep(body)
    if deep is not None:
        raise TooComplex(deep, f"nested more than {MAX_DEPTH} levels deep")
    documents = _compose_parsers(body)
    if "<<" in body or ("*" in body and _ALIAS().search(body)):
        check_graph(documents)
    return documents


def _compose_parsers(body: str) -> list[Node]:
    if CParser is None:
        return _compose_pure(body)
    try:
        return _compose_c(body)
    except YAMLError as error:
        # libyaml follows YAML 1.1 and refuses some YAML 1.2 that kubectl and Compose
        # read (``{image: nginx:1.27}`` in flow style, a redefined anchor): ask the
        # pure parser before calling it a syntax error, and report libyaml's words.
        try:
            return _compose_pure(body)
        except YAMLError:
            raise error from None


if CParser is not None:

    class _Composer(CParser):  # type: ignore[misc]
        """libyaml composition without tag resolution (every untagged node gets IMPLICIT_TAG)."""

        def resolve(self, kind: type, value: str | None, implicit: object) -> str:
            return IMPLICIT_TAG

        def descend_resolver(self, parent: object, index: object) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass


def _compose_c(body: str) -> list[Node]:
    composer = _Composer(body)
    documents = []
    try:
        while composer.check_node():
            documents.append(composer.get_node())
    except ReaderError as exc:
        # libyaml reads the text as UTF-8 and says where a character it refuses is in
        # bytes; every other position here counts characters (a U+2028 before it moved
        # the finding to the next line).
        exc.position = len(body.encode()[: exc.position].decode("utf-8", "ignore"))
        raise
    finally:
        composer.dispose()
    return documents


def _pure_yaml() -> Any:
    """ruamel's pure-Python YAML 1.2 loader, with tabs read as YAML 1.2 reads them."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.Scanner = tab_scanner()
    return yaml


def _compose_pure(body: str) -> list[Node]:
    yaml = _pure_yaml()
    with warnings.catch_warnings():
        # The pure composer warns (and carries on) about redefined anchors.
        warnings.simplefilter("ignore")
        try:
            return list(yaml.compose_all(body))
        except RecursionError:  # it recurses per nesting level, in Python
            raise TooComplex(0, "nested too deeply for the YAML 1.2 parser") from None


def content_spans(text: str) -> list[tuple[int, int]]:
    """Where a ``#`` in ``text`` is content, not a comment: inside a quoted scalar, or in a
    block scalar's lines (after its indicator's line), as offsets into ``text``.

    Read from libyaml's events, or the YAML 1.2 parser's where libyaml stops (on texts
    up to PURE_EVENTS_MAX: the pure parser is some fifty times slower); past a syntax
    error nothing is known to be content.
    """
    shift = 1 if text.startswith(BOM) else 0
    body = text[shift:]
    partial: list[tuple[int, int]] | None = None
    attempts = [_events(body)]
    if len(body) <= PURE_EVENTS_MAX:
        attempts.append(_pure_yaml().parse(body))
    for events in attempts:
        spans: list[tuple[int, int]] = []
        try:
            for event in events:
                style = getattr(event, "style", None) if isinstance(event, ScalarEvent) else None
                if style in _QUOTE_STYLES:
                    spans.append((event.start_mark.index + shift, event.end_mark.index + shift))
                elif style in _BLOCK_STYLES and (
                    first := body.find("\n", event.start_mark.index) + 1
                ):
                    spans.append((first + shift, event.end_mark.index + shift))
        except (YAMLError, RecursionError):
            partial = spans if partial is None else partial  # libyaml's: it got as far
            continue
        return spans
    return partial or []


def _events(body: str) -> Iterator[Event]:
    if CParser is None:
        yield from _pure_yaml().parse(body)
        return
    parser = CParser(body)
    try:
        while parser.check_event():
            yield parser.get_event()
    finally:
        parser.dispose()


def _too_deep(body: str) -> int | None:
    """Where ``body`` first nests more than MAX_DEPTH levels, or None.

    The events are read (their parser does not recurse) only when a cheap bound
    of the depth allows that many levels.
    """
    if body.count("[") + body.count("{") <= MAX_DEPTH // 2 and not _DEEP_PREFIX.search(body):
        return None
    depth = 0
    try:
        for event in _events(body):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return int(event.start_mark.index)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except YAMLError:
        pass  # composing stops at the same place, and says why
    return None


def _describe(exc: YAMLError) -> tuple[int, str]:
    """The offset (in the parsed body) and a one-line message of a parser error."""
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context:
            message += f" ({exc.context})"
        return (mark.index if mark is not None else 0), message
    # ReaderError: a character YAML does not allow.
    return getattr(exc, "position", 0), str(exc).splitlines()[0]
