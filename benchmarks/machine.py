"""What the benchmark ran on, in a few Markdown lines."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The dependencies whose versions move the figures: the YAML parser, and the HTTP stack
#: (anyio 4.16 stopped pulling in sniffio, and httpcore looked it up on every lock).
PACKAGES = (
    "ruamel.yaml",
    "ruamel.yaml.clib",
    "httpx",
    "httpcore",
    "h11",
    "h2",
    "anyio",
    "sniffio",
    "PyYAML",
)


def _field(path: str, name: str, separator: str) -> str | None:
    """The value of the first ``name<separator>value`` line of ``path``."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        key, found, value = line.partition(separator)
        if found and key.strip() == name:
            return value.strip().strip('"')
    return None


def _version(command: str, *arguments: str) -> str:
    if shutil.which(command) is None:
        return "not installed"
    result = subprocess.run([command, *arguments], capture_output=True, text=True, check=False)
    output = (result.stdout or result.stderr).strip().splitlines()
    return output[0] if result.returncode == 0 and output else "?"


def _package(name: str) -> str:
    try:
        return f"{name} {metadata.version(name)}"
    except metadata.PackageNotFoundError:
        return f"{name} (not installed)"


def _installed() -> str:
    """How imagepin is installed: an editable install runs a finder on every start-up."""
    # Not the checkout's own metadata (the benchmark runs from it): what the venv holds.
    paths = [p for p in sys.path if p and Path(p).resolve() != ROOT]
    found = next(iter(metadata.distributions(name="imagepin", path=paths)), None)
    if found is None:
        return "imagepin not installed (run from the checkout)"
    try:
        origin = json.loads(found.read_text("direct_url.json") or "{}")
    except ValueError:
        origin = {}
    editable = origin.get("dir_info", {}).get("editable", False)
    return f"imagepin {found.version}, {'an editable install' if editable else 'installed'}"


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load unknown"
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) at the start"


def describe() -> str:
    """The machine, the system, the versions that matter, the date and the load."""
    memory = _field("/proc/meminfo", "MemTotal", ":")
    gib = f"{int(memory.split()[0]) / 1024**2:.1f} GiB RAM" if memory else "RAM unknown"
    system = _field("/etc/os-release", "PRETTY_NAME", "=") or platform.system()
    cpu = _field("/proc/cpuinfo", "model name", ":") or platform.processor() or "unknown CPU"
    lines = [
        f"- {cpu}, {os.cpu_count()} cores, {gib}; {system}, Linux {platform.release()}",
        f"- Python {platform.python_version()}; " + ", ".join(_package(p) for p in PACKAGES),
        f"- {_version('skopeo', '--version')}; {_version('docker-registry', '--version')}",
        f"- {_installed()}; {time.strftime('%Y-%m-%d %H:%M %Z')}; {_load()}",
    ]
    return "\n".join(lines)
