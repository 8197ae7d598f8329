from __future__ import annotations

from pathlib import Path

import pytest

from linter.extract import extract
from linter.extract.gitlab_ci import included, is_gitlab_ci

Row = tuple[int, int, str, str, str, str | None]


def _rows(text: str, path: str = ".gitlab-ci.yml") -> list[Row]:
    """(line, column, image, YAML path, context, dynamic) of every occurrence."""
    result = extract(path, text)
    for found in result.occurrences:
        assert text[found.start : found.end] == found.raw
    return [
        (o.line, o.column, o.image, o.yaml_path, o.context, o.dynamic) for o in result.occurrences
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".gitlab-ci.yml", True),
        (".gitlab-ci.yaml", True),
        ("sub/.gitlab-ci.yml", True),
        ("ci/build.gitlab-ci.yml", True),
        ("gitlab-ci.yml", False),
        (".gitlab-ci.yml.bak", False),
        ("ci/build.yml", False),
    ],
)
def test_is_gitlab_ci(path: str, expected: bool) -> None:
    assert is_gitlab_ci(path) is expected


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("image: ruby:3.3\n", [(1, 8, "ruby:3.3", "image", "pipeline image", None)]),
        (
            "services: [postgres:16, {name: 'redis:7', alias: cache}]\n",
            [
                (1, 12, "postgres:16", "services[0]", "pipeline service", None),
                (1, 32, "redis:7", "services[1].name", "pipeline service", None),
            ],
        ),
        (
            "default:\n  image: {name: node:22, entrypoint: ['']}\n  services:\n    - docker:27-dind\n",
            [
                (2, 17, "node:22", "default.image.name", "default image", None),
                (4, 7, "docker:27-dind", "default.services[0]", "default service", None),
            ],
        ),
        (
            "test:\n  image: golang:1.22\n  script: go test\n.hidden:\n  image: alpine:3.20\n",
            [
                (2, 10, "golang:1.22", "test.image", "job test image", None),
                (5, 10, "alpine:3.20", '[".hidden"].image', "job .hidden image", None),
            ],
        ),
        # Anchors and merge keys: reported once, where written.
        (
            ".base: &base\n  image: node:22\na:\n  <<: *base\nb:\n  <<: *base\n",
            [(2, 10, "node:22", '[".base"].image', "job .base image", None)],
        ),
        # Variables and inputs are dynamic.
        (
            "a:\n  image: $CI_REGISTRY_IMAGE/app:$CI_COMMIT_SHA\nb:\n  image: $[[ inputs.image ]]\n",
            [
                (
                    2,
                    10,
                    "$CI_REGISTRY_IMAGE/app:$CI_COMMIT_SHA",
                    "a.image",
                    "job a image",
                    "$CI_REGISTRY_IMAGE",
                ),
                (4, 10, "$[[ inputs.image ]]", "b.image", "job b image", "$[[ inputs.image ]]"),
            ],
        ),
        # Not images: keywords that are not jobs, !reference, scripts, variables.
        (
            "variables:\n  image: not-a-job:1\nstages: [a]\ninclude: x.yml\nworkflow: {rules: []}\nj:\n  image: !reference [.x, image]\n  script: docker run nginx:1.27\n",
            [],
        ),
        # A component's spec document, then its jobs.
        (
            "spec:\n  inputs:\n    image: {default: 'node:22'}\n---\nj:\n  image: $[[ inputs.image ]]\n",
            [(6, 10, "$[[ inputs.image ]]", "j.image", "job j image", "$[[ inputs.image ]]")],
        ),
    ],
)
def test_pipeline(text: str, rows: list[Row]) -> None:
    assert _rows(text) == rows


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


INCLUDES = """\
include:
  - local: ci/build.yml
  - '/ci/templates/*.yml'
  - {local: ci/nested.yml}
  - remote: https://example.com/remote.yml
  - project: group/project
    file: /ci/project.yml
  - local: ../outside.yml
"""


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("ci/build.yml", True),
        ("ci/templates/lint.yml", True),
        ("ci/templates/deep/lint.yml", False),
        ("ci/nested.yml", True),
        ("ci/from-nested.yml", True),
        ("ci/project.yml", False),
        ("ci/other.yml", False),
        ("sub/dir/ci/build.yml", False),
    ],
)
def test_local_includes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str, expected: bool
) -> None:
    _tree(
        tmp_path,
        {
            ".gitlab-ci.yml": INCLUDES,
            "ci/nested.yml": "include: ci/from-nested.yml\n",
            # A cycle ends.
            "ci/from-nested.yml": "include: [{local: ci/nested.yml}]\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    assert included(path) is expected
    assert included(str(tmp_path / path)) is expected


def test_an_included_file_is_read_as_a_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(
        tmp_path, {".gitlab-ci.yml": "include: jobs.yml\n", "jobs.yml": "j:\n  image: ruby:3.3\n"}
    )
    monkeypatch.chdir(tmp_path)
    result = extract("jobs.yml", "j:\n  image: ruby:3.3\n")
    assert (result.kinds, [o.image for o in result.occurrences]) == (("gitlab-ci",), ["ruby:3.3"])
    # The same file elsewhere, or without the pipeline file, is not.
    assert extract("other.yml", "j:\n  image: ruby:3.3\n").kinds == ("other",)


@pytest.mark.parametrize(
    "pipeline",
    ["include: [\n", "\xff\xfe", "include: 5\n", "include: [{local: ''}]\n"],
)
def test_a_broken_pipeline_file_includes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pipeline: str
) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text(pipeline, encoding="latin-1")
    (tmp_path / "jobs.yml").write_text("j: {image: ruby}\n")
    monkeypatch.chdir(tmp_path)
    assert included("jobs.yml") is False


def test_the_search_stops_at_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path, {".gitlab-ci.yml": "include: repo/jobs.yml\n", "repo/jobs.yml": "j: {}\n"})
    (tmp_path / "repo" / ".git").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    assert included("jobs.yml") is False
