"""Refuse a configured pattern that can take exponential time (``regex-extractors``).

Python's ``re`` backtracks, so a repeated group made of repetitions only, one of them
unbounded (``(a+)+``, ``(\\w+\\s?)*``, ``(a*|b)+``), tries exponentially many ways to
split a line that almost matches, and a repository's configuration would hang every
run over it. Such a pattern is a configuration error; its rewrite (``a+``,
``[\\w\\s]*``) matches the same lines in linear time. A group with something it must
match once per repetition, as the reference grammar's ``(?:[._-][a-z0-9]+)*``, is
accepted: that separator is what keeps the splits apart. This is a guard against the
known shape, not a proof: ``(\\w+\\w)*`` still passes.
"""

from __future__ import annotations

#: ``{n,m}`` with an upper bound this large repeats like ``*`` for backtracking.
_LARGE_BOUND = 10


class _Group:
    """A group being read (or the whole pattern), from ``start``."""

    __slots__ = ("every_branch_once", "once", "start", "unbounded")

    def __init__(self, start: int) -> None:
        self.start = start
        #: An unbounded repetition somewhere inside the group.
        self.unbounded = False
        #: Atoms of the current branch matched exactly once (not repeated, not optional).
        self.once = 0
        #: Every branch closed so far has such an atom.
        self.every_branch_once = True

    def close(self) -> bool:
        """Whether every branch has an atom it matches exactly once."""
        return self.every_branch_once and self.once > 0


def nested_repetition(pattern: str) -> str | None:
    """The first repeated group of ``pattern`` made of repetitions only, one unbounded,
    as written; None when there is none. ``pattern`` is one ``re`` compiles."""
    stack = [_Group(0)]
    #: The atom a quantifier would repeat: a closed group (None for any other atom),
    #: and whether it counted as matched once.
    group: _Group | None = None
    counted = False
    i = 0
    while i < len(pattern):
        char, here = pattern[i], stack[-1]
        if char in "*+?{":
            end, repeats, unbounded = _quantifier(pattern, i)
            if end > i:
                if group is not None and group.unbounded and repeats and not group.close():
                    return pattern[group.start : end]
                here.unbounded |= unbounded
                here.once -= counted and not _exactly(pattern[i:end])
                group, counted, i = None, False, end
                continue
        group, counted = None, True
        if char == "\\":
            i += 2
        elif char == "[":
            i = _class_end(pattern, i)
        elif char == "(":
            start = i
            i, opens = _group_header(pattern, i)
            counted = False
            if opens:
                stack.append(_Group(start))
        elif char == ")" and len(stack) > 1:
            group = stack.pop()
            counted = group.close()
            stack[-1].unbounded |= group.unbounded
            i += 1
        elif char == "|":
            here.every_branch_once &= here.once > 0
            here.once, counted = 0, False
            i += 1
        else:
            counted = char not in "^$"
            i += 1
        stack[-1].once += counted
    return None


def _exactly(quantifier: str) -> bool:
    """Whether ``quantifier`` is ``{n}``, n >= 1: its atom is still matched a fixed way."""
    return quantifier[1:-1].isdigit() and int(quantifier[1:-1]) > 0


def _class_end(pattern: str, i: int) -> int:
    """The index after the character class opening at ``i``."""
    i += 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":  # a first "]" is a literal
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


def _group_header(pattern: str, i: int) -> tuple[int, bool]:
    """Skip ``(`` and any ``?...`` header at ``i``: the index after it, and whether a
    group opened (inline flags and comments open none; a backreference is an atom)."""
    if not pattern.startswith("(?", i):
        return i + 1, True
    rest = pattern[i + 2 :]
    if rest.startswith(("#", "P=")):  # a comment, a named backreference
        return pattern.index(")", i) + 1, False
    if rest.startswith("P<"):
        return pattern.index(">", i) + 1, True
    if rest.startswith(("<=", "<!")):
        return i + 4, True
    if rest[:1] in ("=", "!", ":", ">", "("):
        return i + 3, True
    j = i + 2
    while j < len(pattern) and (pattern[j].isalpha() or pattern[j] == "-"):
        j += 1
    if j < len(pattern) and pattern[j] == ")":  # (?i): flags for the whole pattern
        return j + 1, False
    return j + 1, True  # (?i:...)


def _quantifier(pattern: str, i: int) -> tuple[int, bool, bool]:
    """The quantifier at ``i``: the index after it (``i`` when there is none), whether
    it repeats enough to backtrack badly, and whether it is unbounded."""
    char = pattern[i]
    if char == "{":
        close = pattern.find("}", i)
        body = pattern[i + 1 : close] if close > 0 else ""
        low, comma, high = body.partition(",")
        if not (low.isdigit() or (comma and not low)) or (high and not high.isdigit()):
            return i, False, False
        unbounded = bool(comma) and not high
        largest = int(high or low or 0)
        end, repeats = close + 1, unbounded or largest >= _LARGE_BOUND
    else:
        end, unbounded = i + 1, char in "*+"
        repeats = unbounded
    if end < len(pattern) and pattern[end] in "?+":  # lazy or possessive
        end += 1
    return end, repeats, unbounded
