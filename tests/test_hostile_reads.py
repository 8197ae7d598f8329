"""Every file imagepin opens goes through linter.safe_read: a FIFO never blocks, a device or a
huge file is never read whole, and the run says which file it refused and goes on.

Each row puts a special file where imagepin reads one -- a FIFO (an open that would
wait for a writer forever), a committed symbolic link to ``/dev/zero`` (endless), a
sparse 16 GiB file -- and runs ``imagepin`` in a subprocess under a 2 GiB address
space limit and a 30 s timeout (tests/hostile_process.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_process import run_imagepin
from registry_server import Registry

from linter import safe_read, source
from linter.registry.errors import RegistryError
from linter.registry.http import tls

POD = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: c\n    image: {image}\n"


def fifo(path: Path) -> None:
    os.mkfifo(path)


def dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def sparse(path: Path) -> None:
    with path.open("wb") as handle:
        handle.truncate(16 * 1024**3)


SPECIAL: dict[str, Callable[[Path], None]] = {"fifo": fifo, "dev-zero": dev_zero, "16g": sparse}
REFUSED = {"fifo": "not a regular file", "dev-zero": "not a regular file", "16g": "too large"}


def make(path: Path, kind: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    SPECIAL[kind](path)
    return path


# --- the reader itself ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_the_reader_refuses_without_reading(kind: str, tmp_path: Path) -> None:
    path = make(tmp_path / "file", kind)
    with pytest.raises(safe_read.ReadError, match=REFUSED[kind]):
        safe_read.read_bytes(path)
    with pytest.raises(source.SourceError, match=REFUSED[kind]):
        source.read(path)


@pytest.mark.parametrize(
    ("make_it", "reason", "missing"),
    [
        (lambda p: None, "No such file or directory", True),
        (lambda p: p.mkdir(), "is a directory", True),
        (lambda p: p.symlink_to(p.name), "Too many levels of symbolic links", False),
        (lambda p: p.write_bytes(b"x" * 11), "too large (11 bytes; the limit is 10)", False),
        (lambda p: p.write_bytes(b"\xef\xbb\xbfa\xff"), "not UTF-8 (byte 0xff at offset 1)", False),
    ],
)
def test_the_reader_says_why(
    make_it: Callable[[Path], None], reason: str, missing: bool, tmp_path: Path
) -> None:
    path = tmp_path / "file"
    make_it(path)
    with pytest.raises(safe_read.ReadError) as caught:
        safe_read.read_text(path, limit=10)
    assert (str(caught.value), caught.value.missing) == (reason, missing)


def test_the_reader_reads_regular_files_and_links_to_them(tmp_path: Path) -> None:
    (tmp_path / "real").write_bytes(b"\xef\xbb\xbfkey = 1\n")
    (tmp_path / "link").symlink_to("real")
    assert safe_read.read_text(tmp_path / "link") == "key = 1\n"
    assert safe_read.read_bytes(tmp_path / "real", limit=11) == b"\xef\xbb\xbfkey = 1\n"


# --- every file the command reads ----------------------------------------------------------------


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    return root


BESIDE = {
    # A GitLab local include, read for the includes it makes in turn.
    "gitlab-include": (
        {
            ".gitlab-ci.yml": "include:\n  - local: ci/jobs.yml\n  - local: ci/build.yml\n",
            "ci/build.yml": "build:\n  image: node:22\n",
        },
        "ci/jobs.yml",
        ".",
        [("ci/build.yml", "IMG001")],
    ),
    # The chart's values.yaml, read for the fields an override file inherits.
    "helm-values": (
        {
            "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\nappVersion: '1.27'\n",
            "chart/values-prod.yaml": "image:\n  repository: nginx\n  tag: '1.27'\n",
        },
        "chart/values.yaml",
        "chart/values-prod.yaml",
        [("chart/values-prod.yaml", "IMG001")],
    ),
}


@pytest.mark.parametrize("kind", sorted(SPECIAL))
@pytest.mark.parametrize("case", sorted(BESIDE))
def test_a_file_read_beside_a_manifest(case: str, kind: str, tmp_path: Path) -> None:
    files, special, argument, expected = BESIDE[case]
    repo = tree(tmp_path / "repo", files)
    make(repo / special, kind)
    done = run_imagepin(["check", "--offline", "--format", "json", argument], cwd=repo)
    found = [(f["path"], f["rule"]) for f in json.loads(done.out)["findings"]]
    # A walk never opens a FIFO or a device; a regular file too large is said to be.
    walked_too_large = [(special, "IMG000")] if kind == "16g" and argument == "." else []
    assert found == sorted(expected + walked_too_large)


@pytest.mark.parametrize("kind", sorted(SPECIAL))
@pytest.mark.parametrize("name", [".imagepin.toml", "pyproject.toml"])
def test_a_configuration_file(kind: str, name: str, tmp_path: Path) -> None:
    repo = tree(tmp_path / "repo", {"pod.yaml": POD.format(image="nginx:1.27")})
    (repo / ".git").mkdir()
    make(repo / name, kind)
    done = run_imagepin(["check", "--offline", "pod.yaml"], cwd=repo)
    assert done.code == 2
    # Named as found, relative to the working directory.
    assert done.err == f"imagepin: error: {name}: cannot read: {REFUSED[kind]}" + (
        " (17179869184 bytes; the limit is 1048576)\n" if kind == "16g" else "\n"
    )


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_a_named_configuration_file(kind: str, tmp_path: Path) -> None:
    repo = tree(tmp_path / "repo", {"pod.yaml": POD.format(image="nginx:1.27")})
    make(repo / "imagepin.toml", kind)
    done = run_imagepin(["check", "--offline", "--config", "imagepin.toml", "pod.yaml"], cwd=repo)
    assert done.code == 2
    assert f"imagepin.toml: cannot read: {REFUSED[kind]}" in done.err


@pytest.mark.parametrize("kind", sorted(SPECIAL))
@pytest.mark.parametrize("variable", ["DOCKER_CONFIG", "REGISTRY_AUTH_FILE"])
def test_a_credential_file(
    kind: str, variable: str, token_registry: Registry, tmp_path: Path
) -> None:
    """The file is read when a registry asks for credentials: an AUTH error for its images."""
    repo = tree(
        tmp_path / "repo", {"pod.yaml": POD.format(image=token_registry.ref("app/oci", "1.0"))}
    )
    special = make(tmp_path / "creds" / "config.json", kind)
    value = str(special.parent if variable == "DOCKER_CONFIG" else special)
    done = run_imagepin(
        ["check", "--no-cache", "--format", "json", "pod.yaml"], cwd=repo, env={variable: value}
    )
    assert done.code == 1
    document = json.loads(done.out)
    (unresolved,) = [f for f in document["findings"] if f["rule"] == "IMG011"]
    assert f"{special}: cannot read: {REFUSED[kind]}" in unresolved["message"]


@pytest.mark.parametrize("kind", sorted(SPECIAL))
@pytest.mark.parametrize("name", ["entries.json", "lock"])
def test_the_cache(kind: str, name: str, plain_registry: Registry, tmp_path: Path) -> None:
    """A cache file that is not a regular file is a miss; the run resolves as usual."""
    image = plain_registry.ref("app/oci", "1.0")
    repo = tree(tmp_path / "repo", {"pod.yaml": POD.format(image=image)})
    make(tmp_path / "cache" / "v2" / name, kind)
    for _ in range(2):
        done = run_imagepin(
            ["check", "--cache-dir", str(tmp_path / "cache"), "--format", "json", "pod.yaml"],
            cwd=repo,
        )
        findings = json.loads(done.out)["findings"]
        assert [f["rule"] for f in findings] == ["IMG001"]
        assert findings[0]["suggestion"].startswith(image + "@sha256:")


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_a_signature_key(kind: str, plain_registry: Registry, tmp_path: Path) -> None:
    repo = tree(tmp_path / "repo", {})
    make(repo / "cosign.pub", kind)
    ref = plain_registry.ref("app/oci", "1.0")
    done = run_imagepin(["inspect", "--no-cache", "--key", "cosign.pub", ref], cwd=repo)
    assert (done.code, done.out) == (2, "")
    assert f"signature key cosign.pub: cannot read: {REFUSED[kind]}" in done.err


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_a_report_to_comment_on(kind: str, tmp_path: Path) -> None:
    repo = tree(tmp_path / "repo", {})
    make(repo / "report.json", kind)
    env = {"GITHUB_REPOSITORY": "o/r", "GITHUB_TOKEN": "t", "GITHUB_API_URL": "http://127.0.0.1:9"}
    done = run_imagepin(["comment", "--pr", "1", "--from-json", "report.json"], cwd=repo, env=env)
    assert done.code == 2
    assert f"cannot read report.json: {REFUSED[kind]}" in done.err


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_the_event_payload(kind: str, tmp_path: Path) -> None:
    repo = tree(tmp_path / "repo", {})
    event = make(repo / "event.json", kind)
    env = {"GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": str(event)}
    done = run_imagepin(["comment", "--from-json", "report.json"], cwd=repo, env=env)
    assert done.code == 2
    assert f"cannot read the event payload {event}: {REFUSED[kind]}" in done.err


@pytest.mark.parametrize("kind", sorted(SPECIAL))
@pytest.mark.parametrize("name", ["ca.crt", "client.cert", "client.key"])
@pytest.mark.timeout(30)
def test_certs_d(kind: str, name: str, tmp_path: Path) -> None:
    """In-process, with the certs.d roots pointed into the test directory."""
    directory = tmp_path / "certs.d" / "reg.example:5000"
    directory.mkdir(parents=True)
    for other in {"client.cert", "client.key"} - {name}:
        (directory / other).write_text("-----BEGIN NOTHING-----\n")
    make(directory / name, kind)
    with pytest.raises(RegistryError) as caught:
        tls.ssl_context("reg.example:5000", (), roots=(tmp_path / "certs.d",))
    assert caught.value.registry == "reg.example:5000"
    assert f"cannot use {directory / name}" in caught.value.message or (
        f"{directory / 'client.cert'} and {directory / 'client.key'}" in caught.value.message
    )
    assert REFUSED[kind] in caught.value.message


def test_certs_d_with_a_broken_certificate(tmp_path: Path) -> None:
    directory = tmp_path / "certs.d" / "reg.example"
    directory.mkdir(parents=True)
    (directory / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\nnot base64\n")
    with pytest.raises(RegistryError, match=r"cannot use .*ca\.crt: "):
        tls.ssl_context("reg.example", (), roots=(tmp_path / "certs.d",))
