"""``WWW-Authenticate`` parsing per RFC 7235: several challenges, quoted values with commas."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from linter.records import Record

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
#: Unquoted values: RFC 7235 says token, but servers send URLs unquoted too.
_BARE = re.compile(r'[^\s,"]+')
_SPACE = " \t"


class Challenge(Record):
    """One challenge: a lowercase scheme and its parameters (lowercase keys)."""

    scheme: str
    params: Mapping[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.params.get(key)

    @property
    def scopes(self) -> tuple[str, ...]:
        """The space-separated entries of ``scope``."""
        return tuple((self.params.get("scope") or "").split())


def parse_challenges(values: Iterable[str]) -> tuple[Challenge, ...]:
    """Every challenge in every header value, in order; malformed tails are dropped."""
    found: list[Challenge] = []
    for value in values:
        found.extend(_parse(value))
    return tuple(found)


def _skip(text: str, pos: int, chars: str) -> int:
    while pos < len(text) and text[pos] in chars:
        pos += 1
    return pos


def _quoted(text: str, pos: int) -> tuple[str, int]:
    """The quoted-string starting at ``text[pos] == '"'``, unescaped, and the position after it."""
    out: list[str] = []
    pos += 1
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text):
            out.append(text[pos + 1])
            pos += 2
            continue
        if char == '"':
            return "".join(out), pos + 1
        out.append(char)
        pos += 1
    return "".join(out), pos  # unterminated: take the rest, as lenient clients do


def _parse(text: str) -> list[Challenge]:
    challenges: list[Challenge] = []
    params: dict[str, str] = {}
    pos = 0
    while True:
        pos = _skip(text, pos, _SPACE + ",")
        token = _TOKEN.match(text, pos)
        if token is None:
            return challenges
        after = _skip(text, token.end(), _SPACE)
        if challenges and after < len(text) and text[after] == "=":
            # auth-param: token BWS "=" BWS ( token / quoted-string )
            pos = _skip(text, after + 1, _SPACE)
            if pos < len(text) and text[pos] == '"':
                value, pos = _quoted(text, pos)
            else:
                bare = _BARE.match(text, pos)
                value, pos = (bare.group(), bare.end()) if bare else ("", pos)
            params[token.group().lower()] = value
            continue
        params = {}
        challenges.append(Challenge(token.group().lower(), params))
        pos = after
        token68 = _TOKEN68.match(text, pos)
        if token68 is not None:
            rest = _skip(text, token68.end(), _SPACE)
            if (rest == len(text) or text[rest] == ",") and "=" not in token68.group().rstrip("="):
                # A credentials blob (``Negotiate abc==``), not a parameter.
                params[""] = token68.group()
                pos = rest
