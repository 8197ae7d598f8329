"""Fixing: pins -> byte-exact edits on the original text -> new text, verified by re-parsing.

Nothing is ever re-dumped: an edit replaces exactly the characters that hold an
image (quotes, comments and everything else around them stay as written) or
inserts one Kustomize ``digest:`` field. The result is extracted again and must
read, at every YAML path, exactly what was intended; otherwise the file is left
as it was and the result says why. See docs/fixing.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from linter.extract.options import FormatOptions
from linter.model import Edit, Form, Occurrence, Span
from linter.records import Record
from linter.reference import pinned, validate_digest


class OverlapError(ValueError):
    """Two edits touch the same characters, so no order of applying them is right."""


class NotEditable(ValueError):
    """The occurrence cannot be rewritten in place (escapes, a multi-line scalar, …)."""


class Pin(Record):
    """Pin (or re-pin) ``occurrence`` to ``digest``."""

    occurrence: Occurrence
    digest: str


class Skipped(Record):
    """A pin that was not applied because its occurrence cannot be edited in place."""

    occurrence: Occurrence
    reason: str


class FixResult(Record):
    """The fixed text, or the original text and ``error`` saying why nothing changed."""

    text: str
    changed: bool
    error: str | None = None
    #: Pins left out while the others were applied.
    skipped: tuple[Skipped, ...] = ()


def edits_for(text: str, pin: Pin) -> list[Edit]:
    """The edits that pin ``pin.occurrence`` in ``text``; [] when it already is.

    Raise NotEditable when the occurrence has no editable span, and ValueError
    when ``text`` does not hold the occurrence where it says (a stale occurrence).
    """
    occurrence, digest = pin.occurrence, validate_digest(pin.digest)
    if occurrence.form is Form.KUSTOMIZE or occurrence.kustomize is not None:
        return _kustomize_edits(text, occurrence, digest)
    span = occurrence.edit
    if span is None:
        because = f": {occurrence.unfixable}" if occurrence.unfixable else ""
        raise NotEditable(f"{occurrence.raw!r} cannot be rewritten in place{because}")
    written = _written(text, occurrence, span)
    replacement = pinned(written, digest)
    return [] if replacement == written else [Edit(span.start, span.end, replacement)]


def _kustomize_edits(text: str, occurrence: Occurrence, digest: str) -> list[Edit]:
    entry = occurrence.kustomize
    if entry is None:
        because = f": {occurrence.unfixable}" if occurrence.unfixable else ""
        hint = f"; {occurrence.fix_hint}" if occurrence.fix_hint else ""
        raise NotEditable(
            f"the entry for {occurrence.image!r} has no place for a digest{because}{hint}"
        )
    if entry.digest is None:
        insertion = entry.insert_prefix + digest + entry.insert_suffix
        return [Edit(entry.insert_at, entry.insert_at, insertion)]
    written = text[entry.digest.start : entry.digest.end]
    return [] if written == digest else [Edit(entry.digest.start, entry.digest.end, digest)]


def _written(text: str, occurrence: Occurrence, span: Span) -> str:
    """The characters at ``span``, which must be the occurrence's image."""
    written = text[span.start : span.end]
    if written != occurrence.image:
        raise ValueError(
            f"{occurrence.path}:{occurrence.line}: expected {occurrence.image!r} at offsets "
            f"{span.start}-{span.end}, found {written!r}; the file changed since it was read"
        )
    return written


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """``text`` with every edit applied to the original offsets.

    Equivalent to applying them from the end backwards (so no edit shifts
    another's offsets), in one linear pass. Identical edits count once (an
    anchor reached twice); an insertion at the start of a replaced span goes
    before it. Raise OverlapError when two edits share characters or two
    insertions share a position, and ValueError for offsets outside ``text``.
    """
    ordered = sorted(set(edits), key=lambda edit: (edit.start, edit.end, edit.replacement))
    pieces: list[str] = []
    position = 0
    previous: Edit | None = None
    for edit in ordered:
        if not 0 <= edit.start <= edit.end <= len(text):
            raise ValueError(f"edit {edit.start}-{edit.end} is outside the text (0-{len(text)})")
        if previous is not None and _overlap(previous, edit):
            raise OverlapError(
                f"edits at {previous.start}-{previous.end} ({previous.replacement!r}) and "
                f"{edit.start}-{edit.end} ({edit.replacement!r}) overlap"
            )
        pieces += (text[position : edit.start], edit.replacement)
        position, previous = edit.end, edit
    pieces.append(text[position:])
    return "".join(pieces)


def _overlap(first: Edit, second: Edit) -> bool:
    """Whether ``second`` (sorted after ``first``) clashes with it."""
    both_inserts_here = first.start == first.end == second.start == second.end
    return second.start < first.end or both_inserts_here


def fix_text(
    path: str,
    text: str,
    pins: Sequence[Pin],
    options: FormatOptions | None = None,
    *,
    occurrences: Sequence[Occurrence] | None = None,
) -> FixResult:
    """Apply ``pins`` to ``text`` (the content of ``path``) and verify the result.

    Pins on the same characters (an anchor and the aliases that follow it) make
    one edit. Pins that cannot be edited in place are skipped and listed; any
    other problem — conflicting or overlapping edits, a stale occurrence, a
    result that does not parse or reads other values — leaves ``text`` unchanged
    and is the result's ``error``. ``options`` must be those the pins were extracted with;
    ``occurrences``, when given, are what extracting ``text`` with them gave (the
    caller already has them: ``text`` is then not extracted a second time).
    """
    edits: list[Edit] = []
    applied: list[Pin] = []
    skipped: list[Skipped] = []
    for pin in pins:
        try:
            pin_edits = edits_for(text, pin)
        except NotEditable as reason:
            skipped.append(Skipped(pin.occurrence, str(reason)))
            continue
        except ValueError as error:
            return FixResult(text, False, str(error), tuple(skipped))
        edits += pin_edits
        applied.append(pin)
    if not edits:
        return FixResult(text, False, None, tuple(skipped))
    try:
        new_text = apply_edits(text, edits)
    except OverlapError as error:
        return FixResult(text, False, f"conflicting fixes: {error}", tuple(skipped))
    problem = verify(path, text, new_text, applied, options, occurrences=occurrences)
    if problem is not None:
        return FixResult(text, False, problem, tuple(skipped))
    return FixResult(new_text, True, None, tuple(skipped))


def verify(
    path: str,
    old_text: str,
    new_text: str,
    pins: Sequence[Pin],
    options: FormatOptions | None = None,
    *,
    occurrences: Sequence[Occurrence] | None = None,
) -> str | None:
    """Why ``new_text`` is not ``old_text`` with exactly ``pins`` applied; None when it is.

    Both texts are extracted. Every pin must be an occurrence of the old text;
    every occurrence must be found again at the same YAML path, reading the
    pinned value when it is pinned or shares the pinned characters (the aliases
    of a pinned anchor), and the old value otherwise.
    """
    from linter.extract import extract

    options = options or FormatOptions()
    if occurrences is None:
        occurrences = extract(path, old_text, options).occurrences
    after = extract(path, new_text, options)
    known = {_identity(occurrence) for occurrence in occurrences}
    for pin in pins:
        if _identity(pin.occurrence) not in known:
            occurrence = pin.occurrence
            return f"{occurrence.image!r} at {occurrence.yaml_path} is not in the file; not written"
    if after.syntax_error is not None:
        return f"the fixed file would not parse ({after.syntax_error}); not written"
    digests = {_target(pin.occurrence): pin.digest for pin in pins}
    expected = Counter(
        _expected(old_text, occurrence, digests.get(_target(occurrence)))
        for occurrence in occurrences
    )
    found = Counter(_observed(new_text, occurrence) for occurrence in after.occurrences)
    if expected == found:
        return None
    return _describe_mismatch(expected - found, found - expected)


def _identity(occurrence: Occurrence) -> tuple[object, ...]:
    """An occurrence's place and what its fix uses, whatever display path or notes it carries."""
    return (
        occurrence.start,
        occurrence.yaml_path,
        occurrence.image,
        occurrence.edit,
        occurrence.kustomize,
    )


#: What verification compares for one occurrence: YAML path, form, image, Kustomize digest.
_Value = tuple[str, Form, str, str | None]


def _target(occurrence: Occurrence) -> tuple[int, int]:
    """The characters a fix of ``occurrence`` changes; shared by an anchor and its aliases."""
    if occurrence.kustomize is not None:
        return (occurrence.kustomize.insert_at, occurrence.kustomize.insert_at)
    span = occurrence.edit or Span(occurrence.start, occurrence.end)
    return (span.start, span.end)


def _expected(text: str, occurrence: Occurrence, digest: str | None) -> _Value:
    value = _observed(text, occurrence)
    if digest is None:
        return value
    # An entry with a digest place reads ``name:tag@digest`` once its digest is written.
    new_digest = digest if occurrence.kustomize is not None else None
    return (*value[:2], pinned(occurrence.image, digest), new_digest)


def _observed(text: str, occurrence: Occurrence) -> _Value:
    entry = occurrence.kustomize
    digest = None
    if entry is not None and entry.digest is not None:
        digest = text[entry.digest.start : entry.digest.end]
    return (occurrence.yaml_path, occurrence.form, occurrence.image, digest)


def _describe_mismatch(missing: Counter[_Value], unexpected: Counter[_Value]) -> str:
    wanted = sorted(missing, key=_sort_key)[:1]
    got = sorted(unexpected, key=_sort_key)[:1]
    if wanted and got and wanted[0][0] == got[0][0]:
        detail = f"{wanted[0][0]} would read {_show(got[0])} instead of {_show(wanted[0])}"
    elif wanted:
        detail = f"{wanted[0][0]} ({_show(wanted[0])}) would no longer be found"
    else:
        detail = f"a new image would appear at {got[0][0]} ({_show(got[0])})"
    return f"verification failed after pinning: {detail}; not written"


def _sort_key(value: _Value) -> tuple[str, str, str, str]:
    return (value[0], value[1].value, value[2], value[3] or "")


def _show(value: _Value) -> str:
    image, digest = value[2], value[3]
    return repr(image) if digest is None else f"{image!r} with digest {digest!r}"
