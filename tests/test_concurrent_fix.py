"""Nothing lost: ``imagepin fix`` processes racing on one tree, or killed at any moment.

Each fix runs as its own process (as two pre-commit hooks would) against a fake
registry that answers after a random pause, so their reads and writes interleave.
Whatever happens, every file holds its old bytes or its fixed bytes, with its
mode, line endings and final newline as they were; read-only files are reported
and left alone. tests/test_atomic.py checks the same promises at the level of one
atomic write; here they are checked end to end.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHANGED = "changed on disk since it was read; not written"
READ_ONLY = "file is read-only; not written"
POD = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: app\n    image: {image}\n"

#: ``fix`` with a registry that answers after up to ``argv[1]`` seconds, pausing ``argv[2]``
#: seconds before writing each file (saying so on stderr); the other arguments are the files.
FIX = """
import hashlib, random, sys, time
from linter import atomic, registry
from linter.cli import main
from linter.model import Resolution
from linter.registry import RunStats

answer_pause, write_pause = float(sys.argv[1]), float(sys.argv[2])
write = atomic.write_atomic

def answer(refs, options, on_answer=None):
    time.sleep(random.uniform(0, answer_pause))
    digests = {ref: "sha256:" + hashlib.sha256(str(ref).encode()).hexdigest() for ref in refs}
    return {ref: Resolution(ref, digest=digest) for ref, digest in digests.items()}, RunStats()

def slow_write(*args, **kwargs):
    print("writing", file=sys.stderr, flush=True)
    time.sleep(write_pause)
    write(*args, **kwargs)

registry.resolve_with_stats = answer
atomic.write_atomic = slow_write
sys.exit(main(["fix", "--no-cache", "--format", "json", *sys.argv[3:]]))
"""


@dataclass(frozen=True)
class Variant:
    name: str
    mode: int
    eol: str = "\n"
    final_newline: bool = True
    bom: bool = False

    def render(self, image: str) -> bytes:
        text = POD.format(image=image).replace("\n", self.eol)
        if not self.final_newline:
            text = text[: -len(self.eol)]
        return (codecs.BOM_UTF8 if self.bom else b"") + text.encode()


VARIANTS = [
    Variant("plain.yaml", 0o644),
    Variant("no-final-newline.yaml", 0o644, final_newline=False),
    Variant("crlf.yaml", 0o644, eol="\r\n"),
    Variant("crlf-no-final-newline.yaml", 0o644, eol="\r\n", final_newline=False),
    Variant("bom.yaml", 0o644, bom=True),
    Variant("private.yaml", 0o600),
    Variant("group.yaml", 0o640),
    Variant("executable.yaml", 0o755),
    Variant("read-only.yaml", 0o444),
    *(Variant(f"app-{index:02}.yaml", 0o644) for index in range(24)),
]


def image_of(variant: Variant) -> str:
    return f"registry.example/{variant.name.removesuffix('.yaml')}:1.0"


def fixed_image(variant: Variant) -> str:
    image = image_of(variant)
    return f"{image}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


def make_tree(root: Path) -> None:
    for variant in VARIANTS:
        path = root / variant.name
        path.write_bytes(variant.render(image_of(variant)))
        path.chmod(variant.mode)


def start_fix(
    root: Path, names: list[str], *, answer_pause: float = 0, write_pause: float = 0
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", FIX, str(answer_pause), str(write_pause), *names],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def assert_old_or_fixed(root: Path, *, allow_old: bool) -> None:
    for variant in VARIANTS:
        path = root / variant.name
        old, new = variant.render(image_of(variant)), variant.render(fixed_image(variant))
        content = path.read_bytes()
        if variant.mode == 0o444:
            assert content == old, f"{variant.name}: a read-only file was written"
        else:
            assert content in ((old, new) if allow_old else (new,)), variant.name
        assert path.stat().st_mode & 0o777 == variant.mode, variant.name
    # No temporary file is left behind by a finished run.
    assert sorted(p.name for p in root.iterdir()) == sorted(v.name for v in VARIANTS)


def test_fix_keeps_modes_line_endings_and_final_newlines(tmp_path: Path) -> None:
    make_tree(tmp_path)
    process = start_fix(tmp_path, [v.name for v in VARIANTS])
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, err.decode()
    assert_old_or_fixed(tmp_path, allow_old=False)
    errors = json.loads(out)["errors"]
    assert [(e["path"], e["message"].endswith(READ_ONLY)) for e in errors] == [
        ("read-only.yaml", True)
    ]


def test_two_fix_processes_on_one_tree(tmp_path: Path) -> None:
    names = [v.name for v in VARIANTS]
    refused = 0
    for round_ in range(4):
        tree = tmp_path / str(round_)
        tree.mkdir()
        make_tree(tree)
        # Two hooks, one given the files in the other order; their writes interleave.
        processes = [
            start_fix(tree, names, answer_pause=0.3),
            start_fix(tree, names[::-1], answer_pause=0.3),
        ]
        for process in processes:
            out, err = process.communicate(timeout=60)
            assert process.returncode == 1, err.decode()
            for error in json.loads(out)["errors"]:
                # The loser of a race says so; nothing else may go wrong.
                assert error["message"].endswith((CHANGED, READ_ONLY)), error
                refused += error["message"].endswith(CHANGED)
        assert_old_or_fixed(tree, allow_old=False)
    assert refused, "the two processes never raced"


def test_a_fix_killed_at_any_moment_leaves_old_or_new_content(tmp_path: Path) -> None:
    names = [v.name for v in VARIANTS]
    halfway = 0
    for step in range(12):
        tree = tmp_path / str(step)
        tree.mkdir()
        make_tree(tree)
        # About 10 ms per file: counted from the first write, the kills land all along.
        process = start_fix(tree, names, write_pause=0.01)
        assert process.stderr is not None and process.stderr.readline() == b"writing\n"
        time.sleep(step * 0.03)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        leftovers = [p for p in tree.iterdir() if p.name not in names]
        # A kill between creating the temporary file and renaming it leaves the former.
        assert all(p.name.endswith(".imagepin-tmp") for p in leftovers), leftovers
        for leftover in leftovers:
            leftover.unlink()
        assert_old_or_fixed(tree, allow_old=True)
        fixed = sum((tree / v.name).read_bytes() == v.render(fixed_image(v)) for v in VARIANTS)
        halfway += 0 < fixed < len(VARIANTS) - 1
    assert halfway, "no kill landed while the files were being written"
