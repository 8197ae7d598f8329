from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linter.extract import Extraction, SyntaxProblem, extract

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
FIXTURE_NAMES = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.y*ml"))

VARIANTS: dict[str, Callable[[str], str]] = {
    "lf": lambda text: text,
    "crlf": lambda text: text.replace("\n", "\r\n"),
    "bom": lambda text: "\ufeff" + text,
    "bom-crlf": lambda text: "\ufeff" + text.replace("\n", "\r\n"),
}


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _check_spans(text: str, result: Extraction) -> None:
    for found in result.occurrences:
        assert text[found.start : found.end] == found.raw
        if found.edit is not None:
            assert text[found.edit.start : found.edit.end] == found.image
            assert found.start <= found.edit.start <= found.edit.end <= found.end
        lines = text.split("\n")
        first_line = lines[found.line - 1]
        # Columns count characters, not the byte order mark.
        bom = 1 if found.line == 1 and text.startswith("\ufeff") else 0
        assert first_line[found.column - 1 + bom :].startswith(found.raw.split("\n")[0])


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_spans_are_exact_in_every_variant(name: str, variant: str) -> None:
    plain = extract(name, _fixture(name))
    text = VARIANTS[variant](_fixture(name))
    result = extract(name, text)
    _check_spans(text, result)
    # The same images on the same lines and columns, whatever the line ends and marks.
    assert [(o.line, o.column, o.image, o.yaml_path) for o in result.occurrences] == [
        (o.line, o.column, o.image.replace("\n", "\r\n") if "\r" in text else o.image, o.yaml_path)
        for o in plain.occurrences
    ]
    assert (result.kinds, result.skipped) == (plain.kinds, plain.skipped)


@pytest.mark.parametrize(
    ("name", "kinds", "skipped", "count"),
    [
        ("empty.yaml", ("empty",), None, 0),
        ("comments.yaml", ("empty", "empty"), None, 0),
        ("ci.yml", ("other",), None, 0),
        ("helm-values.yaml", ("other",), None, 0),
        ("chart/Chart.yaml", ("other",), None, 0),
        # Read line by line (tests/test_extract_helm_templates.py): its image is dynamic.
        ("chart/templates/deployment.yaml", ("helm-template",), None, 1),
        ("chart/files/gateway.yaml", ("helm-template",), "Helm template", 0),
        ("templated.yaml", ("kubernetes",), None, 2),
        ("workloads.yaml", ("kubernetes",) * 10, None, 14),
        ("compose.yaml", ("compose",), None, 11),
        ("kustomization.yaml", ("kustomization",), None, 7),
    ],
)
def test_files(name: str, kinds: tuple[str, ...], skipped: str | None, count: int) -> None:
    result = extract(name, _fixture(name))
    assert (result.kinds, result.skipped, result.syntax_error) == (kinds, skipped, None)
    assert len(result.occurrences) == count


def test_templated_values_are_dynamic() -> None:
    first, second = extract("templated.yaml", _fixture("templated.yaml")).occurrences
    assert (first.image, first.dynamic) == ("{{ .Values.image }}", "{{ .Values.image }}")
    assert (second.image, second.dynamic) == ("vitess/lite:v2.0.0", None)


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        (
            "broken.yaml",
            None,
            SyntaxProblem(5, 2, "did not find expected key (while parsing a block mapping)"),
        ),
        (
            "x.yaml",
            "image: [b\n",
            SyntaxProblem(2, 1, "did not find expected ',' or ']' (while parsing a flow sequence)"),
        ),
        (
            "x.yaml",
            "\ufeffimage: b\n c: d\n",
            SyntaxProblem(2, 3, "mapping values are not allowed in this context"),
        ),
        (
            "x.yaml",
            "a:\r\n  - image: b\r\n c: d\r\n",
            SyntaxProblem(3, 2, "did not find expected key (while parsing a block mapping)"),
        ),
        # `{{` only in a string does not make a broken file a template.
        (
            "x.yaml",
            "image: '{{ x }}'\nb: [\n",
            SyntaxProblem(3, 1, "did not find expected node content (while parsing a flow node)"),
        ),
    ],
)
def test_syntax_errors(name: str, text: str | None, problem: SyntaxProblem) -> None:
    result = extract(name, _fixture(name) if text is None else text)
    assert result == Extraction((), syntax_error=problem)


@pytest.mark.parametrize(
    ("path", "text", "error"),
    [
        # An envsubst template: no image key, nothing of imagepin's to judge.
        ("svc.yaml", "spec:\n  clusterIP: {SERVICE_IP_PREFIX}.16\n", False),
        ("deploy.yaml", "spec:\n  x: {A}.1\n  containers:\n  - image: {REGISTRY}/app\n", True),
        ("deploy.yaml", '{"image": "nginx", "a": {B}.1}\n', True),
        ("deploy.yaml", '{"images": "nginx", "a": {B}.1}\n', False),
        ("deploy.yaml", '{\n  "image": "nginx", "a": {B}.1}\n', True),
        ("a.yaml", "steps:\n- uses: docker://alpine:3.20\n  x: {A}.1\n", True),
        ("k.yaml", "images:\n- name: a\n  newTag: {TAG}.1\n", True),
        # Keys only some formats read as images.
        (".gitlab-ci.yml", "job:\n  services: {A}.1\n", True),
        ("other.yml", "job:\n  services: {A}.1\n", False),
        # A file named on the command line whatever its name: never IMG000 without an image key.
        ("README.md", "# Title\n\nkey: [unclosed\n", False),
    ],
)
def test_a_file_that_does_not_parse_is_an_error_only_with_an_image_key(
    path: str, text: str, error: bool
) -> None:
    result = extract(path, text)
    assert result.occurrences == ()
    assert (result.syntax_error is not None) is error
    assert (result.skipped is not None) is not error
    if not error:
        assert result.skipped is not None
        assert result.skipped.startswith("not YAML (line ")
        assert result.skipped.endswith("and no image key in it")


@pytest.mark.parametrize(
    ("path", "text"),
    [
        # Fails to parse because of template directives.
        ("deploy.yaml", 'metadata:\n  labels:\n    {{- include "x" . | nindent 4 }}\n'),
        ("deploy.yaml", "spec:\n  replicas: {{ .Values.n }}\n  x: {{ .Values.y }}-z\n"),
    ],
)
def test_helm_templates_are_skipped(path: str, text: str) -> None:
    assert extract(path, text) == Extraction((), skipped="Helm template", kinds=("helm-template",))


def test_a_templates_directory_without_templating_is_read() -> None:
    text = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{image: 'a:1'}]\n"
    assert [o.image for o in extract("templates/pod.yaml", text).occurrences] == ["a:1"]


def test_multi_document_order_and_kinds() -> None:
    text = (
        "services:\n  a: {image: 'c:1'}\n---\n"
        "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{image: 'k:1'}]\n---\n"
        "images:\n  - {name: n, newTag: '2'}\n"
    )
    result = extract("docker-compose.yml", text)
    assert result.kinds == ("compose", "kubernetes", "other")
    assert [o.image for o in result.occurrences] == ["c:1", "k:1"]


# Words YAML reads as booleans or null are not strings, so not images.
_NOT_STRINGS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
_IMAGE = st.from_regex(
    r"[a-z][a-z0-9]{0,7}(/[a-z0-9._-]{1,8}){0,2}(:[A-Za-z0-9._-]{1,8})?", fullmatch=True
).filter(lambda image: image not in _NOT_STRINGS)
_STYLES = {
    "plain": "{}",
    "single": "'{}'",
    "double": '"{}"',
}


@given(
    images=st.lists(st.tuples(_IMAGE, st.sampled_from(sorted(_STYLES))), min_size=1, max_size=4),
    flow=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    indent=st.integers(min_value=1, max_value=4),
    comment=st.booleans(),
)
def test_spans_property(
    images: list[tuple[str, str]], flow: bool, newline: str, bom: bool, indent: int, comment: bool
) -> None:
    pad = " " * indent
    written = [_STYLES[style].format(image) for image, style in images]
    if flow:
        items = ", ".join(f"{{name: c{i}, image: {w}}}" for i, w in enumerate(written))
        containers = [f"{pad}containers: [{items}]"]
    else:
        containers = [f"{pad}containers:"]
        for i, w in enumerate(written):
            containers += [
                f"{pad}{pad}- name: c{i}",
                f"{pad}{pad}  image: {w}" + (" # x" if comment else ""),
            ]
    lines = ["apiVersion: v1", "kind: Pod", "spec:", *containers]
    text = ("\ufeff" if bom else "") + newline.join(lines) + newline
    result = extract("pod.yaml", text)
    assert [o.image for o in result.occurrences] == [image for image, _ in images]
    _check_spans(text, result)
    assert all(o.edit is not None for o in result.occurrences)
