from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from linter.atomic import Targets, WriteError, sync_directories, write_atomic

REPO = Path(__file__).resolve().parent.parent
OLD = b"image: nginx:1.27\n"
NEW = b"image: nginx:1.27@sha256:" + b"a" * 64 + b"\n"


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "k.yaml"
    path.write_bytes(OLD)
    return path


def _listing(directory: Path) -> list[str]:
    return sorted(entry.name for entry in directory.iterdir())


@pytest.mark.parametrize("mode", (0o644, 0o600, 0o640, 0o755, 0o664))
def test_writes_and_keeps_mode(target: Path, mode: int) -> None:
    target.chmod(mode)
    write_atomic(target, NEW)
    assert target.read_bytes() == NEW
    assert target.stat().st_mode & 0o7777 == mode
    assert _listing(target.parent) == ["k.yaml"]


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_keeps_ownership_when_root(target: Path) -> None:
    os.chown(target, 1234, 5678)
    write_atomic(target, NEW)
    info = target.stat()
    assert (info.st_uid, info.st_gid) == (1234, 5678)


def test_replaces_by_rename(target: Path) -> None:
    before = target.stat().st_ino
    write_atomic(target, NEW)
    assert target.stat().st_ino != before


def test_same_content_is_not_rewritten(target: Path) -> None:
    before = target.stat()
    write_atomic(target, OLD)
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


@pytest.mark.parametrize(
    ("expected", "written"),
    (
        pytest.param(OLD, True, id="unchanged-since-read"),
        pytest.param(b"image: nginx:1.26\n", False, id="changed-since-read"),
        pytest.param(b"", False, id="emptied-since-read"),
        pytest.param(None, True, id="no-check"),
    ),
)
def test_compare_and_swap(target: Path, expected: bytes | None, written: bool) -> None:
    if written:
        write_atomic(target, NEW, expected=expected)
        assert target.read_bytes() == NEW
    else:
        with pytest.raises(WriteError, match="changed on disk since it was read"):
            write_atomic(target, NEW, expected=expected)
        assert target.read_bytes() == OLD
    assert _listing(target.parent) == ["k.yaml"]


@pytest.mark.parametrize("mode", (0o444, 0o400, 0o555))
def test_read_only_is_refused_not_chmodded(target: Path, mode: int) -> None:
    target.chmod(mode)
    with pytest.raises(WriteError, match="read-only"):
        write_atomic(target, NEW)
    assert target.read_bytes() == OLD
    assert target.stat().st_mode & 0o7777 == mode


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WriteError, match="No such file"):
        write_atomic(tmp_path / "gone.yaml", NEW)
    assert _listing(tmp_path) == []


def test_symlink_target_is_written_and_link_kept(tmp_path: Path, target: Path) -> None:
    link = tmp_path / "link.yaml"
    link.symlink_to(target.name)
    write_atomic(link, NEW)
    assert link.is_symlink()
    assert target.read_bytes() == NEW
    assert _listing(tmp_path) == ["k.yaml", "link.yaml"]


@pytest.mark.parametrize(
    ("link_to", "inside"),
    (
        pytest.param("tree/real.yaml", True, id="file-in-tree"),
        pytest.param("tree/sub/deep.yaml", True, id="subdirectory"),
        pytest.param("outside.yaml", False, id="outside-tree"),
        pytest.param("tree-sibling/x.yaml", False, id="prefix-lookalike"),
    ),
)
def test_targets_follow_file_links(tmp_path: Path, link_to: str, inside: bool) -> None:
    for name in ("tree/real.yaml", "tree/sub/deep.yaml", "outside.yaml", "tree-sibling/x.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(OLD)
    link = tmp_path / "tree" / "link.yaml"
    link.symlink_to(tmp_path / link_to)
    targets, root = Targets(), (tmp_path / "tree").resolve()
    if inside:
        assert targets(link, root) == (tmp_path / link_to).resolve()
    else:
        with pytest.raises(WriteError, match="outside"):
            targets(link, root)


@pytest.mark.parametrize(
    ("link_to", "inside"),
    (
        pytest.param("tree/real", True, id="directory-in-tree"),
        pytest.param("elsewhere", False, id="directory-outside-tree"),
    ),
)
def test_targets_follow_directory_links(tmp_path: Path, link_to: str, inside: bool) -> None:
    """A linked directory is resolved (once per run) like a linked file."""
    for directory in ("tree/real", "elsewhere"):
        (tmp_path / directory).mkdir(parents=True)
        (tmp_path / directory / "k.yaml").write_bytes(OLD)
    (tmp_path / "tree" / "linked").symlink_to(tmp_path / link_to)
    targets, root = Targets(), (tmp_path / "tree").resolve()
    for name in ("k.yaml", "k.yaml"):  # the second from the run's cache
        if inside:
            assert (
                targets(tmp_path / "tree" / "linked" / name, root)
                == (tmp_path / link_to / name).resolve()
            )
        else:
            with pytest.raises(WriteError, match="outside"):
                targets(tmp_path / "tree" / "linked" / name, root)


def test_plain_file_is_its_own_target(tmp_path: Path, target: Path) -> None:
    assert Targets()(target, tmp_path.resolve()) == target.resolve()


def test_a_linked_root_holds_its_files(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "k.yaml").write_bytes(OLD)
    (tmp_path / "root").symlink_to(tmp_path / "real")
    assert (
        Targets()(tmp_path / "root" / "k.yaml", (tmp_path / "root").resolve())
        == (tmp_path / "real" / "k.yaml").resolve()
    )


@pytest.mark.parametrize("call", ("replace", "write"))
def test_a_failing_step_leaves_old_content_and_no_temp_file(
    target: Path, monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(f"linter.atomic.os.{call}", fail)
    with pytest.raises(WriteError, match="No space left on device"):
        write_atomic(target, NEW)
    assert target.read_bytes() == OLD
    assert _listing(target.parent) == ["k.yaml"]


def test_short_writes_are_continued(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """os.write may take part of the bytes (a signal, a full pipe of a FUSE file system)."""
    write = os.write
    monkeypatch.setattr("linter.atomic.os.write", lambda fd, data: write(fd, bytes(data[:7])))
    write_atomic(target, NEW)
    assert target.read_bytes() == NEW


def test_big_files_are_read_and_compared_whole(target: Path) -> None:
    big = b"# padding\n" * 300_000 + OLD
    target.write_bytes(big)
    with pytest.raises(WriteError, match="changed on disk"):
        write_atomic(target, NEW, expected=big[:-1])
    write_atomic(target, big + NEW, expected=big)
    assert target.read_bytes() == big + NEW


def test_waits_for_the_lock(target: Path) -> None:
    with target.open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        writer = threading.Thread(target=write_atomic, args=(target, NEW))
        writer.start()
        time.sleep(0.2)
        assert writer.is_alive()
        assert target.read_bytes() == OLD
        fcntl.flock(held, fcntl.LOCK_UN)
    writer.join(timeout=10)
    assert target.read_bytes() == NEW


def test_waiter_on_a_replaced_inode_sees_the_new_content(target: Path) -> None:
    """A process that waited on the old inode must not overwrite the newer file."""
    errors: list[WriteError] = []

    def late_writer() -> None:
        try:
            write_atomic(target, b"late\n", expected=OLD)
        except WriteError as error:
            errors.append(error)

    with target.open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        writer = threading.Thread(target=late_writer)
        writer.start()
        time.sleep(0.2)
        # What another fix process does while holding the lock: replace by rename.
        replacement = target.with_name("other")
        replacement.write_bytes(NEW)
        os.replace(replacement, target)
    writer.join(timeout=10)
    assert target.read_bytes() == NEW
    assert len(errors) == 1 and "changed on disk" in str(errors[0])


_KILL_AT = """
import os, signal, sys
from pathlib import Path
from linter import atomic

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

setattr(atomic.os, sys.argv[2], die)
atomic.write_atomic(Path(sys.argv[1]), b"new content\\n")
"""


@pytest.mark.parametrize(
    ("killed_in", "content"),
    (
        pytest.param("replace", OLD, id="before-rename"),
        pytest.param("fchmod", OLD, id="while-writing-temp"),
        pytest.param("fsync", OLD, id="during-fsync"),
    ),
)
def test_sigkill_mid_write_leaves_old_content(target: Path, killed_in: str, content: bytes) -> None:
    run = subprocess.run(
        [sys.executable, "-c", _KILL_AT, str(target), killed_in], cwd=REPO, capture_output=True
    )
    assert run.returncode == -signal.SIGKILL, run.stderr.decode()
    assert target.read_bytes() == content


def test_sigkill_after_rename_leaves_new_content(target: Path) -> None:
    # The directory fsync comes after the rename: dying there, the new file is in place.
    script = _KILL_AT.replace(
        "setattr(atomic.os, sys.argv[2], die)", "atomic._fsync_directory = die"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(target), "-"], cwd=REPO, capture_output=True
    )
    assert run.returncode == -signal.SIGKILL, run.stderr.decode()
    assert target.read_bytes() == b"new content\n"


_WRITE_FOREVER = """
import sys
from pathlib import Path
from linter.atomic import write_atomic

contents = [b"A" * 300_000 + b"\\n", b"B" * 500_000 + b"\\n"]
print("ready", flush=True)
for i in range(10**9):
    write_atomic(Path(sys.argv[1]), contents[i % 2])
"""


def test_random_sigkill_never_leaves_a_mix(target: Path) -> None:
    contents = {b"A" * 300_000 + b"\n", b"B" * 500_000 + b"\n"}
    target.write_bytes(b"A" * 300_000 + b"\n")
    for delay in (0.05, 0.11, 0.17, 0.23, 0.31):
        process = subprocess.Popen(
            [sys.executable, "-c", _WRITE_FOREVER, str(target)], cwd=REPO, stdout=subprocess.PIPE
        )
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert target.read_bytes() in contents


def test_directory_sync_left_to_the_caller(tmp_path: Path) -> None:
    files = [tmp_path / "a" / "x.yaml", tmp_path / "b" / "y.yaml"]
    for path in files:
        path.parent.mkdir()
        path.write_bytes(b"old\n")
    for path in files:
        write_atomic(path, b"new\n", expected=b"old\n", sync_directory=False)
    sync_directories([*files, tmp_path / "gone" / "z.yaml"])  # a vanished directory is no error
    assert [p.read_bytes() for p in files] == [b"new\n", b"new\n"]
