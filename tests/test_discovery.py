from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from identify.identify import tags_from_filename

from linter.discovery import (
    Excluder,
    SourceFile,
    discover,
    display_path,
    file_format,
    is_dockerfile,
    is_lintable,
)

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _tree(root: Path, names: list[str]) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("a: b\n")


def _displays(files: list[SourceFile]) -> list[str]:
    return [file.display for file in files]


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.mark.parametrize(
    ("globs", "path", "excluded"),
    [
        (["vendor/**"], "vendor/a.yaml", True),
        (["vendor/**"], "vendor/deep/a.yaml", True),
        (["vendor/**"], "src/vendor/a.yaml", False),
        (["vendor/**"], "vendor", False),
        (["vendor"], "src/vendor/a.yaml", True),
        (["vendor/"], "src/vendor/a.yaml", True),
        (["/vendor"], "src/vendor/a.yaml", False),
        (["/vendor"], "vendor/a.yaml", True),
        (["**/templates/**"], "charts/x/templates/d.yaml", True),
        (["**/templates/**"], "templates/d.yaml", True),
        (["**/templates/**"], "charts/templates.yaml", False),
        (["*.gen.yaml"], "a/b/c.gen.yaml", True),
        (["*.gen.yaml"], "a/b/c.yaml", False),
        (["*.yaml"], "a/b.yml", False),
        (["charts/*.yaml"], "charts/a.yaml", True),
        (["charts/*.yaml"], "charts/x/a.yaml", False),
        (["a?.yaml"], "ab.yaml", True),
        (["a?.yaml"], "a/.yaml", False),
        (["[ab].yaml"], "b.yaml", True),
        (["[!ab].yaml"], "b.yaml", False),
        (["[!ab].yaml"], "c.yaml", True),
        (["a.b"], "a.b", True),
        (["a.b"], "axb", False),
        (["x/**/y.yaml"], "x/y.yaml", True),
        (["x/**/y.yaml"], "x/1/2/y.yaml", True),
        ([], "a.yaml", False),
        (["", "/"], "a.yaml", False),
        (["other", "*.yaml"], "a.yaml", True),
    ],
)
def test_excluder(globs: list[str], path: str, excluded: bool) -> None:
    assert Excluder(globs)(path) is excluded


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("a.yaml", "a.yaml"),
        ("./a.yaml", "a.yaml"),
        ("sub/../a.yaml", "a.yaml"),
        ("sub/", "sub"),
        (".", "."),
        ("/work/project/sub/a.yaml", "sub/a.yaml"),
        ("../other/a.yaml", "../other/a.yaml"),
        ("/elsewhere/a.yaml", "/elsewhere/a.yaml"),
    ],
)
def test_display_path(argument: str, expected: str) -> None:
    assert display_path(argument, Path("/work/project")) == expected


def test_walk_without_git(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        [
            "a.yaml",
            "b.yml",
            "c.YAML",
            "notes.txt",
            "deep/er/d.yaml",
            ".git/config.yaml",
            "node_modules/pkg/e.yaml",
            "vendor/f.yaml",
            "src/vendor/g.yaml",
            "src/third_party/i.yaml",
            ".hidden/h.yaml",
        ],
    )
    (tmp_path / "dir.yaml").mkdir()
    files, problems = discover(["."], cwd=tmp_path)
    assert _displays(files) == [".hidden/h.yaml", "a.yaml", "b.yml", "c.YAML", "deep/er/d.yaml"]
    assert problems == []
    assert all(not file.explicit for file in files)
    assert files[1].path == str(tmp_path / "a.yaml")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("Dockerfile", True),
        ("Containerfile", True),
        ("docker/Dockerfile.dev", True),
        ("app.Dockerfile", True),
        ("a.Containerfile.b", True),
        ("dockerfile", False),
        ("app.dockerfile", False),
        ("Dockerfiles", False),
        # identify tags it ``dockerfile``: pre-commit hands it over as one (it names no image).
        ("Dockerfile.dockerignore", True),
        (".dockerignore", False),
        ("Dockerfile.yaml", False),
        ("Dockerfile/x.txt", False),
    ],
)
def test_is_dockerfile(path: str, expected: bool) -> None:
    """As pre-commit's identify tags files ``dockerfile``, so ``types_or`` and walks agree."""
    assert is_dockerfile(path) is expected


def test_walk_takes_dockerfiles(tmp_path: Path) -> None:
    _tree(tmp_path, ["Dockerfile", "b/app.Dockerfile", "c/Containerfile", ".dockerignore"])
    files, _ = discover(["."], cwd=tmp_path)
    assert _displays(files) == ["Dockerfile", "b/app.Dockerfile", "c/Containerfile"]


def test_walk_a_subdirectory_keeps_its_prefix(tmp_path: Path) -> None:
    _tree(tmp_path, ["sub/a.yaml", "sub/x/b.yaml", "c.yaml"])
    files, _ = discover(["sub/"], cwd=tmp_path)
    assert _displays(files) == ["sub/a.yaml", "sub/x/b.yaml"]


def test_walk_outside_the_working_directory(tmp_path: Path) -> None:
    _tree(tmp_path, ["outside/a.yaml", "cwd/b.yaml"])
    files, _ = discover(["../outside"], cwd=tmp_path / "cwd")
    assert _displays(files) == ["../outside/a.yaml"]
    assert Path(files[0].path).resolve() == tmp_path / "outside/a.yaml"


def test_explicit_files_are_always_taken(tmp_path: Path) -> None:
    _tree(tmp_path, ["Containerfile", "vendor/x.yaml", "a.yaml"])
    named = ["Containerfile", "vendor/x.yaml", "missing.yaml"]
    files, problems = discover(named, exclude=(), cwd=tmp_path)
    assert _displays(files) == ["Containerfile", "vendor/x.yaml"]
    assert all(file.explicit for file in files)
    assert problems == [("missing.yaml", "no such file or directory")]


def test_explicit_special_files_are_problems(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    files, problems = discover(["pipe.yaml", "dangling.yaml"], cwd=tmp_path)
    # A dangling link is taken: reading it says what is wrong, like any unreadable file.
    assert _displays(files) == ["dangling.yaml"]
    assert problems == [("pipe.yaml", "not a regular file")]


def test_a_file_named_twice_is_listed_once_as_explicit(tmp_path: Path) -> None:
    _tree(tmp_path, ["a.yaml", "b.yaml"])
    files, _ = discover([".", "./a.yaml", "a.yaml"], cwd=tmp_path)
    assert [(file.display, file.explicit) for file in files] == [
        ("a.yaml", True),
        ("b.yaml", False),
    ]


def test_exclude_applies_to_walks_and_explicit_files(tmp_path: Path) -> None:
    _tree(tmp_path, ["keep.yaml", "gen/a.yaml", "x.gen.yaml", "charts/c/templates/d.yaml"])
    excludes = ["gen", "*.gen.yaml", "**/templates/**"]
    files, problems = discover([".", "x.gen.yaml"], exclude=excludes, cwd=tmp_path)
    assert _displays(files) == ["keep.yaml"]
    assert problems == []


def test_symlink_loops_end(tmp_path: Path) -> None:
    _tree(tmp_path, ["a/b.yaml"])
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    (tmp_path / "a" / "self").symlink_to(tmp_path / "a")
    (tmp_path / "broken.yaml").symlink_to(tmp_path / "nowhere.yaml")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "a" / "b.yaml")
    files, problems = discover(["."], cwd=tmp_path)
    # link.yaml is a/b.yaml again: read (and fixed) once.
    assert _displays(files) == ["a/b.yaml"]
    assert problems == []


def test_unlistable_directory_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path, ["ok/a.yaml", "locked/b.yaml"])
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str]) -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    # A mode of 0 does not stop root, who runs the tests in CI containers.
    monkeypatch.setattr(os, "scandir", scandir)
    files, problems = discover(["."], cwd=tmp_path)
    assert _displays(files) == ["ok/a.yaml"]
    assert problems == [("locked", "cannot list: Permission denied")]


@needs_git
def test_git_work_tree_lists_tracked_and_unignored_files(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        [
            "tracked.yaml",
            "deploy/tracked.yaml",
            "untracked.yaml",
            "ignored.yaml",
            "build/out.yaml",
            "sub/c.yml",
            "readme.md",
        ],
    )
    (tmp_path / ".gitignore").write_text("ignored.yaml\nbuild/\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "tracked.yaml", "deploy/tracked.yaml", ".gitignore")
    (tmp_path / "tracked.yaml").write_text("changed: yes\n")
    files, problems = discover(["."], cwd=tmp_path)
    assert _displays(files) == [
        "deploy/tracked.yaml",
        "sub/c.yml",
        "tracked.yaml",
        "untracked.yaml",
    ]
    assert problems == []
    sub, _ = discover(["sub"], cwd=tmp_path)
    assert _displays(sub) == ["sub/c.yml"]


@needs_git
def test_git_lists_a_deleted_tracked_file_that_is_skipped(tmp_path: Path) -> None:
    _tree(tmp_path, ["gone.yaml", "here.yaml"])
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    (tmp_path / "gone.yaml").unlink()
    files, _ = discover(["."], cwd=tmp_path)
    assert _displays(files) == ["here.yaml"]


def test_no_paths_means_the_working_directory(tmp_path: Path) -> None:
    _tree(tmp_path, ["a.yaml"])
    files, _ = discover([], cwd=tmp_path)
    assert _displays(files) == ["a.yaml"]


VENDORED = ["node_modules/p/a.yaml", "vendor/b.yaml", "x/vendor/c.yaml", "third_party/d/Dockerfile"]


@pytest.mark.parametrize("with_git", [False, True])
def test_default_excludes_are_the_same_in_walks_and_git_listings(
    tmp_path: Path, with_git: bool
) -> None:
    if with_git and shutil.which("git") is None:
        pytest.skip("git is not installed")
    _tree(tmp_path, ["a.yaml", "vendors/e.yaml", *VENDORED])
    if with_git:
        _git(tmp_path, "init", "-q")
        _git(tmp_path, "add", ".")
    files, _ = discover(["."], cwd=tmp_path)
    assert _displays(files) == ["a.yaml", "vendors/e.yaml"]
    # Named files too: pre-commit names vendored files when a commit updates them.
    named, _ = discover(VENDORED, cwd=tmp_path)
    assert named == []
    # ``exclude`` replaces the defaults (as in ruff): an empty list scans everything.
    everything, _ = discover(["."], exclude=[], cwd=tmp_path)
    assert _displays(everything) == sorted(["a.yaml", "vendors/e.yaml", *VENDORED])


#: Names as real repositories spell them, and the tricky ones.
NAMES = [
    "deploy.yaml",
    "a.YML",
    "x.yml",
    "Dockerfile",
    "Containerfile",
    "Dockerfile.dev",
    "app.Dockerfile",
    "a.Containerfile.b",
    "Dockerfile.dockerignore",
    "app.Dockerfile.dockerignore",
    ".dockerignore",
    "Dockerfile.yaml",
    "Dockerfile.j2",
    "dockerfile",
    "app.dockerfile",
    "Dockerfiles",
    "values.yaml.j2",
    "README.md",
    "main.py",
    ".gitlab-ci.yml",
    "compose.yaml",
    ".devcontainer.json",
    ".devcontainer/devcontainer.json",
    ".devcontainer/python/devcontainer.json",
    "devcontainer.json",
    "package.json",
    "web.container",
    "base.image",
    "app.build",
    "data.volume",
    "meson.build.txt",
    ".env",
    "deploy/.env",
    ".env.example",
    "prod.env",
]


def _hook_files() -> re.Pattern[str]:
    hooks = yaml_hooks()
    patterns = {hook["files"] for hook in hooks}
    assert len(patterns) == 1 and all(hook["types"] == ["text"] for hook in hooks)
    return re.compile(patterns.pop())


def yaml_hooks() -> list[dict[str, object]]:
    from ruamel.yaml import YAML

    hooks: list[dict[str, object]] = YAML(typ="safe").load(HOOKS.read_text())
    return hooks


HOOKS = Path(__file__).parents[1] / ".pre-commit-hooks.yaml"


@pytest.mark.parametrize("name", NAMES)
def test_formats_follow_identify(name: str) -> None:
    """Each file pre-commit hands the hooks over is read the way identify tags it (YAML,
    Dockerfile), and the hooks take exactly the files a walk takes, and ``.env``."""
    tags = tags_from_filename(name)
    by_tag = "yaml" if "yaml" in tags else "dockerfile" if "dockerfile" in tags else None
    if by_tag is not None:
        assert file_format(name) == by_tag
    elif file_format(name) in ("yaml", "dockerfile"):
        pytest.fail(f"{name}: identify does not tag it yaml or dockerfile")
    hook_takes = _hook_files().search(name) is not None
    assert hook_takes is (is_lintable(name) or name.rpartition("/")[2] == ".env")


@pytest.mark.parametrize("with_git", [False, True])
def test_extra_globs_add_files_in_walks_and_git_listings(tmp_path: Path, with_git: bool) -> None:
    """``marker-files`` and ``regex-extractors`` globs: matched like ``exclude``, the same
    in both modes, and excluded trees stay excluded."""
    if with_git and shutil.which("git") is None:
        pytest.skip("git is not installed")
    _tree(tmp_path, ["a.yaml", "Makefile", "hack/e2e.sh", "tf/main.tf", "vendor/x/Makefile"])
    _tree(tmp_path, ["notes.txt", "hack/deep/other.sh"])
    if with_git:
        _git(tmp_path, "init", "-q")
        _git(tmp_path, "add", ".")
    files, _ = discover(["."], cwd=tmp_path, extra=["Makefile", "hack/*.sh", "*.tf"])
    assert _displays(files) == ["Makefile", "a.yaml", "hack/e2e.sh", "tf/main.tf"]
