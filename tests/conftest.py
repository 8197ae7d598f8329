"""Shared fixtures: real registries on loopback (see tests/registry_server.py).

Session-scoped, started on first use, stopped at the end of the session:

* ``plain_registry``: HTTP, no auth.
* ``basic_tls_registry``: HTTPS (throw-away CA in ``.ca_file``) + htpasswd Basic auth
  (``.username`` / ``.password``).
* ``token_registry``: HTTP + Bearer tokens from ``.token_server`` (its ``.requests``
  log every token request). Anonymous pulls work outside ``private/``.

All three serve the same storage, pre-filled with ``registry_catalog``
(``{"app/multi:1.0": Image, ...}``: Docker and OCI single images, an OCI index and a
Docker list with amd64 + arm64 + arm/v7, ``library/nginx:1.27``, ``private/app:1.0``).
Push more with ``registry.push(repo, tag, build_image(seed))``; use unique repository
names per test, since the storage is shared for the whole session.

To reach a registry from imagepin in-process, use ``registry_env`` (an isolated
environment: empty Docker/Podman config, cache in a temp dir), or ``registry_login``
(the same, logged in to the Basic and token registries and trusting the test CA;
subprocesses inherit it). For a subprocess with its own environment,
``registry.client_env(tmp_path / "docker")`` gives DOCKER_CONFIG and SSL_CERT_FILE.

Without ``docker-registry`` (Debian package ``docker-registry``) these fixtures fail
with a clear message, or skip when ``IMAGEPIN_SKIP_REGISTRY_TESTS=1``.

Under ``CI=true`` the run stops before any test when ``../shared`` is incomplete
(tests/shared_data.py says what the suite reads from it), or when
``IMAGEPIN_UPDATE_GOLDEN`` asks to rewrite the snapshots instead of checking them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hook_repository import HookRepository
from hostile_server import HostileRegistry
from registry_server import (
    Image,
    Registry,
    RegistryFarm,
    RegistryUnavailable,
    push_catalog,
    standard_catalog,
    write_docker_config,
)
from report_factory import UPDATE_GOLDEN
from shared_data import missing, refusal, under_ci

SKIP_VARIABLE = "IMAGEPIN_SKIP_REGISTRY_TESTS"
#: A test's ``record_property``; a property named SHARE_PROPERTY is shown at the end of
#: every run (the share of a property test's examples that did what it exists to do).
RecordProperty = Callable[[str, object], None]
SHARE_PROPERTY = "share"


def pytest_configure(config: pytest.Config) -> None:
    if not under_ci():
        return
    if absent := missing():
        raise pytest.UsageError(refusal(absent))
    if os.environ.get(UPDATE_GOLDEN):
        raise pytest.UsageError(
            f"CI=true and {UPDATE_GOLDEN} is set: under CI the golden files are checked, "
            f"never rewritten. Regenerate them locally, review the diff and record the "
            f"review in tests/fixtures/SOURCES.md."
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The shares the property tests measured (tests/test_properties.py), passed or not:
    the run says how much of the generated input exercised what it claims to."""
    shares = [
        f"{report.nodeid}: {value}"
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if report.when == "call"
        for name, value in report.user_properties
        if name == SHARE_PROPERTY
    ]
    if shares:
        terminalreporter.section("property tests: share of examples")
        for line in sorted(shares):
            terminalreporter.line(line)


def _unavailable(reason: str) -> None:
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"{reason} ({SKIP_VARIABLE}=1)")
    pytest.fail(
        f"{reason}: install it (apt-get install docker-registry apache2-utils skopeo) "
        f"or set {SKIP_VARIABLE}=1 to skip the registry tests",
        pytrace=False,
    )


@pytest.fixture
def host_machine(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Makes this machine's architecture (``os.uname().machine``) the one a test names."""

    def set_machine(name: str) -> None:
        uname = os.uname_result(("Linux", "host", "6.1", "#1", name))
        monkeypatch.setattr("os.uname", lambda: uname)

    return set_machine


@pytest.fixture(scope="session")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> HookRepository:
    """This checkout's hooks under pre-commit, their environment built once per test
    process (tests/hook_repository.py)."""
    if shutil.which("git") is None:
        pytest.fail("git is needed for the pre-commit tests")
    return HookRepository(tmp_path_factory.mktemp("hook-repository"))


@pytest.fixture(scope="session")
def skopeo() -> str:
    """Debian's ``skopeo`` (``make test`` installs it as root): what ``inspect --format
    skopeo``, ``--raw`` and ``--config-blob`` are compared with."""
    path = shutil.which("skopeo")
    if path is None:
        _unavailable("skopeo is not installed")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def registry_farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryFarm]:
    if shutil.which("docker-registry") is None:
        _unavailable("docker-registry is not installed")
    try:
        farm = RegistryFarm(tmp_path_factory.mktemp("registries"))
    except RegistryUnavailable as exc:
        _unavailable(str(exc))
    try:
        yield farm
    finally:
        farm.close()


@pytest.fixture(scope="session")
def registry_catalog(registry_farm: RegistryFarm) -> dict[str, Image]:
    catalog = standard_catalog()
    push_catalog(registry_farm.pusher, catalog)
    return catalog


def _setup(farm: RegistryFarm, kind: str) -> Registry:
    try:
        return {"plain": farm.plain, "basic-tls": farm.basic_tls, "token": farm.token}[kind]()
    except RegistryUnavailable as exc:
        _unavailable(str(exc))
        raise


@pytest.fixture(scope="session")
def plain_registry(registry_farm: RegistryFarm, registry_catalog: dict[str, Image]) -> Registry:
    return _setup(registry_farm, "plain")


@pytest.fixture(scope="session")
def basic_tls_registry(registry_farm: RegistryFarm, registry_catalog: dict[str, Image]) -> Registry:
    return _setup(registry_farm, "basic-tls")


@pytest.fixture(scope="session")
def token_registry(registry_farm: RegistryFarm, registry_catalog: dict[str, Image]) -> Registry:
    return _setup(registry_farm, "token")


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileRegistry]:
    """A registry that misbehaves on purpose (tests/hostile_server.py), for one module."""
    server = HostileRegistry.start()
    yield server
    server.stop()


@dataclass(frozen=True)
class RegistryEnv:
    """Where the isolated environment points: write credentials into these."""

    docker_config: Path
    auth_file: Path
    cache: Path


@pytest.fixture
def registry_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RegistryEnv:
    """No credentials, CA or cache from the machine: everything under ``tmp_path``."""
    env = RegistryEnv(tmp_path / "docker", tmp_path / "containers-auth.json", tmp_path / "cache")
    env.docker_config.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(env.docker_config))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(env.cache))
    for name in ("REGISTRY_AUTH_FILE", "DOCKER_AUTH_CONFIG", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    return env


@pytest.fixture
def registry_login(
    registry_env: RegistryEnv,
    monkeypatch: pytest.MonkeyPatch,
    basic_tls_registry: Registry,
    token_registry: Registry,
) -> RegistryEnv:
    """``registry_env`` logged in to the Basic and token registries, trusting the test CA."""
    write_docker_config(registry_env.docker_config, [basic_tls_registry, token_registry])
    assert basic_tls_registry.ca_file is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(basic_tls_registry.ca_file))
    return registry_env
