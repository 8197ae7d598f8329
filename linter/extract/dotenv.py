"""Compose's ``.env`` file and its ``${VAR}`` interpolation.

Compose reads ``.env`` from the project directory, the directory of the Compose
file, and interpolates the Compose file with it. It is read here the way
Compose reads it: ``KEY=VALUE`` lines, ``export KEY=VALUE``, single quotes
(literal), double quotes (escapes, ``${OTHER}``), unquoted values (``${OTHER}``,
a ``#`` after a space starts a comment), comment lines. ``${OTHER}`` refers to a
variable defined above. Variables of ``env_file:`` and of the shell environment
are never read, so that results do not depend on who runs imagepin.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import chain

from linter import safe_read
from linter.discovery import ENV_FILE
from linter.lazyre import on_first_use
from linter.model import Span
from linter.records import Record

_ASSIGNMENT = on_first_use(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*")
_COMMENT = on_first_use(r"[ \t]+#")
_EXPRESSION = on_first_use(
    r"\$(?:(?P<dollar>\$)|\{(?P<braced>[^}]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
#: The same after the last ``}``, where no ``${…}`` can close: from each ``${`` there the one
#: above reads to the end (200,000 of them, unclosed, took minutes).
_UNCLOSED = on_first_use(r"\$(?:(?P<dollar>\$)|(?P<braced>(?!))|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
_BRACED = on_first_use(
    r"([A-Za-z_][A-Za-z0-9_]*)(?:(?P<operator>:?[-?+])(?P<argument>.*))?", re.DOTALL
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "$": "$"}


class Variable(Record):
    """One variable of a ``.env`` file."""

    name: str
    value: str
    #: 1-based line of its ``KEY=`` in the file.
    line: int
    #: The characters that hold ``value`` exactly; None when quotes' escapes, another
    #: variable or several lines stand between them.
    edit: Span | None
    #: The value refers to a variable the file does not set: only the environment can tell.
    dynamic: bool = False

    @property
    def known(self) -> str | None:
        return None if self.dynamic else self.value


class EnvFile(Record):
    """A ``.env`` file: its display path and its variables (the last definition wins)."""

    path: str
    variables: Mapping[str, Variable] = {}
    #: Why it could not be read, when it exists and could not be.
    problem: str | None = None


def beside(path: str) -> EnvFile:
    """The ``.env`` in the directory of the Compose file at display path ``path``."""
    directory = path.rpartition("/")[0]
    display = f"{directory}/{ENV_FILE}" if directory else ENV_FILE
    try:
        text = safe_read.read_text(display)
    except safe_read.ReadError as error:
        return EnvFile(display, problem=None if error.missing else error.reason)
    return EnvFile(display, parse(text))


def parse(text: str) -> dict[str, Variable]:
    """The variables of the ``.env`` text ``text`` (a byte order mark at its start is kept)."""
    variables: dict[str, Variable] = {}
    known: dict[str, str | None] = {}  # what each variable so far reads as, for ${...}
    position = 1 if text.startswith("\ufeff") else 0
    line = 1
    while position < len(text):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        assignment = _ASSIGNMENT().match(text, position, end)
        next_position = end + 1
        if assignment is not None and not text[position:end].lstrip().startswith("#"):
            name = assignment.group(1)
            value, edit, next_position = _value(text, assignment.end(), end, known)
            variable = Variable(name, value.image, line, edit, value.dynamic is not None)
            variables[name] = variable
            known[name] = variable.known
        line += text.count("\n", position, next_position)
        position = next_position
    return variables


def _value(
    text: str, start: int, end: int, known: Mapping[str, str | None]
) -> tuple[Interpolated, Span | None, int]:
    """The value starting at ``start`` (its line ends at ``end``), where its characters are
    when they hold it exactly, and where the next line starts."""
    quote = text[start : start + 1]
    if quote in ("'", '"'):
        close = _closing(text, start + 1, quote)
        if close >= 0:
            raw = text[start + 1 : close]
            following = text.find("\n", close)
            after = len(text) + 1 if following < 0 else following + 1
            value = Interpolated(raw) if quote == "'" else interpolate(_unescape(raw), known)
            exact = value.image == raw and value.dynamic is None and "\n" not in raw
            return value, Span(start + 1, close) if exact else None, after
    raw = text[start:end]
    comment = _COMMENT().search(raw)
    raw = (raw[: comment.start()] if comment else raw).rstrip(" \t\r")
    value = interpolate(raw, known)
    exact = value.image == raw and value.dynamic is None
    return value, Span(start, start + len(raw)) if exact else None, end + 1


def _closing(text: str, position: int, quote: str) -> int:
    """Where the quote opened before ``position`` closes; -1 when it never does."""
    while position < len(text):
        character = text[position]
        if character == quote:
            return position
        position += 2 if character == "\\" and quote == '"' else 1
    return -1


def _unescape(raw: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group()), raw, flags=re.DOTALL)


class Part(Record):
    """A variable an interpolated value read from the ``.env`` file, and where."""

    name: str
    #: Where its value is in the result.
    start: int
    end: int
    #: The expression stands for the whole written value (``${IMAGE}``).
    whole: bool
    #: Nothing follows the expression in the written value.
    last: bool


class Interpolated(Record):
    """A value as Compose reads it with ``variables`` set and nothing else."""

    #: The value with variables and defaults substituted and ``$$`` read as ``$``; as
    #: written when dynamic.
    image: str
    #: The first expression that has no value (``${TAG}``, ``$TAG``, ``${TAG:?unset}``).
    dynamic: str | None = None
    #: How many expressions took their default.
    defaults: int = 0
    #: Where the default is in the value when one ``${VAR:-default}`` is the whole value.
    whole_default: tuple[int, int] | None = None
    #: The variables read from ``variables``, in written order.
    parts: tuple[Part, ...] = ()


def interpolate(value: str, variables: Mapping[str, str | None] | None = None) -> Interpolated:
    """``value`` as Compose interpolates it when only ``variables`` are set."""
    variables = variables or {}
    pieces: list[str] = []
    parts: list[Part] = []
    position = defaults = 0
    whole_default = None
    closed = value.rfind("}") + 1
    expressions = _EXPRESSION().finditer(value, 0, closed)
    for match in chain(expressions, _UNCLOSED().finditer(value, closed)):
        pieces.append(value[position : match.start()])
        position = match.end()
        if match.group("dollar"):
            pieces.append("$")
            continue
        name = match.group("bare")
        braced = _BRACED().fullmatch(match.group("braced") or "") if name is None else None
        operator = argument = None
        if braced is not None:
            name, operator, argument = (
                braced.group(1),
                braced.group("operator"),
                braced.group("argument"),
            )
        if name is None:
            return Interpolated(value, dynamic=match.group())
        result = _expression(name, operator, argument, variables)
        if result is None:
            return Interpolated(value, dynamic=match.group())
        text, from_variables = result
        offset = sum(map(len, pieces))
        if from_variables:
            whole = match.span() == (0, len(value))
            parts.append(Part(name, offset, offset + len(text), whole, match.end() == len(value)))
        elif operator in ("-", ":-"):
            defaults += 1
            if match.span() == (0, len(value)) and braced is not None:
                whole_default = (match.start("braced") + braced.start("argument"), match.end() - 1)
        pieces.append(text)
    pieces.append(value[position:])
    return Interpolated("".join(pieces), None, defaults, whole_default, tuple(parts))


def _expression(
    name: str, operator: str | None, argument: str | None, variables: Mapping[str, str | None]
) -> tuple[str, bool] | None:
    """What ``${name<operator><argument>}`` reads, and whether that came from
    ``variables``; None when only the environment could tell (a variable that is not
    set, or set to a value that is not known)."""
    if name in variables and variables[name] is None:
        return None
    value = variables.get(name)
    is_set = value is not None and (value != "" or not (operator or "").startswith(":"))
    if operator is not None and operator.endswith(("-", "+")) and "$" in (argument or ""):
        return None
    if is_set and value is not None and not (operator or "").endswith("+"):
        return value, True
    if operator is not None and operator.endswith("-") and argument:
        return argument, False
    if operator is not None and operator.endswith("+") and is_set:
        return argument or "", False
    return None
