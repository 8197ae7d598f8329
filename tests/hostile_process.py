"""Run ``imagepin`` the way a hostile input meets it: a real process, bounded.

The process gets an address-space limit (``resource.setrlimit(RLIMIT_AS)``, set in
the child before it runs) and a time limit: an input that makes it allocate past
2 GiB dies with a MemoryError (a traceback on stderr), one that makes it hang is
killed at the timeout. Either fails the test with what the process printed. The
limits are hang and runaway protection, not performance thresholds.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: No process over 2 GiB (issue 15's bound), no hang over 30 s.
MEMORY_LIMIT = 2 * 1024 * 1024 * 1024
TIMEOUT = 30.0


@dataclass(frozen=True)
class Finished:
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err


def limit_memory() -> None:
    """The address-space limit, for a child about to run (``preexec_fn``)."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_imagepin(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = TIMEOUT,
) -> Finished:
    """``imagepin ARGS`` in ``cwd`` under the limits; never a traceback or an internal error.

    ``env`` is added to an environment without the machine's credentials, CA files,
    proxies or cache (HOME and the XDG directories point into ``cwd``'s parent).
    """
    home = cwd.parent / "home"
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DOCKER_", "REGISTRY_AUTH", "SSL_CERT", "GITHUB_", "XDG_"))
        and key.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    }
    base |= {
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "NO_COLOR": "1",
    }
    try:
        process = subprocess.run(
            [sys.executable, "-m", "linter", *args],
            cwd=cwd,
            env={**base, **(env or {})},
            input=None if stdin is None else stdin.encode(),
            capture_output=True,
            timeout=timeout,
            preexec_fn=limit_memory,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"imagepin {' '.join(args)} still running after {timeout:g}s") from exc
    # Decoded by hand: text mode would turn a diff's CRLF lines into LF ones.
    out, err = (
        data.decode("utf-8", "surrogateescape") for data in (process.stdout, process.stderr)
    )
    finished = Finished(process.returncode, out, err)
    assert "Traceback" not in finished.err, finished.err
    assert "internal error" not in finished.err, finished.err
    assert finished.code in (0, 1, 2), finished
    return finished
