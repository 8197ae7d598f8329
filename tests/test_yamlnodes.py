from __future__ import annotations

from typing import Any

import pytest

from linter import yamlnodes
from linter.yamlnodes import Parsed, YamlSyntaxError, entries, is_string, string, values


def _value_of(parsed: Parsed, *keys: str) -> Any:
    node = parsed.documents[0]
    for key in keys:
        node = values(node, key)[-1]
    return node


@pytest.mark.parametrize(
    ("text", "raw", "edit"),
    [
        ("a: nginx:1.27\n", "nginx:1.27", "nginx:1.27"),
        ("a: 'nginx:1.27'\n", "'nginx:1.27'", "nginx:1.27"),
        ('a: "nginx:1.27"\n', '"nginx:1.27"', "nginx:1.27"),
        ('a: ""\n', '""', ""),
        ("a: nginx:1.27   # comment\n", "nginx:1.27", "nginx:1.27"),
        ("a: nginx:1.27", "nginx:1.27", "nginx:1.27"),
        ("a: nginx:1.27\r\n", "nginx:1.27", "nginx:1.27"),
        ("\ufeffa: nginx:1.27\n", "nginx:1.27", "nginx:1.27"),
        ("\ufeffa: 'x'\r\nb: 1\r\n", "'x'", "x"),
        ("x: \U0001f389\na: ünï:1\n", "ünï:1", "ünï:1"),
        ("x: a\u0085b\na: c\n", "c", "c"),
        ("a: {b: 1}\nb: {c: 1, a: 'n:1'}\n", "'n:1'", "n:1"),
        ("a: &anchor nginx\n", "nginx", "nginx"),
        ("a: !!str nginx\n", "nginx", "nginx"),
        ("a: &x !!str 'nginx'\n", "'nginx'", "nginx"),
        ("a: !<tag:yaml.org,2002:str> nginx\n", "nginx", "nginx"),
        ("a: &x # comment\n  nginx\n", "nginx", "nginx"),
        ('a: "ngin\\x78"\n', '"ngin\\x78"', None),
        ("a: 'it''s'\n", "'it''s'", None),
        ("a: one\n  two\n", "one\n  two", None),
        ('a: "one\n  two"\n', '"one\n  two"', None),
        ("a: |\n  nginx\n\n\nb: 1\n", "|\n  nginx", None),
        ("a: >-\r\n  nginx\r\n", ">-\r\n  nginx", "nginx"),
        ("a: >-\n  nginx\n  x\n", ">-\n  nginx\n  x", None),
        ("a: \tnginx\n", "nginx", "nginx"),
    ],
)
def test_scalar_spans(text: str, raw: str, edit: str | None) -> None:
    parsed = Parsed(text)
    node = _value_of(parsed, "a")
    if yamlnodes.is_mapping(node):
        node = _value_of(parsed, "b", "a")
    scalar = parsed.scalar(node)
    assert text[scalar.start : scalar.end] == raw
    assert (text[scalar.edit.start : scalar.edit.end] if scalar.edit else None) == edit
    if scalar.edit is not None:
        assert text[scalar.edit.start : scalar.edit.end] == scalar.value


@pytest.mark.parametrize(
    ("text", "offset", "position"),
    [
        ("a: b\n", 0, (1, 1)),
        ("a: b\n", 3, (1, 4)),
        ("a: b\nc: d\n", 8, (2, 4)),
        ("a: b\r\nc: d\r\n", 9, (2, 4)),
        ("\ufeffa: b\n", 1, (1, 1)),
        ("\ufeffa: b\n", 4, (1, 4)),
        ("\ufeffa: b\nc: d\n", 9, (2, 4)),
        ("x: \U0001f389b\n", 4, (1, 5)),
        ("x: a\u0085b\u2028c\nd: e\n", 12, (2, 4)),
        ("a: b", 4, (1, 5)),
    ],
)
def test_position(text: str, offset: int, position: tuple[int, int]) -> None:
    assert Parsed(text).position(offset) == position


def test_block_scalar_end_leaves_following_lines_alone() -> None:
    text = "a: |\n  x\n\n\nb: y\n"
    parsed = Parsed(text)
    scalar = parsed.scalar(_value_of(parsed, "a"))
    assert parsed.position(scalar.end) == (2, 4)


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("a: b\n  c: d\n", 2, 4, "mapping values are not allowed in this context"),
        ("\ufeffa: b\n  c: d\n", 2, 4, "mapping values are not allowed in this context"),
        ("a: b\r\n  c: d\r\n", 2, 4, "mapping values are not allowed in this context"),
        (
            "a:\n  - b\n c: d\n",
            3,
            2,
            "did not find expected key (while parsing a block mapping)",
        ),
        ("a: 'x\n", 2, 1, "found unexpected end of stream (while scanning a quoted scalar)"),
        ("a: *nothing\n", 1, 4, "found undefined alias"),
        ("a: b\x01\n", 1, 5, "unacceptable character #x0001: control characters are not allowed"),
        (
            "a: b\n---\nc: [\n",
            4,
            1,
            "did not find expected node content (while parsing a flow node)",
        ),
        # Deep enough to exhaust the YAML 1.2 parser's recursion, not the depth limit.
        (
            "a: " + "[" * 900 + "\n",
            2,
            1,
            "did not find expected node content (while parsing a flow node)",
        ),
        ("a: " + "[" * 2000 + "\n", 1, 1003, "nested more than 1000 levels deep"),
        (
            "\ta: b\n",
            1,
            1,
            "found character that cannot start any token (while scanning for the next token)",
        ),
    ],
)
def test_syntax_errors(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(YamlSyntaxError) as error:
        Parsed(text)
    assert (error.value.line, error.value.column, error.value.message) == (line, column, message)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # YAML 1.2 that libyaml refuses: the pure parser reads it.
        ("a: [{image: nginx:1.27}]\n", "nginx:1.27"),
        ("x: &i one\ny: &i two\na: *i\n", "two"),
    ],
)
def test_libyaml_refusals_fall_back_to_yaml_1_2(text: str, expected: str) -> None:
    parsed = Parsed(text)
    node = _value_of(parsed, "a")
    node = node.value[0].value[0][1] if yamlnodes.is_sequence(node) else node
    assert node.value == expected
    scalar = parsed.scalar(node)
    assert text[scalar.start : scalar.end] == expected


#: Block and flow style, a comment, block scalars with indicators, a second document.
_TABS_SAMPLE = (
    'kind: Pod # c\nspec:\n  labels: {a: b, c: "d"}\n  containers:\n  - name: a b\n'
    "    args: [x, 'y z']\n    command:\n    - echo hi there\n    x: |\n      text\n"
    "    y: >-\n      folded\n      more\n    z: |2+\n       two\n? k\n: v\n---\n- b: c\n  d: e\n"
)


def _shape(node: Any) -> Any:
    if isinstance(node.value, list):
        return [
            (_shape(item[0]), _shape(item[1])) if isinstance(item, tuple) else _shape(item)
            for item in node.value
        ]
    return node.value


@pytest.mark.parametrize("tab", ["\t", " \t", "\t "])
def test_a_tab_libyaml_reads_the_yaml_1_2_parser_reads_alike(tab: str) -> None:
    """A file that needs the YAML 1.2 parser (a flow mapping with ``image: nginx:1.27``)
    may hold tabs anywhere libyaml takes them: inside a plain scalar (``a<TAB>b``), after a
    block scalar's indicator, before a comment. Tabs in indentation stay out of the test:
    neither parser reads them alike (libyaml takes some after spaces)."""
    compared = 0
    for at in range(len(_TABS_SAMPLE) + 1):
        text = _TABS_SAMPLE[:at] + tab + _TABS_SAMPLE[at:]
        if text[: at + len(tab) + 1].rsplit("\n", 1)[-1].strip(" \t") in ("", "-"):
            continue
        try:
            expected = [_shape(document) for document in yamlnodes._compose_c(text)]
        except yamlnodes.YAMLError:
            continue
        assert [_shape(document) for document in yamlnodes._compose_pure(text)] == expected, text
        compared += 1
    assert compared > 100


def test_fallback_without_the_c_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlnodes, "CParser", None)
    text = "\ufeffa: &x !!str 'v'\r\nb: [1, *x]\r\nc: 5\r\n"
    parsed = Parsed(text)
    scalar = parsed.scalar(_value_of(parsed, "a"))
    assert (text[scalar.start : scalar.end], parsed.position(scalar.start)) == ("'v'", (1, 13))
    assert [is_string(_value_of(parsed, key)) for key in "ac"] == [True, False]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: nginx\n", True),
        ("a: 'true'\n", True),
        ('a: "5"\n', True),
        ("a: |\n  5\n", True),
        ("a: !!str 5\n", True),
        ("a: ! 5\n", False),
        ("a: 1.27\n", False),
        ("a: 5\n", False),
        ("a: 0x1F\n", False),
        ("a: 1e3\n", False),
        ("a: .inf\n", False),
        ("a: true\n", False),
        ("a: yes\n", False),
        ("a: null\n", False),
        ("a: ~\n", False),
        ("a:\n", False),
        ("a: !!int 5\n", False),
        ("a: !custom x\n", False),
        ("a: [x]\n", False),
        ("a: 1.27-alpine\n", True),
        ("a: 5:1\n", True),
        # Each spelling of the words the core schemas read as other types, and near misses.
        *((f"a: {word}\n", False) for word in ("Off", "ON", "-.Inf", "+.INF", ".NaN", "NULL")),
        *((f"a: {word}\n", True) for word in ("oN", ".Nan", "nan", "y", "Yes!", "-.infinity")),
        ("a: 0o17\n", False),
        ("a: -1_000\n", False),
        ("a: 1.2.3\n", True),
    ],
)
def test_is_string(text: str, expected: bool) -> None:
    assert is_string(_value_of(Parsed(text), "a")) is expected


MERGES = """\
base: &base {a: base-a, b: base-b}
other: &other {b: other-b, c: other-c}
one:
  <<: *base
  a: own-a
two:
  <<: [*other, *base]
three:
  d: 1
  d: 2
  <<: *base
quoted:
  "<<": *base
"""


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("one", [("a", "own-a"), ("b", "base-b")]),
        ("two", [("b", "other-b"), ("c", "other-c"), ("a", "base-a")]),
        ("three", [("d", "1"), ("d", "2"), ("a", "base-a"), ("b", "base-b")]),
        ("quoted", [("<<", None)]),
    ],
)
def test_entries_expand_merge_keys(key: str, expected: list[tuple[str, str | None]]) -> None:
    mapping = _value_of(Parsed(MERGES), key)
    found = [(text, getattr(value, "value", None)) for text, _, value in entries(mapping)]
    found = [(text, value if isinstance(value, str) else None) for text, value in found]
    assert found == expected


def test_entries_of_a_merge_bomb_take_linear_time() -> None:
    # Each level merges the previous one twice: 2**60 paths, 60 mappings.
    levels = [f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}], k{i}: v}}" for i in range(1, 61)]
    parsed = Parsed("\n".join(["a0: &a0 {k0: v}", *levels, "top: {<<: *a60}"]))
    assert len(entries(_value_of(parsed, "top"))) == 61


def test_entries_survive_a_merge_cycle() -> None:
    parsed = Parsed("a: &a\n  x: 1\n  <<: *a\n")
    assert [text for text, _, _ in entries(_value_of(parsed, "a"))] == ["x"]


def test_string_takes_the_last_string_value() -> None:
    parsed = Parsed("kind: A\nkind: B\nname: 5\n")
    document = parsed.documents[0]
    assert (string(document, "kind"), string(document, "name"), string(document, "x")) == (
        "B",
        None,
        None,
    )
