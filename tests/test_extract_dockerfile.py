from __future__ import annotations

import pytest

from linter.extract import extract
from linter.extract.dockerfile import Argument, expand
from linter.fixer import Pin, fix_text
from linter.model import Form, Occurrence

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64

Row = tuple[int, int, str, str, bool, str | None]


def _rows(text: str) -> list[Row]:
    """(line, column, image, form, editable, dynamic) of every occurrence."""
    return [
        (o.line, o.column, o.image, o.form.value, o.edit is not None, o.dynamic)
        for o in _occurrences(text)
    ]


def _occurrences(text: str) -> tuple[Occurrence, ...]:
    result = extract("Dockerfile", text)
    assert result.kinds == ("dockerfile",)
    for found in result.occurrences:
        assert text[found.start : found.end] == found.raw
        if found.edit is not None:
            assert text[found.edit.start : found.edit.end] == found.image
    return result.occurrences


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("FROM nginx:1.27\n", [(1, 6, "nginx:1.27", "scalar", True, None)]),
        ("from nginx\n", [(1, 6, "nginx", "scalar", True, None)]),
        (
            "FROM --platform=linux/amd64 nginx:1.27 AS web\n",
            [(1, 29, "nginx:1.27", "scalar", True, None)],
        ),
        (
            "FROM --platform=$BUILDPLATFORM golang:1.22 as build\n",
            [(1, 32, "golang:1.22", "scalar", True, None)],
        ),
        ('FROM "nginx:1.27"\n', [(1, 6, "nginx:1.27", "scalar", True, None)]),
        ("FROM nginx@" + D1 + "\n", [(1, 6, "nginx@" + D1, "scalar", True, None)]),
        # Stage names (any case), stage indexes and scratch are not images.
        (
            "FROM a:1 AS Build\nFROM build\nFROM BUILD AS two\n",
            [(1, 6, "a:1", "scalar", True, None)],
        ),
        ("FROM scratch\nFROM SCRATCH\n", []),
        (
            "FROM a:1 AS x\nFROM x AS y\nCOPY --from=y /a /b\nCOPY --from=0 /a /b\n",
            [(1, 6, "a:1", "scalar", True, None)],
        ),
        # A name used before its stage is defined is an image.
        (
            "FROM later:1\nFROM a:1 AS later\n",
            [(1, 6, "later:1", "scalar", True, None), (2, 6, "a:1", "scalar", True, None)],
        ),
        (
            "FROM a:1\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx\n",
            [(1, 6, "a:1", "scalar", True, None), (2, 13, "nginx:1.27", "scalar", True, None)],
        ),
        (
            "FROM a:1\nCOPY --link --chown=1:1 --from=b:2 /x /y\n",
            [(1, 6, "a:1", "scalar", True, None), (2, 32, "b:2", "scalar", True, None)],
        ),
        (
            'FROM a:1\nCOPY --from="b:2" /x /y\n',
            [(1, 6, "a:1", "scalar", True, None), (2, 13, "b:2", "scalar", True, None)],
        ),
        ("FROM a:1\nADD --from=b:2 /x /y\n", [(1, 6, "a:1", "scalar", True, None)]),
        (
            "FROM a:1\nRUN --mount=type=cache,target=/x,from=c:3 make\n",
            [(1, 6, "a:1", "scalar", True, None), (2, 39, "c:3", "scalar", True, None)],
        ),
        (
            "FROM a:1\nRUN --mount=type=bind,source=/s,target=/t make\n",
            [(1, 6, "a:1", "scalar", True, None)],
        ),
        (
            "FROM a:1 AS b\nRUN --mount=from=b,target=/t make\n",
            [(1, 6, "a:1", "scalar", True, None)],
        ),
        (
            "FROM a:1\nONBUILD COPY --from=o:1 /x /y\n",
            [(1, 6, "a:1", "scalar", True, None), (2, 21, "o:1", "scalar", True, None)],
        ),
        # Global ARG defaults: a whole argument is reported at its default.
        (
            "ARG BASE=node:22.11\nFROM ${BASE}\n",
            [(1, 10, "node:22.11", "variable-default", True, None)],
        ),
        (
            "ARG BASE=node:22.11\nFROM $BASE AS a\nFROM ${BASE} AS b\n",
            [(1, 10, "node:22.11", "variable-default", True, None)],
        ),
        (
            'ARG BASE="node:22.11"\nFROM ${BASE}\n',
            [(1, 10, "node:22.11", "variable-default", True, None)],
        ),
        (
            "ARG A=1 BASE=node:22 C=3\nFROM $BASE\n",
            [(1, 14, "node:22", "variable-default", True, None)],
        ),
        # ... not editable when another image builds on the same default.
        (
            "ARG BASE=node:22\nFROM ${BASE}\nFROM ${BASE}-slim\n",
            [
                (1, 10, "node:22", "variable-default", False, None),
                (3, 6, "node:22-slim", "variable-default", False, None),
            ],
        ),
        (
            "ARG TAG=1.27\nFROM nginx:${TAG}\n",
            [(2, 6, "nginx:1.27", "variable-default", False, None)],
        ),
        (
            "ARG REG=ghcr.io\nARG BASE=${REG}/app:1\nFROM ${BASE}\n",
            [(2, 10, "ghcr.io/app:1", "variable-default", False, None)],
        ),
        (
            "ARG BASE=node:20\nARG BASE=node:22\nFROM $BASE\n",
            [(2, 10, "node:22", "variable-default", True, None)],
        ),
        # Only global arguments (before the first FROM) apply to FROM.
        (
            "FROM a:1\nARG B=b:2\nFROM ${B}\n",
            [(1, 6, "a:1", "scalar", True, None), (3, 6, "${B}", "scalar", False, "${B}")],
        ),
        # Without a default: dynamic.
        ("ARG BASE\nFROM $BASE\n", [(2, 6, "$BASE", "scalar", False, "$BASE")]),
        ("FROM ${REGISTRY}/app:1\n", [(1, 6, "${REGISTRY}/app:1", "scalar", False, "${REGISTRY}")]),
        ("ARG TAG\nFROM app:${TAG:-1.0}\n", [(2, 6, "app:1.0", "variable-default", False, None)]),
        (
            "ARG TAG\nFROM app:${TAG:?required}\n",
            [(2, 6, "app:${TAG:?required}", "scalar", False, "${TAG:?required}")],
        ),
        ("ARG A=x\nFROM app:${A:+set}\n", [(2, 6, "app:set", "variable-default", False, None)]),
        ("ARG A=x\nFROM app:${A/x/y}\n", [(2, 6, "app:${A/x/y}", "scalar", False, "${A/x/y}")]),
        (
            "ARG A=b:1\nFROM a:1 AS b\nCOPY --from=${A} /x /y\n",
            [(1, 7, "b:1", "variable-default", True, None), (2, 6, "a:1", "scalar", True, None)],
        ),
        ("ARG S=b\nFROM a:1 AS b\nCOPY --from=$S /x /y\n", [(2, 6, "a:1", "scalar", True, None)]),
        # Continuations, comments and blank lines inside them, CRLF.
        ("FROM \\\n  nginx:1.27 \\\n  AS web\n", [(2, 3, "nginx:1.27", "scalar", True, None)]),
        (
            "FROM a:1\nRUN --mount=type=cache,from=c:3,target=/x \\\n# comment\n\n    make\nFROM d:4\n",
            [
                (1, 6, "a:1", "scalar", True, None),
                (2, 29, "c:3", "scalar", True, None),
                (6, 6, "d:4", "scalar", True, None),
            ],
        ),
        (
            "FROM a:1\r\nCOPY --from=b:2 /x /y\r\n",
            [(1, 6, "a:1", "scalar", True, None), (2, 13, "b:2", "scalar", True, None)],
        ),
        ("\ufeffFROM a:1\n", [(1, 6, "a:1", "scalar", True, None)]),
        # A word a continuation splits is reported, not rewritten; continuation lines keep their indentation.
        ("ARG B=no\\\nde:1\nFROM $B\n", [(1, 7, "node:1", "variable-default", False, None)]),
        (
            "FROM a:1\nCOPY --from=b:\\\n2 /x /y\n",
            [(1, 6, "a:1", "scalar", True, None), (2, 13, "b:2", "scalar", False, None)],
        ),
        ("FROM ngi\\\n  nx:1.27\n", [(1, 6, "ngi", "scalar", True, None)]),
        (
            "FROM a:1\nCOPY --from= /a /b\nRUN --mount=from=,target=/x ls\n",
            [(1, 6, "a:1", "scalar", True, None)],
        ),
        ("  # FROM commented:1\n  FROM indented:1\n", [(2, 8, "indented:1", "scalar", True, None)]),
        # Parser directives: the escape character.
        (
            "# escape=`\nFROM `\n  a:1\nRUN dir C:\\\nFROM b:2\n",
            [(3, 3, "a:1", "scalar", True, None), (5, 6, "b:2", "scalar", True, None)],
        ),
        (
            "# syntax=docker/dockerfile:1\n# escape=`\nFROM a:1 `\n  AS x\n",
            [
                (1, 10, "docker/dockerfile:1", "scalar", True, None),
                (3, 6, "a:1", "scalar", True, None),
            ],
        ),
        # A directive after a comment is a comment: the escape stays a backslash.
        ("# hello\n# escape=`\nFROM \\\n a:1\n", [(4, 2, "a:1", "scalar", True, None)]),
        # Heredocs: their lines are not instructions.
        (
            "FROM a:1\nRUN <<EOF\nFROM not:1\nEOF\nFROM b:2\n",
            [(1, 6, "a:1", "scalar", True, None), (5, 6, "b:2", "scalar", True, None)],
        ),
        (
            "FROM a:1\nCOPY <<-'EOT' /x\n\tFROM not:1\n\tEOT\nFROM b:2\n",
            [(1, 6, "a:1", "scalar", True, None), (5, 6, "b:2", "scalar", True, None)],
        ),
        (
            "FROM a:1\nRUN cat <<A <<B\nFROM not:1\nA\nFROM not:2\nB\nFROM b:2\n",
            [(1, 6, "a:1", "scalar", True, None), (7, 6, "b:2", "scalar", True, None)],
        ),
        (
            'FROM a:1\nRUN echo "<<EOF"\nFROM b:2\n',
            [(1, 6, "a:1", "scalar", True, None), (3, 6, "b:2", "scalar", True, None)],
        ),
        # Not images, not errors.
        ("", []),
        ("# only a comment\n", []),
        ("FROM\n", []),
        ("RUN echo before any stage\nCOPY --from=x:1 /a /b\n", []),
    ],
)
def test_occurrences(text: str, rows: list[Row]) -> None:
    assert _rows(text) == rows


def test_occurrence_fields() -> None:
    text = "ARG BASE=node:22\nFROM ${BASE} AS build\nFROM build\nCOPY --from=build /a /b\nCOPY --from=alpine:3.20 /c /d\n"
    argument, copy = _occurrences(text)
    assert (argument.yaml_path, argument.context) == (
        "args.BASE",
        "build argument BASE (stage build)",
    )
    assert argument.note == "a build argument can override this default"
    assert (copy.yaml_path, copy.context) == (
        "stages[1].instructions[2].from",
        "stage 1 COPY --from",
    )
    assert (copy.form, copy.note) == (Form.SCALAR, None)


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("FROM node:22.11 AS deps\n", f"FROM node:22.11@{D1} AS deps\n"),
        ("FROM nginx\r\n", f"FROM nginx:latest@{D1}\r\n"),
        ('ARG BASE="node:22"\nFROM $BASE\n', f'ARG BASE="node:22@{D1}"\nFROM $BASE\n'),
        (
            "ARG BASE=node:22\nFROM ${BASE} AS a\nFROM $BASE\n",
            f"ARG BASE=node:22@{D1}\nFROM ${{BASE}} AS a\nFROM $BASE\n",
        ),
        ("FROM a:1\nCOPY --from=b:2 /x /y\n", f"FROM a:1@{D1}\nCOPY --from=b:2@{D1} /x /y\n"),
        # The frontend BuildKit runs.
        (
            "# syntax = docker/dockerfile:1.7 \r\nFROM a:1\r\n",
            f"# syntax = docker/dockerfile:1.7@{D1} \r\nFROM a:1@{D1}\r\n",
        ),
        (
            "FROM a:1\nRUN --mount=from=c:3,target=/t make\n",
            f"FROM a:1@{D1}\nRUN --mount=from=c:3@{D1},target=/t make\n",
        ),
    ],
)
def test_fixes(text: str, fixed: str) -> None:
    occurrences = _occurrences(text)
    result = fix_text("Dockerfile", text, [Pin(o, D1) for o in occurrences])
    assert (result.text, result.error, result.skipped) == (fixed, None, ())
    assert fix_text("Dockerfile", fixed, [Pin(o, D1) for o in _occurrences(fixed)]).changed is False


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        # One argument is the whole tag, and only this image uses it: the digest goes to its default.
        (
            "ARG GO_VERSION=1.23\nFROM golang:${GO_VERSION} AS build\n",
            f"ARG GO_VERSION=1.23@{D1}\nFROM golang:${{GO_VERSION}} AS build\n",
        ),
        ("ARG V=3.20\nFROM alpine:$V\n", f"ARG V=3.20@{D1}\nFROM alpine:$V\n"),
        ('ARG V="3.20"\nFROM alpine:$V\n', f'ARG V="3.20@{D1}"\nFROM alpine:$V\n'),
        (
            "ARG IMAGE=alpine\nARG TAG=3.20\nFROM ${IMAGE}:${TAG}\n",
            f"ARG IMAGE=alpine\nARG TAG=3.20@{D1}\nFROM ${{IMAGE}}:${{TAG}}\n",
        ),
        # The tag is a default written in the instruction.
        (
            "ARG V\nFROM elastic/logstash:${V:-9.5.1}\n",
            f"ARG V\nFROM elastic/logstash:${{V:-9.5.1@{D1}}}\n",
        ),
        # The same image written twice: one edit.
        (
            "ARG V=1.9.0\nFROM --platform=$BUILDPLATFORM xx:${V} AS xx\nFROM a:1\nCOPY --from=xx:${V} / /\n",
            f"ARG V=1.9.0@{D1}\nFROM --platform=$BUILDPLATFORM xx:${{V}} AS xx\n"
            f"FROM a:1@{D1}\nCOPY --from=xx:${{V}} / /\n",
        ),
        # The tag is written in the instruction: the digest goes there, inside quotes too.
        (
            "ARG REGISTRY=ghcr.io\nFROM ${REGISTRY}/acme/app:1.4\r\n",
            f"ARG REGISTRY=ghcr.io\nFROM ${{REGISTRY}}/acme/app:1.4@{D1}\r\n",
        ),
        (
            'ARG R=ghcr.io\nFROM "${R}/app:1.4" AS a\nRUN --mount=from=$R/tool:2,target=/t x\n',
            f'ARG R=ghcr.io\nFROM "${{R}}/app:1.4@{D1}" AS a\n'
            f"RUN --mount=from=$R/tool:2@{D1},target=/t x\n",
        ),
    ],
)
def test_images_built_from_arguments_are_fixed(text: str, fixed: str) -> None:
    test_fixes(text, fixed)


@pytest.mark.parametrize(
    ("text", "stale", "updated"),
    [
        (f"ARG V=3.20@{D1}\nFROM alpine:$V\n", "alpine:3.20", f"ARG V=3.20@{D2}\nFROM alpine:$V\n"),
        (
            f"ARG R=ghcr.io\nFROM $R/app:1@{D1}\n",
            "ghcr.io/app:1",
            f"ARG R=ghcr.io\nFROM $R/app:1@{D2}\n",
        ),
    ],
)
def test_pins_built_from_arguments_are_updated(text: str, stale: str, updated: str) -> None:
    (occurrence,) = _occurrences(text)
    assert occurrence.image == f"{stale}@{D1}"
    result = fix_text("Dockerfile", text, [Pin(occurrence, D2)])
    assert (result.text, result.error) == (updated, None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "ARG GO=1.26\nARG ALPINE=3.23\nFROM golang:${GO}-alpine${ALPINE}\n",
            "its tag is built from several parts (golang:${GO}-alpine${ALPINE})",
        ),
        ("ARG V=1\nFROM app:v${V}\n", "its tag is built from several parts (app:v${V})"),
        ("ARG R=ghcr.io\nFROM $R/app\n", "it has no tag to pin"),
        ("ARG V=1\nFROM app:${V:+2}\n", "its tag is built from several parts (app:${V:+2})"),
        (
            "ARG V=29.6\nARG CLI=${V}\nFROM cli/bin:$CLI\n",
            "the default of ARG CLI comes from ARG V",
        ),
        ("ARG V=1\nFROM app:${V}'x'\n", "its last part is quoted or escaped"),
        # Other uses: pinning the default would change them too.
        (
            "ARG V=29.6\nARG CLI=${V}\nFROM moby/bin:$V\nFROM cli/bin:$CLI\n",
            "build argument V is also used by the default of ARG CLI",
        ),
        (
            "ARG V=1.23\nFROM golang:$V\nARG V\nRUN curl https://go.dev/dl/go$V.tgz\n",
            "build argument V is also used by ARG V in stage 0",
        ),
        (
            "ARG V=1.23\nFROM golang:$V AS a\nFROM golang:$V-alpine\n",
            "build argument V is also used by stage 1",
        ),
        ('ARG V="1.2"x\nFROM app:$V\n', "the default of ARG V is not written plainly"),
    ],
)
def test_images_built_from_arguments_say_why_they_are_not_fixed(text: str, reason: str) -> None:
    occurrences = [o for o in _occurrences(text) if o.unfixable is not None]
    assert occurrences
    occurrence = occurrences[0]
    assert (occurrence.unfixable, occurrence.kustomize, occurrence.edit) == (reason, None, None)
    assert occurrence.note is not None and occurrence.note.endswith(f"not fixed: {reason}")
    result = fix_text("Dockerfile", text, [Pin(occurrence, D1)])
    assert result.changed is False
    assert [s.reason for s in result.skipped] == [
        f"{occurrence.raw!r} cannot be rewritten in place: {reason}"
    ]


def test_a_default_others_build_on_is_not_rewritten() -> None:
    text = "ARG BASE=node:22\nFROM ${BASE}\nFROM ${BASE}-slim\n"
    result = fix_text("Dockerfile", text, [Pin(o, D1) for o in _occurrences(text)])
    assert (result.changed, [s.occurrence.line for s in result.skipped]) == (False, [1, 3])


@pytest.mark.parametrize(
    ("raw", "defaults", "value", "dynamic", "used", "verbatim"),
    [
        ("nginx:1.27", {}, "nginx:1.27", None, (), True),
        ("'a $B'", {"B": "x"}, "a $B", None, (), False),
        ('"a $B"', {"B": "x"}, "a x", None, ("B",), False),
        ("a\\$B", {"B": "x"}, "a$B", None, (), False),
        ('"a\\b"', {}, "a\\b", None, (), False),
        ("$1x", {}, "$1x", None, (), True),
        ("${B}${B}", {"B": "x"}, "xx", None, ("B",), False),
        ("${B-d}", {}, "d", None, ("B",), False),
        ("${B-d}", {"B": ""}, "", None, ("B",), False),
        ("${B:-d}", {"B": ""}, "d", None, ("B",), False),
        ("${B:+w}", {}, "", None, ("B",), False),
        ("${B+w}", {"B": ""}, "w", None, ("B",), False),
        ("${B:-$C}", {}, "${B:-$C}", "${B:-$C}", (), False),
        ("$B", {"B": None}, "$B", "$B", (), False),
    ],
)
def test_expand(
    raw: str,
    defaults: dict[str, str | None],
    value: str,
    dynamic: str | None,
    used: tuple[str, ...],
    verbatim: bool,
) -> None:
    arguments = {
        name: Argument(name, None if default is None else expand(default, {}, "\\"))
        for name, default in defaults.items()
    }
    found = expand(raw, arguments, "\\")
    assert (found.value, found.dynamic, found.used, found.verbatim) == (
        value,
        dynamic,
        used,
        verbatim,
    )
