"""Credentials: Docker ``config.json`` (and ``docker-credential-*`` helpers), Podman ``auth.json``.

Order (as go-containerregistry's default keychain): ``DOCKER_AUTH_CONFIG``, Docker's
config.json, then ``REGISTRY_AUTH_FILE`` or the XDG auth.json files. Within a file,
``credHelpers`` beats ``credsStore`` beats ``auths``; ``auths`` keys are matched most
specific first (``host/ns/repo``, ``host/ns``, ``host``), then legacy URL keys.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import re
import shutil
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linter import safe_read

#: The key Docker uses for Docker Hub in config.json and towards credential helpers.
HUB_KEY = "https://index.docker.io/v1/"
HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
TOKEN_USERNAME = "<token>"
_HELPER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class CredentialError(Exception):
    """A credential source is broken (a helper fails, a file is not JSON); no secret in the text."""


@dataclass(frozen=True)
class Credentials:
    """What to authenticate with; secrets are kept out of ``repr``."""

    username: str = ""
    password: str = field(default="", repr=False)
    #: An OAuth2 refresh token (``identitytoken``): exchanged by POST to the realm.
    identity_token: str = field(default="", repr=False)
    #: A bearer token sent to the registry as is (``registrytoken``).
    registry_token: str = field(default="", repr=False)
    #: Where they came from, for messages.
    source: str = ""

    @property
    def anonymous(self) -> bool:
        return not (self.password or self.identity_token or self.registry_token)

    @property
    def has_basic(self) -> bool:
        return bool(self.username and self.password and self.username != TOKEN_USERNAME)


ANONYMOUS = Credentials()
HelperRunner = Callable[[str, str], Awaitable["Credentials | None"]]


@dataclass(frozen=True)
class _Source:
    path: str
    document: Mapping[str, Any]
    #: Docker's files only: credHelpers/credsStore apply.
    docker: bool


def _is_hub(host: str) -> bool:
    return host in HUB_HOSTS


def server_key(host: str) -> str:
    """The key Docker stores and sends to helpers for ``host``."""
    return HUB_KEY if _is_hub(host) else host


def _normalize_key(key: str) -> str:
    """``https://host/v1/`` -> ``host``; Hub aliases -> ``index.docker.io`` (containers/image)."""
    stripped = re.sub(r"^[a-z]+://", "", key.strip()).split("/", 1)[0]
    return "index.docker.io" if _is_hub(stripped) else stripped


def _decode(entry: Any, source: str) -> Credentials | None:
    if not isinstance(entry, dict):
        return None
    username, password = str(entry.get("username") or ""), str(entry.get("password") or "")
    auth = entry.get("auth")
    if isinstance(auth, str) and auth:
        try:
            username, sep, password = base64.b64decode(auth, validate=False).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise CredentialError(
                f"{source}: an 'auth' value is not base64 'user:password'"
            ) from None
        if not sep:
            raise CredentialError(f"{source}: an 'auth' value is not base64 'user:password'")
    found = Credentials(
        username=username,
        password=password,
        identity_token=str(entry.get("identitytoken") or ""),
        registry_token=str(entry.get("registrytoken") or ""),
        source=source,
    )
    return None if found.anonymous else found


def _auths_candidates(host: str, path: str) -> Iterator[str]:
    """``auths`` keys for host/path, most specific first (containers-auth.json(5))."""
    hosts = ("docker.io", "index.docker.io", "registry-1.docker.io") if _is_hub(host) else (host,)
    parts = path.split("/") if path else []
    for end in range(len(parts), 0, -1):
        for name in hosts:
            yield f"{name}/{'/'.join(parts[:end])}"
    yield from hosts


def default_files(environ: Mapping[str, str]) -> tuple[tuple[Path, bool], ...]:
    """Credential files to read, in order, each flagged True when it is a Docker config."""
    home = Path(environ.get("HOME") or Path.home())
    docker_dir = (
        Path(environ["DOCKER_CONFIG"]) if environ.get("DOCKER_CONFIG") else home / ".docker"
    )
    files = [(docker_dir / "config.json", True)]
    if environ.get("REGISTRY_AUTH_FILE"):
        files.append((Path(environ["REGISTRY_AUTH_FILE"]), False))
        return tuple(files)
    runtime = environ.get("XDG_RUNTIME_DIR")
    runtime_dir = (
        Path(runtime) / "containers" if runtime else Path(f"/run/containers/{os.getuid()}")
    )
    files.append((runtime_dir / "auth.json", False))
    config_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    files.append((config_home / "containers" / "auth.json", False))
    return tuple(files)


async def run_helper(helper: str, key: str, timeout: float = 10.0) -> Credentials | None:
    """``docker-credential-<helper> get`` with ``key`` on stdin; None when it has nothing for it.

    No shell is involved, and neither the helper's output nor its stderr reach any message.
    """
    if not _HELPER_NAME.fullmatch(helper):
        raise CredentialError(f"invalid credential helper name {helper!r}")
    program = f"docker-credential-{helper}"
    executable = shutil.which(program)
    if executable is None:
        raise CredentialError(f"credential helper {program} is not on PATH")
    process = await asyncio.create_subprocess_exec(
        executable,
        "get",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(key.encode()), timeout)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()
        raise CredentialError(f"credential helper {program} timed out after {timeout:g}s") from None
    if process.returncode != 0:
        if b"credentials not found" in (out + err).lower():
            return None
        raise CredentialError(f"credential helper {program} failed (exit {process.returncode})")
    try:
        answer = json.loads(out)
        username, secret = str(answer.get("Username") or ""), str(answer.get("Secret") or "")
    except (ValueError, AttributeError):
        raise CredentialError(f"credential helper {program} printed something not JSON") from None
    if username == TOKEN_USERNAME:
        return Credentials(username=username, identity_token=secret, source=program)
    return Credentials(username=username, password=secret, source=program) if secret else None


class CredentialStore:
    """Looks credentials up once per (host, repository) and runs each helper once per key."""

    def __init__(
        self, environ: Mapping[str, str] | None = None, helper: HelperRunner = run_helper
    ) -> None:
        self._environ = dict(os.environ if environ is None else environ)
        self._helper = helper
        self._sources: tuple[_Source, ...] | None = None
        self._helper_calls: dict[tuple[str, str], asyncio.Task[Credentials | None]] = {}

    def _load(self) -> tuple[_Source, ...]:
        if self._sources is None:
            sources = []
            inline = self._environ.get("DOCKER_AUTH_CONFIG")
            if inline:
                sources.append(
                    _Source("DOCKER_AUTH_CONFIG", _json(inline, "DOCKER_AUTH_CONFIG"), True)
                )
            for path, docker in default_files(self._environ):
                try:
                    text = safe_read.read_text(path)
                except safe_read.ReadError as exc:
                    if exc.missing:
                        continue
                    raise CredentialError(f"{path}: cannot read: {exc}") from None
                sources.append(_Source(str(path), _json(text, str(path)), docker))
            self._sources = tuple(sources)
        return self._sources

    async def lookup(self, host: str, path: str = "") -> Credentials:
        """Credentials for repository ``path`` on ``host`` (``host[:port]``); ANONYMOUS if none."""
        for source in self._load():
            found = await self._from_source(source, host, path)
            if found is not None:
                return found
        return ANONYMOUS

    async def _from_source(self, source: _Source, host: str, path: str) -> Credentials | None:
        document = source.document
        if source.docker:
            helpers = document.get("credHelpers")
            if isinstance(helpers, dict):
                for alias in sorted(HUB_HOSTS | {HUB_KEY}) if _is_hub(host) else (host,):
                    if isinstance(helpers.get(alias), str):
                        return await self._call_helper(helpers[alias], server_key(host))
            store = document.get("credsStore")
            if isinstance(store, str) and store:
                return await self._call_helper(store, server_key(host))
        auths = document.get("auths")
        if not isinstance(auths, dict):
            return None
        for key in _auths_candidates(host, path):
            if key in auths:
                found = _decode(auths[key], source.path)
                if found is not None:
                    return found
        wanted = _normalize_key(host)
        for key, entry in auths.items():
            if "://" in key and _normalize_key(key) == wanted:
                found = _decode(entry, source.path)
                if found is not None:
                    return found
        return None

    async def _call_helper(self, helper: str, key: str) -> Credentials | None:
        task = self._helper_calls.get((helper, key))
        if task is None:
            task = asyncio.ensure_future(self._helper(helper, key))
            self._helper_calls[(helper, key)] = task
        return await asyncio.shield(task)


def _json(text: str, where: str) -> Mapping[str, Any]:
    try:
        document = json.loads(text)
    except ValueError:
        raise CredentialError(f"{where}: not valid JSON") from None
    if not isinstance(document, dict):
        raise CredentialError(f"{where}: not a JSON object")
    return document
