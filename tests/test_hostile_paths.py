"""Paths, permissions and damaged state: a file reached twice is read and fixed once, fix never
writes outside the paths it was given, what it writes keeps its mode bits, an unwritable
``--output`` stops the run before anything is written, and a damaged cache is a miss.

Each run is ``imagepin`` in a subprocess under tests/hostile_process.py's limits, against
the real ``docker-registry`` (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hostile_process import run_imagepin
from registry_server import Registry

POD = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: c\n    image: {image}\n"


@pytest.fixture
def image(plain_registry: Registry) -> str:
    return plain_registry.ref("app/oci", "1.0")


def write(path: Path, image: str) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(POD.format(image=image))
    return path.read_bytes()


def report(done_out: str) -> dict[str, object]:
    document: dict[str, object] = json.loads(done_out)
    return document


# --- a file reached twice ----------------------------------------------------------------------


def test_a_symlink_alias_is_read_and_fixed_once(image: str, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "pod.yaml", image)
    (repo / "alias.yaml").symlink_to("pod.yaml")
    (repo / "dir").symlink_to(".")
    checked = run_imagepin(["check", "--offline", "--format", "json", ".", "pod.yaml"], cwd=repo)
    document = report(checked.out)
    assert document["files_scanned"] == 1
    assert [f["path"] for f in document["findings"]] == ["pod.yaml"]  # type: ignore[attr-defined]
    fixed = run_imagepin(["fix", "--no-cache", "--format", "json", ".", "alias.yaml"], cwd=repo)
    assert report(fixed.out)["fixed_files"] == ["alias.yaml"]
    assert (repo / "pod.yaml").read_text().count("@sha256:") == 1
    assert (repo / "alias.yaml").is_symlink()


def test_a_relative_and_an_absolute_path_through_a_linked_working_directory(
    image: str, tmp_path: Path
) -> None:
    real = tmp_path / "real"
    write(real / "pod.yaml", image)
    (tmp_path / "linked").symlink_to(real)
    done = run_imagepin(
        ["fix", "--no-cache", "--format", "json", "pod.yaml", str(real / "pod.yaml")],
        cwd=tmp_path / "linked",
    )
    assert report(done.out)["fixed_files"] == ["pod.yaml"]
    assert (real / "pod.yaml").read_text().count("@sha256:") == 1


def test_a_file_named_through_a_link_and_inside_a_directory_given_is_fixed_once(
    image: str, tmp_path: Path
) -> None:
    """``deploy/sub/up.yaml -> ../a.yaml`` named, and ``deploy`` given: the file is read
    once, as the name given, and written, because ``deploy`` holds it (before: the name
    kept could not write outside ``deploy/sub``, and the file was left unfixed)."""
    repo = tmp_path / "repo"
    write(repo / "deploy" / "a.yaml", image)
    (repo / "deploy" / "sub").mkdir()
    (repo / "deploy" / "sub" / "up.yaml").symlink_to("../a.yaml")
    done = run_imagepin(
        ["fix", "--no-cache", "--format", "json", "deploy/sub/up.yaml", "deploy"], cwd=repo
    )
    document = report(done.out)
    assert (done.code, document["fixed_files"]) == (1, ["deploy/sub/up.yaml"])
    assert (repo / "deploy" / "a.yaml").read_text().count("@sha256:") == 1
    alone = run_imagepin(["fix", "--no-cache", "deploy/sub/up.yaml"], cwd=repo)
    assert alone.code == 0  # already pinned; named alone it could not have been written


# --- never outside the paths given -------------------------------------------------------------


@pytest.mark.parametrize("diff", [False, True], ids=["fix", "fix --diff"])
def test_fix_of_a_directory_never_writes_through_a_link_out_of_it(
    diff: bool, image: str, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    inside = write(repo / "deploy" / "app.yaml", image)
    outside = write(repo / "other" / "x.yaml", image)
    (repo / "deploy" / "link.yaml").symlink_to("../other/x.yaml")
    (repo / "deploy" / "sub").symlink_to("../other")
    args = ["fix", "--no-cache", "--format", "json", "deploy/"]
    done = run_imagepin(args if not diff else [*args[:1], "--diff", *args[1:]], cwd=repo)
    assert (repo / "other" / "x.yaml").read_bytes() == outside
    if diff:
        assert "+++ b/deploy/app.yaml" in done.out and "other" not in done.out.split("{")[0]
        return
    document = report(done.out)
    assert document["fixed_files"] == ["deploy/app.yaml"]
    assert (repo / "deploy" / "app.yaml").read_bytes() != inside
    errors = {e["path"]: e["message"] for e in document["errors"]}  # type: ignore[attr-defined]
    assert f"is outside {(repo / 'deploy').resolve()}" in errors["deploy/link.yaml"]


def test_fix_of_an_absolute_directory_from_elsewhere_writes(image: str, tmp_path: Path) -> None:
    """The guard compares with the directory given, not the working directory."""
    repo = tmp_path / "repo"
    write(repo / "deploy" / "app.yaml", image)
    (tmp_path / "elsewhere").mkdir()
    done = run_imagepin(
        ["fix", "--no-cache", "--format", "json", str(repo / "deploy")], cwd=tmp_path / "elsewhere"
    )
    document = report(done.out)
    assert document["errors"] == []
    assert document["fixed_files"] == [str(repo / "deploy" / "app.yaml")]


def test_a_named_file_may_not_lead_out_of_its_directory(image: str, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    target = write(tmp_path / "home" / ".bashrc.yaml", image)
    write(repo / "k8s" / "real.yaml", image)
    (repo / "k8s" / "evil.yaml").symlink_to(tmp_path / "home" / ".bashrc.yaml")
    (repo / "k8s" / "near.yaml").symlink_to("real.yaml")
    done = run_imagepin(
        ["fix", "--no-cache", "--format", "json", "k8s/evil.yaml", "k8s/near.yaml"], cwd=repo
    )
    assert (tmp_path / "home" / ".bashrc.yaml").read_bytes() == target
    document = report(done.out)
    assert document["fixed_files"] == ["k8s/near.yaml"]
    assert [e["path"] for e in document["errors"]] == ["k8s/evil.yaml"]  # type: ignore[attr-defined]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_a_path_named_is_scanned_even_when_gitignored(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / ".gitignore").write_text("build/\nignored.yaml\nsrc/skip.yaml\n")
    for name in ("build/pod.yaml", "ignored.yaml", "src/pod.yaml", "src/skip.yaml"):
        write(repo / name, "nginx:1.27")
    paths = lambda *args: sorted(  # noqa: E731
        f["path"]
        for f in report(
            run_imagepin(["check", "--offline", "--format", "json", *args], cwd=repo).out
        )["findings"]  # type: ignore[attr-defined]
    )
    assert paths(".") == ["src/pod.yaml"]
    assert paths("build") == ["build/pod.yaml"]
    assert paths("ignored.yaml") == ["ignored.yaml"]
    # Inside a directory named, what git ignores stays ignored.
    assert paths("src") == ["src/pod.yaml"]


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.skipif(os.geteuid() != 0, reason="only root keeps setuid bits and owners")
def test_setuid_setgid_sticky_and_the_owner_survive_a_fix(image: str, tmp_path: Path) -> None:
    pod = tmp_path / "repo" / "pod.yaml"
    write(pod, image)
    os.chown(pod, 1234, 5678)
    os.chmod(pod, 0o7644)
    run_imagepin(["fix", "--no-cache", "pod.yaml"], cwd=pod.parent)
    info = pod.stat()
    assert "@sha256:" in pod.read_text()
    assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o7644, 1234, 5678)


@pytest.mark.parametrize(
    "output",
    ["missing/dir/report.json", "a-directory", "json=missing/report.json", "sarif=a-directory"],
)
def test_an_unwritable_output_is_a_usage_error_before_anything_is_written(
    output: str, image: str, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    before = write(repo / "pod.yaml", image)
    (repo / "a-directory").mkdir()
    done = run_imagepin(["fix", "--no-cache", "-o", output, "pod.yaml"], cwd=repo)
    assert done.code == 2
    assert done.err.startswith("imagepin: error: cannot write ")
    assert (repo / "pod.yaml").read_bytes() == before
    assert sorted(p.name for p in repo.iterdir()) == ["a-directory", "pod.yaml"]


@pytest.mark.parametrize("output", ["/dev/full", "json=/dev/full"])
def test_an_output_that_fails_when_written_is_a_usage_error_naming_it(
    output: str, image: str, tmp_path: Path
) -> None:
    """/dev/full opens for writing and refuses the bytes (a full disk, a file in /proc):
    exit 2 naming it, never an internal error; the files fix wrote are still said, and
    the other outputs are written."""
    repo = tmp_path / "repo"
    write(repo / "pod.yaml", image)
    done = run_imagepin(
        ["fix", "--no-cache", "-o", output, "-o", "sarif=out.sarif", "pod.yaml"], cwd=repo
    )
    assert done.code == 2
    assert done.err == (
        "imagepin: error: cannot write /dev/full: No space left on device; fixed pod.yaml\n"
    )
    assert f"{image}@sha256:" in (repo / "pod.yaml").read_text()
    assert json.loads((repo / "out.sarif").read_text())["version"] == "2.1.0"


def test_a_writable_output_that_did_not_exist_is_made_once(image: str, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "pod.yaml", image)
    done = run_imagepin(["check", "--offline", "-o", "out.txt", "pod.yaml"], cwd=repo)
    assert (done.code, done.out) == (1, "")
    assert "IMG001" in (repo / "out.txt").read_text()


# --- a damaged cache is a miss, and is rewritten -------------------------------------------------


@pytest.mark.parametrize(
    "record",
    [
        {"digest": "sha256:not-hex", "media_type": "application/vnd.oci.image.manifest.v1+json"},
        {
            "digest": "sha256:" + "a" * 63,
            "media_type": "application/vnd.oci.image.manifest.v1+json",
        },
        {"digest": ["sha256:" + "a" * 64], "media_type": 7},
        {"digest": None},
        "a string, not a record",
    ],
)
def test_a_damaged_cache_record_is_a_miss_that_gets_rewritten(
    record: object, plain_registry: Registry, tmp_path: Path
) -> None:
    image = plain_registry.ref("app/oci", "1.0")
    repo = tmp_path / "repo"
    write(repo / "pod.yaml", image)
    entries = tmp_path / "cache" / "v2" / "entries.json"
    entries.parent.mkdir(parents=True)
    key = f"tag\t{plain_registry.host}/app/oci\t1.0"
    # Stored now, so the tag's record would be fresh if it were whole.
    now = datetime.now(timezone.utc).timestamp()
    stored = {**record, "stored": now} if isinstance(record, dict) else record
    entries.write_text(json.dumps({key: stored}))
    args = ["check", "--cache-dir", str(tmp_path / "cache"), "--format", "json", "pod.yaml"]
    done = run_imagepin(args, cwd=repo)
    (finding,) = report(done.out)["findings"]  # type: ignore[misc]
    digest = finding["suggestion"].partition("@")[2]
    assert digest.startswith("sha256:") and len(digest) == 71
    assert json.loads(entries.read_text())[key]["digest"] == digest


# --- a configuration naming rules that do not exist ---------------------------------------------


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('[per-file-ignores]\n"deploy/*.yaml" = ["IMG999"]\n', "per-file-ignores.deploy/*.yaml"),
        ('select = ["IMG001", "no-such-rule"]\n', "select"),
        ('ignore = ["IMG0X"]\n', "ignore"),
        ('extend-select = ["XYZ"]\n', "extend-select"),
    ],
)
def test_an_unknown_rule_in_the_configuration_names_the_file_and_key(
    table: str, key: str, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    write(repo / "pod.yaml", "nginx:1.27")
    (repo / ".imagepin.toml").write_text(table)
    for command in (["check", "--offline"], ["fix", "--no-cache"]):
        done = run_imagepin([*command, "pod.yaml"], cwd=repo)
        assert done.code == 2
        assert done.err.startswith(f"imagepin: error: .imagepin.toml: {key}: unknown rule "), (
            done.err
        )
