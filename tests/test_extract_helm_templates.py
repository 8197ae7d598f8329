"""Helm chart templates, read line by line (tests/fixtures/formats/helm-templates: real charts)."""

from __future__ import annotations

import pytest

from linter.extract import extract

PATH = "chart/templates/t.yaml"


def _rows(text: str) -> list[tuple[int, str, str, str | None, str | None]]:
    result = extract(PATH, text)
    assert (result.syntax_error, result.skipped, result.kinds) == (None, None, ("helm-template",))
    return [
        (
            o.line,
            o.image,
            o.yaml_path,
            text[o.edit.start : o.edit.end] if o.edit else None,
            o.dynamic,
        )
        for o in result.occurrences
    ]


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        # Compact and indented sequences, directives between items; paths from indentation.
        (
            "{{- if .Values.a }}\nspec:\n  containers:\n  - name: a\n    image: a:1\n"
            "  {{- end }}\n  - name: b\n    image: b:1\n  initContainers:\n    - image: c:1\n",
            [
                (5, "a:1", "spec.containers[0].image", "a:1", None),
                (8, "b:1", "spec.containers[1].image", "b:1", None),
                (10, "c:1", "spec.initContainers[0].image", "c:1", None),
            ],
        ),
        # Quotes: the edit is inside them; escapes and doubled quotes are not rewritten.
        (
            "x:\n  image: \"a:1\"  # c\n  image: 'b:1'\n  image: \"c\\x3a1\"\n  image: 'it''s:1'\n",
            [
                (2, "a:1", "x.image", "a:1", None),
                (3, "b:1", "x.image", "b:1", None),
                (4, "c\\x3a1", "x.image", None, None),
                (5, "it''s:1", "x.image", None, None),
            ],
        ),
        # Template actions make the image dynamic, whatever surrounds them.
        (
            'x:\n  image: {{ .Values.image | quote }}\n  image: "{{ .Values.r }}/app:1" # c\n',
            [
                (2, "{{ .Values.image | quote }}", "x.image", None, "{{ .Values.image | quote }}"),
                (3, "{{ .Values.r }}/app:1", "x.image", None, "{{ .Values.r }}"),
            ],
        ),
        # Not images: empty values, mappings, auto, block scalars, metadata, rbd, values.
        (
            "metadata:\n  image: m:1\nspec:\n  image:\n    repository: r\n  a:\n    image: auto\n"
            "  b: |\n    image: text:1\n  c:\n    - >-\n      image: text:2\n"
            "  rbd:\n    image: ceph\n  values:\n    image: helm:1\n  d:\n    image: ''\n",
            [],
        ),
        # Documents of a data kind are skipped; the next document is read again.
        (
            "kind: ConfigMap\ndata:\n  image: busybox:1\n---\nkind: Pod\nspec:\n  image: x:1\n",
            [(7, "x:1", "spec.image", "x:1", None)],
        ),
    ],
)
def test_lines(text: str, rows: list[tuple[int, str, str, str | None, str | None]]) -> None:
    assert _rows(text + "{{/* a template */}}\n") == rows


def test_crlf_and_bom_keep_the_spans() -> None:
    text = "\ufeffspec:\r\n  containers:\r\n  - image: a:1\r\n{{ end }}\r\n"
    (found,) = extract(PATH, text).occurrences
    assert (found.line, found.column, found.raw) == (3, 12, "a:1")
    assert found.edit is not None
    assert text[found.edit.start : found.edit.end] == "a:1"


def test_templates_without_actions_are_read_as_yaml() -> None:
    result = extract(
        PATH, "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - {name: a, image: a:1}\n"
    )
    assert result.kinds == ("kubernetes",)
    assert [o.image for o in result.occurrences] == ["a:1"]
