"""linter.paths: str paths joined, compared and walked up as pathlib would."""

from __future__ import annotations

import os
from pathlib import Path, PurePath

import pytest

from linter.paths import is_within, joined, parent, up_to_repository_root


@pytest.mark.parametrize(
    ("base", "argument"),
    [
        ("/repo", "."),
        ("/repo", "apps/pod.yaml"),
        ("/repo", "./apps//pod.yaml"),
        ("/repo", "apps/"),
        ("/repo", "../other/x.yaml"),
        ("/repo", "/abs/x.yaml"),
        ("", "pod.yaml"),
        ("", "./pod.yaml"),
        ("/", "."),
    ],
)
def test_joined_as_pathlib_shows_it(base: str, argument: str) -> None:
    assert joined(base, argument) == str(PurePath(base) / argument)


@pytest.mark.parametrize(
    ("path", "directory", "within"),
    [
        ("/a/b/c", "/a/b", True),
        ("/a/b", "/a/b", True),
        ("/a/bc", "/a/b", False),
        ("/a", "/a/b", False),
        ("/x/y", "/", True),
    ],
)
def test_is_within_as_is_relative_to(path: str, directory: str, within: bool) -> None:
    assert is_within(path, directory) is within is PurePath(path).is_relative_to(directory)


@pytest.mark.parametrize("path", ["pod.yaml", "apps/pod.yaml", "/repo/pod.yaml", "/"])
def test_parent_as_pathlib(path: str) -> None:
    assert parent(path) == str(PurePath(path).parent)


def test_up_to_repository_root_stops_at_git(tmp_path: Path) -> None:
    deep = tmp_path / "repo" / "a" / "b"
    deep.mkdir(parents=True)
    (tmp_path / "repo" / ".git").mkdir()
    assert list(up_to_repository_root(str(deep))) == [
        str(deep),
        str(deep.parent),
        str(tmp_path / "repo"),
    ]


def test_up_to_repository_root_ends_at_the_file_system_root(tmp_path: Path) -> None:
    walked = list(up_to_repository_root(str(tmp_path)))
    assert walked[0] == str(tmp_path)
    assert walked[-1] == os.sep or os.path.exists(os.path.join(walked[-1], ".git"))
