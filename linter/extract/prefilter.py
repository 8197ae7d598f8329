"""Documents that cannot hold an image, recognised in the text and never composed.

Most of the bytes of a GitOps repository are CustomResourceDefinition schemas,
ConfigMaps (dashboards) and Secrets: never images (kubernetes.DATA_KINDS), yet
the most expensive documents to compose (on the shared corpus, 70% of the bytes
and of the parse time). A document is skipped only when its text leaves no
doubt: it is the first one or starts with a bare ``---`` line, it has exactly
one ``apiVersion:`` (not Kustomize's) and one ``kind:`` line at column 0, its
kind is a data kind, and the file has no directive (which could belong to the
next document). Only for files whose documents are classified by content.

A skipped document's characters become a ``~`` and comments, line breaks kept:
the text keeps its length and lines, every offset stays right, and the document
composes as a null at a known place. libyaml reads the whole
original text first without composing it (a small part of the cost), so a
syntax error anywhere is reported as before: the full path takes over.
"""

from __future__ import annotations

from linter.extract.classify import KUSTOMIZE_API
from linter.extract.kubernetes import DATA_KINDS
from linter.lazyre import on_first_use
from linter.records import Record
from linter.yamlnodes import BOM

try:
    from _ruamel_yaml import CParser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - ruamel.yaml.clib is a dependency on CPython
    CParser = None

# Lines at column 0 are found after a "\n" (a literal start is fast to search for), in
# the text with a "\n" before it: a match's start there is the line's offset in the text.
_BOUNDARY = on_first_use(r"\n(?:---|\.\.\.)(?=[ \t\r\n]|$)")
_BARE_START = on_first_use(r"---[ \t]*(?:#[^\r\n]*)?\r?\n")
_KIND = on_first_use(r"\nkind:[ \t]*([A-Za-z]+)[ \t]*(?:#[^\r\n]*)?(?=\r?\n|$)")
_API_VERSION = on_first_use(r"\napiVersion:[ \t]*[\"']?(\S*)")
_CONTENT = on_first_use(r"[^\r\n]")


class Prefiltered(Record):
    #: The text with the skipped documents blanked: same length, same lines.
    text: str
    #: Where each skipped document's ``~`` is.
    placeholders: frozenset[int]


def skip_data_documents(text: str) -> Prefiltered | None:
    """``text`` without its data-kind documents; None when none can be skipped safely."""
    spans = _data_spans(text)
    if not spans or not _is_yaml(text):
        return None
    pieces: list[str] = []
    placeholders: set[int] = set()
    last = 0
    for start, end in spans:
        first = _CONTENT().search(text, start, end)
        assert first is not None  # it has a kind: line
        pieces += [text[last : first.start()], "~", _blank(text[first.end() : end])]
        placeholders.add(first.start())
        last = end
    pieces.append(text[last:])
    return Prefiltered("".join(pieces), frozenset(placeholders))


def _blank(rest: str) -> str:
    """``rest`` of a document after its ``~``, as long and with the same line breaks (CR
    kept): spaces, and a comment mark starting each later line (lines of spaces alone
    would look like deep nesting to yamlnodes' checks)."""
    first, *lines = rest.split("\n")
    return "\n".join([_blank_line(first, " "), *(_blank_line(line, "#") for line in lines)])


def _blank_line(line: str, mark: str) -> str:
    body = line.removesuffix("\r")
    return (mark + " " * (len(body) - 1) if body else "") + line[len(body) :]


def _data_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the content of each document that is surely of a data kind."""
    if not any(f"kind: {kind}" in text for kind in DATA_KINDS):
        return []
    lined = "\n" + text
    if "\n%" in lined:
        return []
    cuts = [match.start() for match in _BOUNDARY().finditer(lined)]
    spans = []
    for start, end in zip([0, *cuts], [*cuts, len(text)], strict=True):
        if text.startswith("---", start):
            bare = _BARE_START().match(text, start)
            if bare is None:
                continue  # a tag, an anchor or content on the marker line
            start = bare.end()
        elif text.startswith("...", start):
            continue
        # The "\n" before a line starting at offset i of the text is at i in ``lined``.
        kinds = _KIND().findall(lined, start, end + 1)
        versions = _API_VERSION().findall(lined, start, end + 1)
        if (
            len(kinds) == len(versions) == 1
            and kinds[0] in DATA_KINDS
            # A Kustomize apiVersion makes it a Kustomization, whatever its kind.
            and not versions[0].startswith(KUSTOMIZE_API)
        ):
            spans.append((start, end))
    return spans


def _is_yaml(text: str) -> bool:
    """Whether libyaml parses ``text`` (events only: no node is built)."""
    if CParser is None:
        return False
    try:
        CParser(text.removeprefix(BOM)).raw_parse()
    except Exception:  # any refusal: the full path decides and reports it
        return False
    return True
