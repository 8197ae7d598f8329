"""Dockerfiles and Containerfiles: ``FROM``, ``COPY --from=`` and ``RUN --mount=…,from=``.

Read as BuildKit's Dockerfile frontend reads them (linter.extract.dockerfile_syntax
reads the lines: parser directives, ``# escape=``, continuations, heredocs). Global
``ARG`` defaults — those before the first ``FROM`` — are substituted in image names
as when no build argument is given. An image that is exactly one such argument
(``FROM ${BASE}``) is reported once, at the argument's default, where the fix goes.
When one argument is the whole tag (``FROM golang:${GO_VERSION}``) and nothing else
uses it, the fix appends the digest to its default
(``ARG GO_VERSION=1.23@sha256:…``); when the tag is written in the instruction
(``FROM ${REGISTRY}/app:1.4``), the digest goes there. Any other image built from
arguments is reported with the reason it is not fixed. Stage names, stage indexes
and ``scratch`` are not images (docs/formats.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from linter.extract import dockerfile_syntax as syntax
from linter.extract.dockerfile_syntax import Instruction, Line, Word
from linter.extract.occurrence import TextScan, digest_after_tag, tag_start
from linter.model import Form, KustomizeEntry, Occurrence, Span
from linter.records import Record

_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<operator>:?[-+?])(?P<word>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*)|\{[^}]*\}?)"
)
_WHOLE_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
#: The most characters the arguments of one word may bring in, far more than any reference
#: holds: ``ARG A=${A}${A}`` sixty times over doubles to an exabyte.
MAX_EXPANSION = 4096
SCRATCH = "scratch"
OVERRIDE_NOTE = "a build argument can override this default"


class Expansion(Record):
    """A word as BuildKit reads it with the global ``ARG`` defaults."""

    value: str
    #: The first expression without a value (``${TAG}`` when TAG has no default).
    dynamic: str | None = None
    #: The arguments it refers to: a build argument can change them.
    used: tuple[str, ...] = ()
    #: ``value`` is the word as written: no quotes, escapes or arguments.
    verbatim: bool = True


class Argument(Record):
    """A global ``ARG name[=default]``: the default as read, and where it is written."""

    name: str
    #: None when there is no default.
    expansion: Expansion | None = None
    #: The default's characters, quotes included.
    span: Span | None = None
    #: The characters holding the default's value, when it can be rewritten in place.
    edit: Span | None = None


def extract(path: str, text: str) -> list[Occurrence]:
    """The images of the Dockerfile ``text`` at display path ``path``, in written order."""
    return _Scan(TextScan(path, text)).run()


#: Where an image uses a global argument: the place, and the image (None outside images).
Use = tuple[str, "str | None"]


class _Scan:
    """One Dockerfile's reading, filled in as it goes: a plain class (docs/decisions.md)."""

    __slots__ = ("arguments", "escape", "scan", "uses", "whole_uses")

    def __init__(self, scan: TextScan) -> None:
        self.scan = scan
        self.escape = "\\"
        self.arguments: dict[str, Argument] = {}
        #: Global arguments used as a whole image, with the contexts using them.
        self.whole_uses: dict[str, list[str]] = {}
        #: Every use of each global argument: in an image, another argument's default, a stage.
        self.uses: dict[str, list[Use]] = {}

    def run(self) -> list[Occurrence]:
        lines = self.scan.lines()
        directives = syntax.directives(lines)
        self.escape = syntax.escape_of(lines)
        instructions = list(syntax.instructions(lines, self.escape))
        stages = [syntax.stage_name(i) for i in instructions if i.keyword == "FROM"]
        found: list[tuple[Occurrence, str | None]] = []
        if "syntax" in directives:
            found.append((self._frontend(*directives["syntax"]), None))
        stage, label, position = -1, "", 0
        for instruction in instructions:
            if instruction.keyword == "ARG":
                self._declare(instruction, label if stage >= 0 else None)
            elif instruction.keyword == "FROM":
                stage, position = stage + 1, 0
                label = f"stage {stages[stage] or stage}"
                earlier = {name for name in stages[:stage] if name}
                for image in instruction.arguments[:1]:
                    where = f"stages[{stage}].from"
                    found += self._image(instruction.line, image, earlier, where, label)
            elif stage >= 0:
                position += 1
                where = f"stages[{stage}].instructions[{position}]"
                found += self._sources(instruction, set(filter(None, stages)), where, label)
        settled = [self._settle(occurrence, argument) for occurrence, argument in found]
        settled += self._argument_occurrences()
        return sorted(settled, key=lambda occurrence: occurrence.start)

    def _declare(self, instruction: Instruction, stage: str | None) -> None:
        """A global ``ARG`` (``stage`` None); in a stage, ``ARG NAME`` brings a global in."""
        for word in instruction.arguments:
            name, equals, raw = word.text.partition("=")
            if stage is not None:
                if not equals and name in self.arguments:
                    self.uses.setdefault(name, []).append((f"ARG {name} in {stage}", None))
                continue
            if not equals:
                self.arguments[name] = Argument(name)
                continue
            value = word.after(name + "=")
            expansion = expand(raw, self.arguments, self.escape)
            for used in expansion.used:
                self.uses.setdefault(used, []).append((f"the default of ARG {name}", None))
            line = instruction.line
            span = line.span(value.start, value.end) if raw else None
            in_place = span if raw and line.contiguous(value.start, value.end) else None
            self.arguments[name] = Argument(name, expansion, span, _edit(raw, expansion, in_place))

    def _sources(
        self, instruction: Instruction, stages: set[str], where: str, label: str
    ) -> Iterator[tuple[Occurrence, str | None]]:
        """Images an instruction reads files from: ``COPY --from``, ``RUN --mount=…,from=``."""
        keyword, flags, arguments = instruction.keyword, instruction.flags, instruction.arguments
        prefix = ""
        if keyword == "ONBUILD" and arguments:
            keyword, prefix = arguments[0].text.upper(), "ONBUILD "
            flags = tuple(syntax.leading_flags(arguments[1:]))
        for number, flag in enumerate(flags):
            if keyword == "COPY" and flag.text.startswith("--from="):
                source = flag.after("--from=")
                context = f"{label} {prefix}COPY --from"
                if not source.text.isdigit():
                    path = f"{where}.from"
                    yield from self._image(instruction.line, source, stages, path, context)
            elif keyword == "RUN" and flag.text.startswith("--mount="):
                for source in syntax.mount_sources(flag.after("--mount=")):
                    context = f"{label} {prefix}RUN --mount"
                    path = f"{where}.mounts[{number}].from"
                    yield from self._image(instruction.line, source, stages, path, context)

    def _image(
        self, line: Line, word: Word, stages: set[str], yaml_path: str, context: str
    ) -> Iterator[tuple[Occurrence, str | None]]:
        """An image word's occurrence, and the argument whose default may take its fix (_settle)."""
        expansion = expand(word.text, self.arguments, self.escape)
        name = expansion.value.lower()
        if not word.text or (expansion.dynamic is None and (name in stages or name == SCRATCH)):
            return
        if expansion.dynamic is None:
            for used in expansion.used:
                self.uses.setdefault(used, []).append((context, expansion.value))
        whole = _WHOLE_VARIABLE.fullmatch(word.text)
        argument = self.arguments.get(whole.group(1) or whole.group(2)) if whole else None
        if expansion.dynamic is None and argument is not None and argument.span is not None:
            self.whole_uses.setdefault(argument.name, []).append(context)
            return
        span = line.span(word.start, word.end)
        in_place = span if line.contiguous(word.start, word.end) else None
        place: DigestPlace = (None, None, None)
        if expansion.used and expansion.dynamic is None:
            place = self._digest_place(line, word, expansion.value)
        entry, tag_argument, unfixable = place
        yield (
            self._occurrence(
                span,
                image=expansion.value if expansion.dynamic is None else word.text,
                yaml_path=yaml_path,
                context=context,
                form=Form.VARIABLE_DEFAULT if expansion.used else Form.SCALAR,
                edit=_edit(word.text, expansion, in_place),
                kustomize=entry,
                dynamic=expansion.dynamic,
                note=_note(expansion, unfixable),
                unfixable=unfixable,
            ),
            tag_argument,
        )

    def _frontend(self, start: int, value: str) -> Occurrence:
        """``# syntax=docker/dockerfile:1``: the image of the frontend BuildKit runs."""
        span = Span(start, start + len(value))
        return self._occurrence(
            span,
            image=value,
            yaml_path="syntax",
            context="syntax directive",
            form=Form.SCALAR,
            edit=span,
            dynamic=None,
        )

    def _digest_place(self, line: Line, word: Word, image: str) -> DigestPlace:
        """Where the fix writes the digest of an image built from arguments: after a tag
        written in the word, or after the default of the one argument that is the tag."""
        tag = tag_start(image)
        if tag < 0:
            return None, None, "it has no tag to pin"
        text, start = word.text, word.start
        if len(text) > 1 and text[0] == text[-1] == '"':
            text, start = text[1:-1], start + 1
        last = list(_VARIABLE.finditer(text))[-1]
        tail = text[last.end() :]
        if any(ch in tail for ch in "'\"$" + self.escape):
            return None, None, "its last part is quoted or escaped"
        if tail and tag >= len(image) - len(tail):
            # The tag is written in the instruction (``${REGISTRY}/app:1.4``).
            tail_start, end = start + last.end(), start + len(text)
            if not line.contiguous(tail_start, end):
                return None, None, "a line continuation splits it"
            return digest_after_tag(line.span(tail_start, end), tail), None, None
        name = last.group("braced") or last.group("bare")
        word_default = last.group("word")
        if not tail and last.group("operator") in (":-", "-") and image[tag + 1 :] == word_default:
            # The tag is the default written in the instruction (``${VERSION:-9.5}``).
            end = start + last.end() - 1
            if "$" in word_default or not line.contiguous(end - len(word_default), end):
                return None, None, "a line continuation splits it"
            return (
                digest_after_tag(line.span(end - len(word_default), end), word_default),
                None,
                None,
            )
        argument = self.arguments.get(name) if name else None
        whole_tag = (
            not tail
            and text[last.start() - 1 : last.start()] == ":"
            and not last.group("operator")
            and argument is not None
            and argument.expansion is not None
            and image[tag + 1 :] == argument.expansion.value
        )
        if argument is None or not whole_tag:
            return None, None, f"its tag is built from several parts ({word.text})"
        if argument.edit is None:
            return None, None, self._unwritten(argument)
        written = self.scan.text[argument.edit.start : argument.edit.end]
        return digest_after_tag(argument.edit, written), name, None

    @staticmethod
    def _unwritten(argument: Argument) -> str:
        """Why an argument's default cannot take a digest."""
        used = argument.expansion.used if argument.expansion is not None else ()
        if used:
            return f"the default of ARG {argument.name} comes from ARG {', '.join(used)}"
        return f"the default of ARG {argument.name} is not written plainly"

    def _settle(self, occurrence: Occurrence, argument: str | None) -> Occurrence:
        """An occurrence whose fix goes into ``argument``'s default, when only images
        written as this one use that argument; otherwise not fixed, and why."""
        if argument is None:
            return occurrence
        others = [where for where, image in self.uses[argument] if image != occurrence.image]
        if not others:
            return occurrence
        reason = f"build argument {argument} is also used by {others[0]}"
        return occurrence._replace(
            kustomize=None,
            unfixable=reason,
            note=f"{occurrence.note}; not fixed: {reason}",
        )

    def _argument_occurrences(self) -> Iterator[Occurrence]:
        for name, contexts in self.whole_uses.items():
            argument = self.arguments[name]
            assert argument.expansion is not None and argument.span is not None
            default = argument.expansion.value
            # Pinning a default that anything else builds on would change that too.
            others = [where for where, image in self.uses.get(name, []) if image != default]
            unfixable = f"build argument {name} is also used by {others[0]}" if others else None
            if argument.edit is None:
                unfixable = self._unwritten(argument)
            yield self._occurrence(
                argument.span,
                image=default,
                yaml_path=f"args.{name}",
                context=f"build argument {name} ({', '.join(contexts)})",
                form=Form.VARIABLE_DEFAULT,
                edit=argument.edit if unfixable is None else None,
                dynamic=argument.expansion.dynamic,
                note=OVERRIDE_NOTE + (f"; not fixed: {unfixable}" if unfixable else ""),
                unfixable=unfixable,
            )

    def _occurrence(
        self,
        span: Span,
        *,
        dynamic: str | None,
        edit: Span | None,
        kustomize: KustomizeEntry | None = None,
        **fields: Any,
    ) -> Occurrence:
        return self.scan.occurrence(
            span,
            edit=edit if dynamic is None else None,
            kustomize=kustomize if dynamic is None else None,
            dynamic=dynamic,
            **fields,
        )


#: Where a fix writes a digest, the argument whose default that is, why there is no fix.
DigestPlace = tuple["KustomizeEntry | None", "str | None", "str | None"]


def _note(expansion: Expansion, unfixable: str | None = None) -> str | None:
    if not expansion.used or expansion.dynamic is not None:
        return None
    names = ", ".join(expansion.used)
    note = f"uses the default of build argument {names}; a build argument can override it"
    return note + (f"; not fixed: {unfixable}" if unfixable else "")


def _edit(raw: str, expansion: Expansion, span: Span | None) -> Span | None:
    """The characters holding the value: all of them, or those inside one pair of quotes."""
    if span is None or expansion.dynamic is not None or expansion.used:
        return None
    if expansion.verbatim:
        return span
    inner = raw[1:-1]
    if len(raw) > 1 and raw[0] == raw[-1] and raw[0] in "'\"" and inner == expansion.value:
        plain = not any(ch in inner for ch in "'\"$\\`")
        return Span(span.start + 1, span.end - 1) if plain else None
    return None


def expand(raw: str, arguments: Mapping[str, Argument], escape: str) -> Expansion:
    """``raw`` with quotes, escapes and ``$NAME``/``${NAME…}`` read as BuildKit's lexer reads it."""
    out: list[str] = []
    used: list[str] = []
    verbatim = True
    quote: str | None = None
    position = substituted = 0
    while position < len(raw):
        ch = raw[position]
        if quote == "'" and ch != "'":
            out.append(ch)
        elif ch in "'\"" and quote in (None, ch):
            quote = None if quote else ch
            verbatim = False
        elif ch == escape and position + 1 < len(raw):
            following = raw[position + 1]
            if quote == '"' and following not in ('"', "$", escape):
                out.append(ch)
            else:
                out.append(following)
                position += 1
            verbatim = False
        elif ch == "$" and (match := _VARIABLE.match(raw, position)) is not None:
            name = match.group("braced") or match.group("bare")
            value = _substitute(match, arguments)
            substituted += 0 if value is None else len(value)
            if name is None or value is None or substituted > MAX_EXPANSION:
                return Expansion(raw, dynamic=match.group(), used=tuple(used), verbatim=False)
            out.append(value)
            used.append(name)
            verbatim = False
            position = match.end()
            continue
        else:
            out.append(ch)
        position += 1
    return Expansion("".join(out), used=tuple(dict.fromkeys(used)), verbatim=verbatim)


def _substitute(match: re.Match[str], arguments: Mapping[str, Argument]) -> str | None:
    """What one ``$NAME`` or ``${NAME…}`` reads; None when only a build argument can tell."""
    name = match.group("braced") or match.group("bare")
    argument = arguments.get(name) if name else None
    expansion = argument.expansion if argument is not None else None
    if expansion is not None and expansion.dynamic is not None:
        return None
    value = expansion.value if expansion is not None else None
    operator, word = match.group("operator"), match.group("word") or ""
    if operator in (None, "?"):
        return value
    if operator == ":?":
        return value or None
    if "$" in word:
        return None
    is_set = bool(value) if operator.startswith(":") else value is not None
    if operator.endswith("-"):
        return value if is_set else word
    return word if is_set else ""
