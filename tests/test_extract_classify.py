from __future__ import annotations

from pathlib import Path

import pytest

from linter.extract.classify import document_kind, file_kind, in_chart_templates, looks_templated
from linter.extract.options import FormatOptions
from linter.yamlnodes import Parsed


@pytest.mark.parametrize(
    ("path", "text", "kind"),
    [
        ("x.yaml", "apiVersion: v1\nkind: Pod\n", "kubernetes"),
        ("x.yaml", "apiVersion: acme.io/v1\nkind: Widget\n", "kubernetes"),
        ("x.yaml", "kind: Pod\n", "other"),
        ("x.yaml", "apiVersion: 5\nkind: Pod\n", "other"),
        (
            "x.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
            "kustomization",
        ),
        (
            "x.yaml",
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n",
            "kubernetes",
        ),
        ("a/kustomization.yaml", "resources: []\n", "kustomization"),
        ("a/kustomization.yaml", "apiVersion: v1\nkind: ConfigMap\n", "kubernetes"),
        ("a/Kustomization", "images: []\n", "kustomization"),
        ("compose.yaml", "services: {}\nfoo: 1\n", "compose"),
        ("docker-compose.prod.yml", "services: {}\nfoo: 1\n", "compose"),
        ("compose.yaml", "services: [a]\n", "other"),
        ("stack.yaml", "name: app\nservices: {}\nvolumes: {}\nx-anchors: {}\n", "compose"),
        ("values.yaml", "services: {}\nreplicas: 1\n", "other"),
        ("x.yaml", "", "empty"),
        ("x.yaml", "# comment\n", "empty"),
        ("x.yaml", "~\n", "empty"),
        ("x.yaml", "null\n", "empty"),
        ("x.yaml", "''\n", "other"),
        ("x.yaml", "- a\n", "other"),
        ("x.yaml", "text\n", "other"),
        ("action.yml", "name: a\nruns: {using: docker, image: Dockerfile}\n", "github-action"),
        ("action.yml", "name: a\n", "other"),
        ("x.yaml", "runs: {using: docker}\n", "other"),
    ],
)
def test_document_kind(path: str, text: str, kind: str) -> None:
    documents = Parsed(text).documents
    found = [document_kind(path, document) for document in documents] or ["empty"]
    assert found == [kind]


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("chart/templates/d.yaml", "a: {{ x }}\n", True),
        ("templates/d.yaml", "a: '{{ x }}'\n", True),
        ("chart/templates/d.yaml", "a: b\n", False),
        ("chart/_templates/d.yaml", "a: {{ x }}\n", False),
        ("chart/templates.yaml", "a: {{ x }}\n", False),
    ],
)
def test_in_chart_templates(path: str, text: str, expected: bool) -> None:
    assert in_chart_templates(path, text) is expected


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("a:\n  {{- toYaml . }}\n", 5, True),
        ("a: {{ x }}-y\n", 1, True),
        ("a: {{ x }}\nb: [\n", 3, False),
        ("a: [\n", 2, False),
        ("a: b\n", 9, False),
    ],
)
def test_looks_templated(text: str, line: int, expected: bool) -> None:
    assert looks_templated(text, line) is expected


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("Dockerfile", "dockerfile"),
        ("build/app.Containerfile", "dockerfile"),
        (".github/workflows/ci.yml", "github-workflow"),
        (".gitlab-ci.yml", "gitlab-ci"),
        ("ci/deploy.gitlab-ci.yml", "gitlab-ci"),
        ("deploy/values.yaml", "helm-values"),
        ("deploy/values-prod.yml", "helm-values"),
        ("deploy/other.yaml", None),
        ("values.yaml", None),
        ("x.yaml", None),
    ],
)
def test_file_kind(
    path: str, kind: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "Chart.yaml").write_text("name: x\n")
    monkeypatch.chdir(tmp_path)
    assert file_kind(path, FormatOptions()) == kind


@pytest.mark.parametrize(
    ("globs", "path", "kind"),
    [
        (("helm/*.yaml",), "helm/prod.yaml", "helm-values"),
        (("helm/*.yaml",), "other/prod.yaml", None),
        (("values*.yaml",), "a/b/values.yaml", "helm-values"),
    ],
)
def test_configured_helm_values(globs: tuple[str, ...], path: str, kind: str | None) -> None:
    assert file_kind(path, FormatOptions(helm_values=globs)) == kind


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("jobs: {}\n", ["github-workflow"]),
        ("apiVersion: v1\nkind: Pod\n", ["github-workflow"]),
        ("~\n---\n- a\n", ["empty", "other"]),
    ],
)
def test_the_file_kind_decides_for_every_mapping(text: str, kinds: list[str]) -> None:
    documents = Parsed(text).documents
    assert [document_kind("w.yml", d, "github-workflow") for d in documents] == kinds
