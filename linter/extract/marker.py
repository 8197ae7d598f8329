"""Any text file: the references on a line marked ``imagepin: image``.

The marker is a ``#`` or ``//`` comment, at the end of the line that holds the
reference or alone on the line above it::

    BASE_IMAGE ?= golang:1.23-alpine   # imagepin: image
    // imagepin: image
    local image = 'ghcr.io/acme/web:2.4';

On the marked line, every word shaped like a reference is one: a name with a
tag or a digest, or a name under a registry host (``ghcr.io/acme/web``), with a
letter in its name (``-p 5432:5432`` is no image). Words
end at spaces, quotes and ``= , ; ( ) [ ] < > | &``; ``$(X)``, ``${X}`` and
``{{ x }}`` stay inside a word and make it dynamic, reported only when the line
has no literal reference. The reference's characters are the fix's span.
"""

from __future__ import annotations

from collections.abc import Iterator

from linter.extract.occurrence import TextScan, dynamic_part, tag_start
from linter.lazyre import on_first_use
from linter.model import Occurrence, Span
from linter.reference import parsed

#: Searched for before anything else: most files have no marker (nor a suppression).
MARKER = "imagepin:"
CONTEXT = "a line marked imagepin: image"
_MARKER = on_first_use(r"(?:^|(?<=\s))(?:#|//)[ \t]*imagepin:[ \t]*image(?![\w-])")
#: Where a comment starts on a line (a ``#`` or ``//`` after a space, or first).
_COMMENT = on_first_use(r"(?:^|(?<=\s))(?:#|//)")
#: A variable inside a word: Make's ``$(X)``, the shell's ``${X}`` and ``$X``, templates
#: (``{{ }}`` holding no brace: ``.*?`` ran to the line's end from every ``{{``, and a
#: committed line of 200,000 of them took minutes).
_VARIABLE = r"\$\([^()\s]*\)|\$\{[^{}\s]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\{\{[^{}\n]*\}\}"
_WORD = on_first_use(rf"(?:{_VARIABLE}|[A-Za-z0-9._/:@-])+")
_VARIABLE_RE = on_first_use(_VARIABLE)
_LETTER = on_first_use("[A-Za-z]")


def extract(scan: TextScan) -> Iterator[Occurrence]:
    """The references on the lines of ``scan`` that carry the marker, in written order."""
    lines = scan.lines()
    for index, (_, content) in enumerate(lines):
        if MARKER not in content:
            continue
        match = _MARKER().search(content)
        if match is None:
            continue
        if content[: match.start()].strip():
            yield from _references(scan, lines[index], match.start())
        elif index + 1 < len(lines):
            yield from _references(scan, lines[index + 1], len(lines[index + 1][1]))


def _references(scan: TextScan, line: tuple[int, str], end: int) -> Iterator[Occurrence]:
    """The references in the code of ``line`` before ``end`` and before any comment."""
    offset, content = line
    code = content[:end]
    comment = _COMMENT().search(code)
    code = code[: comment.start()] if comment else code
    literal: list[Occurrence] = []
    dynamic: list[Occurrence] = []
    for word in _WORD().finditer(code):
        text = word.group().rstrip(".:")
        if not text or not (text[0].isalnum() or text[0] == "$"):
            continue
        start = offset + word.start()
        span = Span(start, start + len(text))
        variable = dynamic_part(text)
        if variable is None and _shaped_like_reference(text):
            literal.append(_occurrence(scan, span, text, edit=span))
        # A dynamic one: shaped like a reference once each variable stands for a word.
        elif variable is not None and _shaped_like_reference(_VARIABLE_RE().sub("x", text)):
            dynamic.append(_occurrence(scan, span, text, dynamic=variable))
    yield from literal or dynamic


def _shaped_like_reference(text: str) -> bool:
    """A valid reference with a tag or a digest, or under a registry host; its name has a
    letter (``5432:5432`` is a port mapping)."""
    name = text.partition("@")[0]
    colon = tag_start(name)
    if "://" in text or not _LETTER().search(name[:colon] if colon >= 0 else name):
        return False
    if parsed(text) is None:
        return False
    first, slash, _ = text.partition("/")
    return tag_start(text) >= 0 or "@" in text or bool(slash and "." in first)


def _occurrence(
    scan: TextScan, span: Span, image: str, *, edit: Span | None = None, dynamic: str | None = None
) -> Occurrence:
    line, _ = scan.position(span.start)
    return scan.occurrence(
        span,
        image=image,
        yaml_path=f"line {line}",
        context=CONTEXT,
        edit=edit,
        dynamic=dynamic,
    )
