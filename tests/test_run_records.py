"""A one-image check, or fix, makes no dataclass of ours.

On Python 3.11 a dataclass writes its methods as source and compiles them each time
the program starts (~3.9 M instructions a class), and a one-image check is nearly
all start-up: its records are NamedTuples or plain classes (docs/decisions.md), and
their modules do not postpone annotations (a NamedTuple compiles each one it is given
as a string). The command runs in a fresh interpreter against the token registry,
cache cold, with ``dataclasses``' class maker wrapped to name each class it makes; those of
the libraries under httpx (h11's events) are theirs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from manifests import pod
from registry_server import Registry

RECORDING = """\
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
import typing
print(sorted(
    f"{name}.{key}"
    for name, module in list(sys.modules.items()) if name.split(".")[0] == "linter"
    for key, value in vars(module).items()
    if isinstance(value, type) and hasattr(value, "_fields")
    and any(isinstance(a, typing.ForwardRef) for a in value.__annotations__.values())
))
"""


@pytest.mark.parametrize("command", ["check", "fix"])
def test_a_one_image_run_makes_no_dataclass_of_ours(
    registry_env: object, token_registry: Registry, tmp_path: Path, command: str
) -> None:
    image = f"{token_registry.host}/library/nginx:1.27"
    (tmp_path / "pod.yaml").write_text(pod(image))
    result = subprocess.run(
        [sys.executable, "-c", RECORDING, command], cwd=tmp_path, capture_output=True, text=True
    )
    *output, dataclasses, postponed = result.stdout.splitlines()
    said = "\n".join(output) + (tmp_path / "pod.yaml").read_text()
    assert f"{image}@sha256:" in said, result.stdout + result.stderr
    assert dataclasses == "1 []"
    assert postponed == "[]"
