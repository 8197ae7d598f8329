"""Dockerfiles and Containerfiles: ``FROM``, ``COPY --from=`` and ``RUN --mount=…,from=``.

Read as BuildKit's Dockerfile frontend reads them: parser directives at the
top (``# escape=`` changes the escape character), line continuations (comment
and blank lines inside one are dropped), heredocs (their lines are content, not
instructions), keywords in any case. Global ``ARG`` defaults — those before the
first ``FROM`` — are substituted in image names as when no build argument is
given. An image that is exactly one such argument (``FROM ${BASE}``) is
reported once, at the argument's default, where the fix goes. Stage names,
stage indexes and ``scratch`` are not images. docs/formats.md has the details.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from linter.extract.occurrence import located
from linter.model import Form, Occurrence, Span

_DIRECTIVE = re.compile(r"#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*")
_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_ESCAPES = frozenset({"\\", "`"})
_HEREDOC = re.compile(r"[0-9]*<<(-?)(['\"]?)([^'\"<\s]+)\2")
_HEREDOC_INSTRUCTIONS = frozenset({"RUN", "COPY", "ADD"})
_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<operator>:?[-+?])(?P<word>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*)|\{[^}]*\}?)"
)
_WHOLE_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
SCRATCH = "scratch"
OVERRIDE_NOTE = "a build argument can override this default"


@dataclass(frozen=True)
class Line:
    """One instruction with its continuation lines joined.

    ``pieces`` holds, for each physical line joined, where it starts in ``text``
    and in the file.
    """

    text: str
    pieces: tuple[tuple[int, int], ...]

    def offset(self, index: int) -> int:
        """Where ``text[index]`` is in the file."""
        start, offset = self.pieces[self._piece(index)]
        return offset + index - start

    def span(self, start: int, end: int) -> Span:
        """Where ``text[start:end]`` is in the file (continuations between included)."""
        return Span(self.offset(start), self.offset(end - 1) + 1)

    def contiguous(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` is written in one piece, no continuation inside."""
        return self._piece(start) == self._piece(end - 1)

    def _piece(self, index: int) -> int:
        return bisect_right(self.pieces, (index, math.inf)) - 1


@dataclass(frozen=True)
class Word:
    """A whitespace-separated word of a Line, quotes and escapes as written."""

    text: str
    start: int
    end: int

    def after(self, prefix: str) -> Word:
        return Word(self.text[len(prefix) :], self.start + len(prefix), self.end)


@dataclass(frozen=True)
class Instruction:
    keyword: str
    flags: tuple[Word, ...]
    arguments: tuple[Word, ...]
    line: Line


@dataclass(frozen=True)
class Expansion:
    """A word as BuildKit reads it with the global ``ARG`` defaults."""

    value: str
    #: The first expression without a value (``${TAG}`` when TAG has no default).
    dynamic: str | None = None
    #: The arguments it refers to: a build argument can change them.
    used: tuple[str, ...] = ()
    #: ``value`` is the word as written: no quotes, escapes or arguments.
    verbatim: bool = True


@dataclass(frozen=True)
class Argument:
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
    return _Scan(path, text).run()


@dataclass
class _Scan:
    path: str
    text: str
    escape: str = "\\"
    line_starts: list[int] = field(default_factory=list)
    arguments: dict[str, Argument] = field(default_factory=dict)
    #: Global arguments used as a whole image, with the contexts using them.
    whole_uses: dict[str, list[str]] = field(default_factory=dict)
    #: Global arguments used as part of an image (their default is not the whole reference).
    partial_uses: set[str] = field(default_factory=set)

    def run(self) -> list[Occurrence]:
        lines = _physical_lines(self.text)
        self.escape = _escape(lines)
        self.line_starts = [0, *(offset for offset, _ in lines[1:])]
        instructions = list(_instructions(lines, self.escape))
        stages = [_stage_name(i) for i in instructions if i.keyword == "FROM"]
        found: list[Occurrence] = []
        stage, label, position = -1, "", 0
        for instruction in instructions:
            if instruction.keyword == "ARG" and stage < 0:
                self._declare(instruction)
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
        found += self._argument_occurrences()
        return sorted(found, key=lambda occurrence: occurrence.start)

    def _declare(self, instruction: Instruction) -> None:
        for word in instruction.arguments:
            name, equals, raw = word.text.partition("=")
            if not equals:
                self.arguments[name] = Argument(name)
                continue
            value = word.after(name + "=")
            expansion = expand(raw, self.arguments, self.escape)
            line = instruction.line
            span = line.span(value.start, value.end) if raw else None
            in_place = span if raw and line.contiguous(value.start, value.end) else None
            self.arguments[name] = Argument(name, expansion, span, _edit(raw, expansion, in_place))

    def _sources(
        self, instruction: Instruction, stages: set[str], where: str, label: str
    ) -> Iterator[Occurrence]:
        """Images an instruction reads files from: ``COPY --from``, ``RUN --mount=…,from=``."""
        keyword, flags, arguments = instruction.keyword, instruction.flags, instruction.arguments
        prefix = ""
        if keyword == "ONBUILD" and arguments:
            keyword, prefix = arguments[0].text.upper(), "ONBUILD "
            flags = tuple(_flags(arguments[1:]))
        for number, flag in enumerate(flags):
            if keyword == "COPY" and flag.text.startswith("--from="):
                source = flag.after("--from=")
                context = f"{label} {prefix}COPY --from"
                if not source.text.isdigit():
                    path = f"{where}.from"
                    yield from self._image(instruction.line, source, stages, path, context)
            elif keyword == "RUN" and flag.text.startswith("--mount="):
                for source in _mount_sources(flag.after("--mount=")):
                    context = f"{label} {prefix}RUN --mount"
                    path = f"{where}.mounts[{number}].from"
                    yield from self._image(instruction.line, source, stages, path, context)

    def _image(
        self, line: Line, word: Word, stages: set[str], yaml_path: str, context: str
    ) -> Iterator[Occurrence]:
        expansion = expand(word.text, self.arguments, self.escape)
        name = expansion.value.lower()
        if not word.text or (expansion.dynamic is None and (name in stages or name == SCRATCH)):
            return
        whole = _WHOLE_VARIABLE.fullmatch(word.text)
        argument = self.arguments.get(whole.group(1) or whole.group(2)) if whole else None
        if expansion.dynamic is None and argument is not None and argument.span is not None:
            self.whole_uses.setdefault(argument.name, []).append(context)
            return
        self.partial_uses.update(expansion.used)
        span = line.span(word.start, word.end)
        in_place = span if line.contiguous(word.start, word.end) else None
        yield self._occurrence(
            span,
            image=expansion.value if expansion.dynamic is None else word.text,
            yaml_path=yaml_path,
            context=context,
            form=Form.VARIABLE_DEFAULT if expansion.used else Form.SCALAR,
            edit=_edit(word.text, expansion, in_place),
            dynamic=expansion.dynamic,
            note=_note(expansion),
        )

    def _argument_occurrences(self) -> Iterator[Occurrence]:
        for name, contexts in self.whole_uses.items():
            argument = self.arguments[name]
            assert argument.expansion is not None and argument.span is not None
            yield self._occurrence(
                argument.span,
                image=argument.expansion.value,
                yaml_path=f"args.{name}",
                context=f"build argument {name} ({', '.join(contexts)})",
                form=Form.VARIABLE_DEFAULT,
                # Pinning a default that other images build on would change them too.
                edit=argument.edit if name not in self.partial_uses else None,
                dynamic=argument.expansion.dynamic,
                note=OVERRIDE_NOTE,
            )

    def _occurrence(
        self,
        span: Span,
        *,
        image: str,
        yaml_path: str,
        context: str,
        form: Form,
        edit: Span | None,
        dynamic: str | None,
        note: str | None,
    ) -> Occurrence:
        return located(
            self.path,
            self.text,
            span,
            self._position,
            image=image,
            yaml_path=yaml_path,
            context=context,
            form=form,
            edit=edit if dynamic is None else None,
            dynamic=dynamic,
            note=note,
        )

    def _position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``, in characters, not counting a byte order mark."""
        line = bisect_right(self.line_starts, offset)
        column = offset - self.line_starts[line - 1] + 1
        return line, column - 1 if line == 1 and self.text.startswith("\ufeff") else column


def _note(expansion: Expansion) -> str | None:
    if not expansion.used or expansion.dynamic is not None:
        return None
    names = ", ".join(expansion.used)
    return f"uses the default of build argument {names}; a build argument can override it"


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
    position = 0
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
            if name is None or value is None:
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


def instruction_ends(text: str) -> dict[int, int]:
    """For each instruction written over several lines (continuations), its first line ->
    its last line, 1-based: a suppression comment above it covers them all."""
    lines = _physical_lines(text)
    starts = [offset for offset, _ in lines]
    ends = {}
    for instruction in _instructions(lines, _escape(lines)):
        pieces = instruction.line.pieces
        first, last = bisect_right(starts, pieces[0][1]), bisect_right(starts, pieces[-1][1])
        if last > first:
            ends[first] = last
    return ends


def _physical_lines(text: str) -> list[tuple[int, str]]:
    """``(offset, content)`` of every line, without its line ending (or the byte order mark)."""
    lines = []
    start = 1 if text.startswith("\ufeff") else 0
    for content in text[start:].split("\n"):
        lines.append((start, content[:-1] if content.endswith("\r") else content))
        start += len(content) + 1
    return lines


def _escape(lines: list[tuple[int, str]]) -> str:
    """The escape character the parser directives at the top set (``\\`` by default)."""
    escape = "\\"
    seen: set[str] = set()
    for _, content in lines:
        match = _DIRECTIVE.fullmatch(content.lstrip())
        name = match.group(1).lower() if match else None
        if match is None or name not in _DIRECTIVES or name in seen:
            break
        seen.add(name)
        if name == "escape" and match.group(2) in _ESCAPES:
            escape = match.group(2)
    return escape


def _instructions(lines: list[tuple[int, str]], escape: str) -> Iterator[Instruction]:
    continuation = re.compile(re.escape(escape) + r"[ \t]*$")
    number = 0
    while number < len(lines):
        offset, content = lines[number]
        number += 1
        stripped = content.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        pieces = [(offset + len(content) - len(stripped), stripped)]
        ended = continuation.search(stripped) is None
        while not ended and number < len(lines):
            offset, content = lines[number]
            number += 1
            if not content.strip() or content.lstrip().startswith("#"):
                continue
            pieces.append((offset, content))
            ended = continuation.search(content) is None
        line = _join(pieces, continuation)
        words = _words(line, escape)
        first = next(words, None)
        if first is None:
            continue
        keyword = first.text.upper()
        read = list(_needed(keyword, words))
        flags = tuple(_flags(read))
        yield Instruction(keyword, flags, tuple(read[len(flags) :]), line)
        inner = read[0].text.upper() if keyword == "ONBUILD" and read else keyword
        if inner in _HEREDOC_INSTRUCTIONS and "<<" in line.text:
            number = _skip_heredocs(_words(line, escape), lines, number)


def _join(pieces: list[tuple[int, str]], continuation: re.Pattern[str]) -> Line:
    text: list[str] = []
    starts: list[tuple[int, int]] = []
    length = 0
    for offset, content in pieces:
        match = continuation.search(content)
        kept = content[: match.start()] if match else content
        text.append(kept)
        starts.append((length, offset))
        length += len(kept)
    return Line("".join(text), tuple(starts))


def _words(line: Line, escape: str) -> Iterator[Word]:
    """Whitespace-separated words; whitespace inside quotes or after the escape character stays."""
    for match in _word_pattern(escape).finditer(line.text):
        yield Word(match.group(), match.start(), match.end())


def _needed(keyword: str, words: Iterator[Word]) -> Iterator[Word]:
    """The words after ``keyword`` that can name images, read no further than needed.

    All of ``ARG``'s; ``FROM``'s flags and ``image AS name``; the flags of any
    other instruction, and of the one ``ONBUILD`` holds (a ``RUN`` line's
    command can be megabytes long).
    """
    arguments = 0
    for index, word in enumerate(words):
        yield word
        flag = word.text.startswith("--") and word.text != "--" and arguments == 0
        inner_keyword = keyword == "ONBUILD" and index == 0
        if flag or inner_keyword or keyword == "ARG":
            continue
        arguments += 1
        if keyword != "FROM" or arguments == 3:
            return


@lru_cache(maxsize=2)
def _word_pattern(escape: str) -> re.Pattern[str]:
    # An unterminated quote runs to the end of the line, as in the shell lexer.
    e = re.escape(escape)
    return re.compile(rf"(?:[^\s'\"{e}]+|{e}.?|'[^']*'?|\"[^\"]*\"?)+", re.DOTALL)


def _flags(words: Iterable[Word]) -> Iterator[Word]:
    """The leading ``--name=value`` words (a lone ``--`` ends them)."""
    for word in words:
        if not word.text.startswith("--") or word.text == "--":
            return
        yield word


def _skip_heredocs(words: Iterator[Word], lines: list[tuple[int, str]], number: int) -> int:
    """The line after the heredocs an instruction opens (their content is not instructions)."""
    for word in words:
        match = _HEREDOC.fullmatch(word.text)
        if match is None:
            continue
        strip_tabs, terminator = match.group(1) == "-", match.group(3)
        while number < len(lines):
            content = lines[number][1]
            number += 1
            if (content.lstrip("\t") if strip_tabs else content) == terminator:
                break
    return number


def _stage_name(instruction: Instruction) -> str | None:
    """The lowercase name of a ``FROM image AS name`` stage."""
    arguments = instruction.arguments
    if len(arguments) >= 3 and arguments[1].text.lower() == "as":
        return arguments[2].text.lower()
    return None


def _mount_sources(value: Word) -> Iterator[Word]:
    """The ``from=`` field of a ``--mount`` value (``type=cache,from=builder,target=/x``)."""
    position = 0
    for part in value.text.split(","):
        key, equals, _ = part.partition("=")
        if equals and key.strip().lower() == "from":
            start = value.start + position
            yield Word(part, start, start + len(part)).after(key + "=")
        position += len(part) + 1
