"""A one-image check, or fix, makes no dataclass of ours and compiles no source of ours.

On Python 3.11 a dataclass writes its methods as source and compiles them each time
the program starts (~3.9 M instructions a class), and a one-image check is nearly
all start-up: its records are ``linter.records.Record``s or plain classes
(docs/decisions.md). The command runs in a fresh interpreter against the token
registry, cache cold, with ``dataclasses``' class maker wrapped to name each class it
makes, and every compile heard (tests/compiles.py); those of the libraries under httpx
(h11's events) are theirs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from compiles import RECORDER
from manifests import pod
from registry_server import Registry

RECORDING = (
    RECORDER
    + """\
import dataclasses, sys
made = []
make = dataclasses._process_class
def recorded(cls, *args, **kwargs):
    made.append(f"{cls.__module__}.{cls.__qualname__}")
    return make(cls, *args, **kwargs)
dataclasses._process_class = recorded
from linter.cli import main
code = main([sys.argv[1], "--color", "never", "pod.yaml"])
print(code, sorted(name for name in made if name.split(".")[0] == "linter"))
print(ours())
"""
)


@pytest.mark.parametrize("command", ["check", "fix"])
def test_a_one_image_run_makes_no_dataclass_and_compiles_nothing_of_ours(
    registry_env: object, token_registry: Registry, tmp_path: Path, command: str
) -> None:
    image = f"{token_registry.host}/library/nginx:1.27"
    (tmp_path / "pod.yaml").write_text(pod(image))
    result = subprocess.run(
        [sys.executable, "-c", RECORDING, command], cwd=tmp_path, capture_output=True, text=True
    )
    *output, dataclasses, compiled = result.stdout.splitlines()
    said = "\n".join(output) + (tmp_path / "pod.yaml").read_text()
    assert f"{image}@sha256:" in said, result.stdout + result.stderr
    assert dataclasses == "1 []"
    assert compiled == "[]"
