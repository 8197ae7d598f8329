"""Images Skaffold builds itself (linter/skaffold.py): read from its configurations, left
unchecked in the manifests that name them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter import skaffold
from linter.cli import main

CONFIG = """\
apiVersion: skaffold/v4beta11
kind: Config
build:
  artifacts:
  - image: frontend
    context: src/frontend
  - image: gcr.io/acme/api
profiles:
- name: extra
  build:
    artifacts: [{image: worker}]
- name: no-build
"""


@pytest.mark.parametrize(
    ("name", "is_config"),
    [
        ("skaffold.yaml", True),
        ("deploy/skaffold.yml", True),
        ("skaffold-dev.yaml", True),
        ("skaffold.json", False),
        ("my-skaffold.yaml", False),
    ],
)
def test_is_config(name: str, is_config: bool) -> None:
    assert skaffold.is_config(name) is is_config


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            CONFIG,
            (
                "docker.io/library/frontend",
                "docker.io/library/worker",
                "gcr.io/acme/api",
            ),
        ),
        # Other documents of the file, and what is not an artifact's image, add nothing.
        (
            "apiVersion: v1\nkind: Pod\nspec: {containers: [{image: frontend}]}\n---\n"
            "apiVersion: skaffold/v2beta29\nkind: Config\n"
            "build: {artifacts: [{image: UPPER}, {image: ''}, {context: x}, app, {image: ok}]}\n"
            "profiles: [notamapping, {build: [1]}]\n",
            ("docker.io/library/ok",),
        ),
        # Not YAML: nothing (the file itself is reported by the run like any other).
        ("build: [\n", ()),
        ("", ()),
    ],
)
def test_built_images_of_a_config(tmp_path: Path, text: str, names: tuple[str, ...]) -> None:
    config = tmp_path / "skaffold.yaml"
    config.write_text(text)
    assert skaffold.built_images([str(config)], str(tmp_path)) == names


def test_the_repository_roots_config_counts_though_not_given(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "skaffold.yaml").write_text(CONFIG)
    below = tmp_path / "deploy" / "base"
    below.mkdir(parents=True)
    assert "docker.io/library/frontend" in skaffold.built_images([], str(below))
    # A configuration elsewhere counts only when the run is given it.
    other = tmp_path / "other"
    other.mkdir()
    (other / "skaffold.yaml").write_text(CONFIG.replace("frontend", "elsewhere"))
    assert "docker.io/library/elsewhere" not in skaffold.built_images([], str(below))
    given = skaffold.built_images([str(other / "skaffold.yaml")], str(below))
    assert "docker.io/library/elsewhere" in given
    # Outside a repository, no directory is its root.
    (tmp_path / ".git").rmdir()
    assert skaffold.built_images([], str(below)) == ()


MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - {name: web, image: frontend}
      - {name: tagged, image: 'docker.io/library/frontend:dev'}
      - {name: api, image: gcr.io/acme/api}
      - {name: proxy, image: nginx}
"""


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "web.yaml").write_text(MANIFEST)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _images_found(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    main(["check", "--offline", "--format", "json", *argv])
    return [finding["image"] for finding in json.loads(capsys.readouterr().out)["findings"]]


def test_skaffolds_images_are_not_checked(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _images_found(capsys, "k8s") == [
        "frontend",
        "docker.io/library/frontend:dev",
        "gcr.io/acme/api",
        "nginx",
    ]
    (repository / "skaffold.yaml").write_text(CONFIG)
    # The whole tree, and the manifest alone (as pre-commit gives the changed files).
    assert _images_found(capsys) == ["nginx"]
    assert _images_found(capsys, "k8s/web.yaml") == ["nginx"]


def test_an_artifact_on_an_ipv6_host_is_matched_as_written(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The names join ignore-images, which are patterns: a host's brackets are not a set."""
    (repository / "skaffold.yaml").write_text(CONFIG.replace("gcr.io/acme/api", "'[::1]:5000/api'"))
    (repository / "k8s" / "web.yaml").write_text(
        MANIFEST.replace("gcr.io/acme/api", "'[::1]:5000/api:2'")
    )
    assert _images_found(capsys) == ["nginx"]
