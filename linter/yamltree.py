"""Reading composed YAML nodes: what a node is and holds, its pairs with ``<<`` merges
expanded, and the bounds on walking the graph that aliases and merges make.

linter.yamlnodes composes the nodes (and re-exports the readers here, which the
format modules use through it).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

#: Deeper documents are refused before composing: libyaml's composer recurses in C once
#: per level and overflows the stack (a crash, not an exception) near 25,000 levels.
MAX_DEPTH = 1000
STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"
#: The tag every untagged node gets: types are decided only where they matter (is_string).
IMPLICIT_TAG = "tag:imagepin,2025:implicit"

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# YAML 1.1 and 1.2 core schema plain scalars that load as null, booleans or numbers: the
# words in a set (a pattern of 24 alternatives costs ~0.2 ms more to compile at every start).
_NOT_A_STRING_WORDS = (
    _NULLS
    | {
        spelling
        for word in ("true", "false", "yes", "no", "on", "off", ".inf", "-.inf", "+.inf")
        for spelling in (word, word.title(), word.upper())
    }
    | {".nan", ".NaN", ".NAN"}
)
_NUMBER = re.compile(
    r"[-+]?(?:0|[1-9][0-9_]*)|0o?[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+"
    r"|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
)
#: ``entries`` recurses once per level of merges within merges.
MAX_MERGE_DEPTH = 100
#: Entries ``<<`` merges may copy in one file: through aliases a few lines can merge one
#: large mapping into thousands of others (a billion laughs made of merge keys).
MAX_MERGE_WORK = 1_000_000


class Mark(Protocol):
    index: int


class Node(Protocol):
    tag: str
    value: Any
    start_mark: Mark
    end_mark: Mark


class TooComplex(YAMLError):
    """A document refused for its shape rather than its syntax; ``position`` is where."""

    def __init__(self, position: int, message: str) -> None:
        super().__init__(message)
        self.position = position


def is_mapping(node: object) -> bool:
    return isinstance(node, MappingNode)


def is_sequence(node: object) -> bool:
    return isinstance(node, SequenceNode)


def is_scalar(node: object) -> bool:
    return isinstance(node, ScalarNode)


def is_null(node: Node) -> bool:
    """A plain scalar that loads as null: empty, ``~`` or ``null``."""
    return is_scalar(node) and not getattr(node, "style", None) and node.value in _NULLS


def _tag(node: Node) -> str | None:
    """``node.tag``, skipping ruamel's decoding when it is the composer's IMPLICIT_TAG (an
    untagged node: nearly all of them). ruamel decodes a tag character by character on
    first use, which was a tenth of the time of extracting a manifest's images."""
    ctag = getattr(node, "ctag", None)
    if ctag is not None and ctag.handle is None and ctag.suffix == IMPLICIT_TAG:
        return IMPLICIT_TAG
    tag: str | None = node.tag
    return tag


def is_string(node: Node) -> bool:
    """Whether ``node`` loads as a string (not null, a boolean or a number)."""
    if not is_scalar(node):
        return False
    tag = _tag(node)
    if tag != IMPLICIT_TAG:
        return tag == STR_TAG
    # Only plain scalars are resolved to other types; quoted and block ones are strings.
    value = node.value
    return bool(getattr(node, "style", None)) or not (
        value in _NOT_A_STRING_WORDS or _NUMBER.fullmatch(value)
    )


def entries(mapping: Node) -> list[tuple[str | None, Node, Node]]:
    """``(key text, key node, value node)`` for every pair, ``<<`` merges expanded.

    Duplicate keys are all kept, in order. Merged pairs come after the
    mapping's own and only for keys it does not set; of several merged
    mappings the earlier wins, as the YAML merge type says.
    """
    return _entries(mapping, frozenset(), {})


_Entries = list[tuple[str | None, Node, Node]]


def _entries(mapping: Node, visiting: frozenset[int], done: dict[int, _Entries]) -> _Entries:
    # ``done``: merges can nest an anchor twice per level (``<<: [*a, *a]``), which
    # without it takes exponential time, like a billion laughs.
    if id(mapping) in done:
        return done[id(mapping)]
    own: _Entries = []
    sources: list[Node] = []
    for key, value in mapping.value:
        if _is_merge_key(key):
            sources += value.value if is_sequence(value) else [value]
        else:
            own.append((key.value if is_scalar(key) else None, key, value))
    if not sources:  # the common case: no merge key
        done[id(mapping)] = own
        return own
    keys = {text for text, _, _ in own}
    # An alias can point at an enclosing mapping: never merge a mapping into itself.
    visiting |= {id(mapping)}
    for source in sources:
        if is_mapping(source) and id(source) not in visiting:
            extra = [entry for entry in _entries(source, visiting, done) if entry[0] not in keys]
            own += extra
            keys |= {text for text, _, _ in extra}
    done[id(mapping)] = own
    return own


def _is_merge_key(key: Node) -> bool:
    # The value first: one comparison rules out nearly every key.
    return (
        key.value == "<<"
        and is_scalar(key)
        and _tag(key) in (IMPLICIT_TAG, MERGE_TAG)
        and not getattr(key, "style", None)
    )


def values(mapping: Node, key: str) -> list[Node]:
    """Every value of ``key`` in ``mapping`` (several when the key is duplicated)."""
    if not is_mapping(mapping):
        return []
    found = []
    for key_node, value in mapping.value:
        if key_node.value == "<<" and _is_merge_key(key_node):
            # Merged pairs count too: the whole table, in the merge type's order.
            return [value for text, _, value in entries(mapping) if text == key]
        if key_node.value == key and is_scalar(key_node):
            found.append(value)
    return found


def string(mapping: Node, key: str) -> str | None:
    """The text of the last string value of ``key``, or None."""
    found = [value.value for value in values(mapping, key) if is_string(value)]
    return found[-1] if found else None


def check_graph(documents: list[Node]) -> None:
    """Raise TooComplex when aliases make walking the nodes, or merging keys, blow up.

    One pass over each node computes the depth of the graph (an alias adds the
    depth of its anchor), how deeply merges nest, and an upper bound of the
    entries ``entries`` copies for each mapping with merges.
    """
    depth: dict[int, int] = {}
    merges: dict[int, tuple[int, int, int]] = {}  # id -> (entries, merge nesting, work)
    total = 0
    for document in documents:
        stack: list[tuple[Node, bool]] = [(document, False)]
        while stack:
            node, visited = stack.pop()
            key = id(node)
            if not visited:
                if key not in depth:
                    depth[key] = 0  # open: an alias back to it (a cycle) adds nothing
                    stack.append((node, True))
                    stack += [(child, False) for child in _children(node)]
                continue
            # Collections count, as in the text: a scalar is no level.
            below = max((depth[id(child)] for child in _children(node)), default=0)
            depth[key] = 0 if is_scalar(node) else below + 1
            if depth[key] > MAX_DEPTH:
                message = f"nested more than {MAX_DEPTH} levels deep through aliases"
                raise TooComplex(node.start_mark.index, message)
            if is_mapping(node):
                merges[key] = _merge_costs(node, merges)
                nesting, work = merges[key][1:]
                if nesting > MAX_MERGE_DEPTH:
                    message = f"merge keys (<<) nested more than {MAX_MERGE_DEPTH} levels deep"
                    raise TooComplex(node.start_mark.index, message)
                total += work if nesting else 0
                if total > MAX_MERGE_WORK:
                    message = f"merge keys (<<) would copy more than {MAX_MERGE_WORK} entries"
                    raise TooComplex(node.start_mark.index, message)


def _children(node: Node) -> list[Node]:
    if is_sequence(node):
        return list(node.value)
    if is_mapping(node):
        return [item for pair in node.value for item in pair]
    return []


def _merge_costs(mapping: Node, known: dict[int, tuple[int, int, int]]) -> tuple[int, int, int]:
    """(entries at most, merge nesting, entries copied by one ``entries`` call) of ``mapping``."""
    # By identity, as ``entries`` computes each source once per call.
    sources = {
        id(source): source
        for key, value in mapping.value
        if _is_merge_key(key)
        for source in (value.value if is_sequence(value) else [value])
        if is_mapping(source)
    }
    # A source still being walked (a cycle) is never merged into itself: it costs nothing.
    costs = [known.get(key, (0, 0, 0)) for key in sources]
    size = len(mapping.value) + sum(cost[0] for cost in costs)
    nesting = 1 + max((cost[1] for cost in costs), default=-1)
    work = size + sum(cost[2] for cost in costs)
    # Capped: nested merges can double the bound per level.
    return min(size, MAX_MERGE_WORK + 1), nesting, min(work, MAX_MERGE_WORK + 1)
