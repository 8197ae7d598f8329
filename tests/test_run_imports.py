"""A resolution run attempts no import that fails, once the modules it needs are loaded.

A failed import is not free: the import system walks every entry of ``sys.path`` before
it gives up, on every attempt. httpcore asks ``import sniffio`` each time it creates a
lock; when sniffio was missing (anyio 4.16 stopped pulling it in), that was some 2,000
failed imports, about a second of CPU, in a run over 200 images. A finder first on
``sys.meta_path`` sees every import that is not already in ``sys.modules`` and records
those no other finder can find. The run goes once to load what it needs (a one-time
failed probe at import, such as httpx's look for brotli, is start-up), then again
counted, over plain HTTP with tokens and over TLS with Basic auth, cache cold.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import ModuleType

from registry_server import Registry

from linter.reference import parse
from linter.registry import RegistryOptions, resolve_with_stats


class FailedImports(importlib.abc.MetaPathFinder):
    """Records each import that no other finder on ``sys.meta_path`` can find."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            if find(fullname, path, target) is not None:
                return None  # found: the import system asks that finder itself
        self.failed.append(fullname)
        return None


@contextmanager
def counting() -> Iterator[FailedImports]:
    finder = FailedImports()
    sys.meta_path.insert(0, finder)
    try:
        yield finder
    finally:
        sys.meta_path.remove(finder)


def test_the_finder_sees_a_failed_import() -> None:
    with counting() as finder:
        with suppress(ImportError):
            import imagepin_no_such_module  # type: ignore[import-not-found]  # noqa: F401
        import json  # noqa: F401  (already loaded: never reaches a finder)
    assert finder.failed == ["imagepin_no_such_module"]


def test_a_resolution_run_attempts_no_failed_import(
    registry_login: object, token_registry: Registry, basic_tls_registry: Registry, tmp_path: Path
) -> None:
    refs = [parse(f"{r.host}/library/nginx:1.27") for r in (token_registry, basic_tls_registry)]

    def run(cache: str) -> None:
        options = RegistryOptions(cache_dir=tmp_path / cache)
        answers, stats = resolve_with_stats(refs, options)
        assert all(answer.digest for answer in answers.values()), answers
        assert stats.requests >= len(refs)

    run("warm-up")
    with counting() as finder:
        run("counted")
    assert finder.failed == []


RERUN = """\
import json, sys
from linter.cli import main
code = main(["fix", "--color", "never", "pod.yaml"])
heavy = ("asyncio", "httpx", "httpcore", "h11", "rich", "concurrent.futures")
loaded = [m for m in heavy if m in sys.modules]
print(json.dumps([code, loaded]))
"""


def test_a_rerun_answered_by_the_cache_loads_no_http_stack(
    registry_env: object, token_registry: Registry, tmp_path: Path
) -> None:
    """``fix`` again on files it pinned: every answer is in the cache, nothing goes to the
    network, and neither asyncio nor httpx (nor httpcore, h11) nor rich is loaded: the
    cache answers each reference before the event loop would start
    (linter/registry/resolution/cached.py). Nor is a worker thread started for the files:
    with every answer in, nothing is awaited that their work could overlap."""
    import json
    import subprocess

    image = token_registry.ref("app/oci", "1.0")
    (tmp_path / "pod.yaml").write_text(
        f"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: {image}\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", RERUN], cwd=tmp_path, capture_output=True, text=True)
        for _ in range(2)
    ]
    (cold_code, cold_loaded), (code, loaded) = (json.loads(r.stdout.splitlines()[-1]) for r in runs)
    assert (cold_code, "httpx" in cold_loaded) == (1, True), runs[0].stderr  # 1: it wrote
    assert "@sha256:" in (tmp_path / "pod.yaml").read_text()
    assert (code, loaded) == (0, []), runs[1].stderr
