"""What the benchmark ran on, in a few Markdown lines."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ("ruamel.yaml", "ruamel.yaml.clib", "httpx", "httpcore", "h2", "PyYAML")


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


def describe() -> str:
    memory = _field("/proc/meminfo", "MemTotal", ":")
    gib = f"{int(memory.split()[0]) / 1024**2:.1f} GiB RAM" if memory else "RAM unknown"
    system = _field("/etc/os-release", "PRETTY_NAME", "=") or platform.system()
    cpu = _field("/proc/cpuinfo", "model name", ":") or platform.processor() or "unknown CPU"
    lines = [
        f"- {cpu}, {os.cpu_count()} cores, {gib}; {system}, Linux {platform.release()}",
        f"- Python {platform.python_version()}; " + ", ".join(_package(p) for p in PACKAGES),
        f"- {_version('skopeo', '--version')}; {_version('docker-registry', '--version')}",
    ]
    return "\n".join(lines)
