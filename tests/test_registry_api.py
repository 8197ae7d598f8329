"""The public API of linter.registry: options, the cache directory, the sync entry points."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from linter.config import Config, ConfigError
from linter.model import ErrorKind
from linter.reference import parse
from linter.registry import (
    RegistryOptions,
    RunStats,
    default_cache_dir,
    resolve_sync,
    resolve_with_stats,
)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"XDG_CACHE_HOME": "/x/cache"}, Path("/x/cache/imagepin")),
        ({"XDG_CACHE_HOME": "", "HOME": "/home/u"}, Path("/home/u/.cache/imagepin")),
        ({"HOME": "/home/u"}, Path("/home/u/.cache/imagepin")),
    ],
)
def test_default_cache_dir(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], expected: Path
) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert default_cache_dir() == expected


def test_from_config_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "/c")
    options = RegistryOptions.from_config(Config())
    assert options == RegistryOptions(cache_dir=Path("/c/imagepin"))


def test_from_config_values_and_overrides() -> None:
    config = Config(
        platform="linux/arm64",
        concurrency=8,
        cache_ttl=60,
        insecure_registries=("lan.example:5000",),
        mirrors={"docker.io": ("mirror.example:5000",)},
        required_platforms=("linux/amd64",),
    )
    options = RegistryOptions.from_config(config, cache_dir="/tmp/c")
    assert options == RegistryOptions(
        platform="linux/arm64",
        concurrency=8,
        per_registry=8,
        insecure=("lan.example:5000",),
        mirrors={"docker.io": ("mirror.example:5000",)},
        cache_dir=Path("/tmp/c"),
        cache_ttl=60,
        need_platforms=True,
    )
    overridden = RegistryOptions.from_config(
        config,
        no_cache=True,
        cache_dir="/ignored",
        insecure=("other.example", "lan.example:5000"),
        platform="linux/arm/v7",
        concurrency=64,
    )
    assert overridden.cache_dir is None
    assert overridden.insecure == ("lan.example:5000", "other.example")
    assert overridden.platform == "linux/arm/v7"
    assert (overridden.concurrency, overridden.per_registry) == (64, 16)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"platform": "linux"}, "invalid platform 'linux'"),
        ({"platform": "a/b/c/d"}, "expected OS/ARCH"),
        ({"concurrency": 0}, "--concurrency must be at least 1"),
    ],
)
def test_from_config_rejects(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RegistryOptions.from_config(Config(), **kwargs)  # type: ignore[arg-type]


def test_nothing_to_resolve() -> None:
    answers, stats = resolve_with_stats([], RegistryOptions())
    assert answers == {}
    assert (stats.requests, stats.token_requests, stats.cache_hits) == (0, 0, 0)
    assert stats.registries_failed == {}


def test_never_raises_for_an_unreachable_registry() -> None:
    # Port 9 on loopback: nothing listens there (discard), the connection is refused.
    ref = parse("127.0.0.1:9/app:1")
    answers = resolve_sync([ref, ref], RegistryOptions(timeout=2, deadline=20))
    assert list(answers) == [ref]
    error = answers[ref].error
    assert error is not None and error.kind is ErrorKind.UNREACHABLE
    assert error.registry == "127.0.0.1:9"


@pytest.mark.parametrize(
    ("kind", "recorded"),
    [
        (ErrorKind.UNREACHABLE, True),
        (ErrorKind.AUTH, True),
        (ErrorKind.NOT_FOUND, False),
        (ErrorKind.INVALID, False),
    ],
)
def test_run_stats_record_registry_failures(kind: ErrorKind, recorded: bool) -> None:
    stats = RunStats()
    stats.record_failure(kind, "r.example", "first")
    stats.record_failure(kind, "r.example", "second")
    assert stats.registries_failed == ({"r.example": "first"} if recorded else {})


def test_importing_the_api_does_not_import_httpx() -> None:
    """The offline check path imports linter.registry; httpx loads only for a run."""
    code = "import sys, linter.registry; print('httpx' in sys.modules, 'rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
