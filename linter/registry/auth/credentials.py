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
import os
import re
import shutil
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from linter import redact, safe_read, untrusted_json
from linter.records import Record, last_field_not_compared
from linter.registry.trace import CredentialsFound, Tracer

#: The key Docker uses for Docker Hub in config.json and towards credential helpers.
HUB_KEY = "https://index.docker.io/v1/"
HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
TOKEN_USERNAME = "<token>"
_HELPER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class CredentialError(Exception):
    """A credential source is broken (a helper fails, a file is not JSON); no secret in the text."""


@last_field_not_compared
class Credentials(Record):
    """What to authenticate with; secrets are kept out of ``repr``."""

    username: str = ""
    password: str = ""
    #: An OAuth2 refresh token (``identitytoken``): exchanged by POST to the realm.
    identity_token: str = ""
    #: A bearer token sent to the registry as is (``registrytoken``).
    registry_token: str = ""
    #: Where they came from, for messages: the file and its key, or the helper.
    source: str = ""
    #: For none found: where the lookup went ("looked in ~/.docker/config.json"); not
    #: compared.
    searched: str = ""

    def __repr__(self) -> str:
        return (
            f"Credentials(username={self.username!r}, source={self.source!r}, "
            f"searched={self.searched!r})"
        )

    @property
    def anonymous(self) -> bool:
        return not (self.password or self.identity_token or self.registry_token)

    def account(self, registry: str) -> str:
        """Whose credentials were used, for a message about ``registry``; never a value:
        "no credentials for ghcr.io (looked in …)" or "the credentials from FILE, KEY"."""
        if self.anonymous:
            return f"no credentials for {registry} ({self.searched or 'none looked up'})"
        return f"the credentials from {self.source}"

    @property
    def has_basic(self) -> bool:
        return bool(self.username and self.password and self.username != TOKEN_USERNAME)


ANONYMOUS = Credentials()
HelperRunner = Callable[[str, str], Awaitable["Credentials | None"]]


class _Source(Record):
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


#: The fields of an ``auths`` entry that hold secrets.
SECRET_FIELDS = ("password", "auth", "identitytoken", "registrytoken")
#: Longer than any real token (a Docker Hub JWT is ~2 KB; proxies refuse 8 KB header lines).
MAX_SECRET = 16 * 1024
#: C0 and C1 controls and DEL: searched, not looped over in Python (every token sent is
#: checked, ~1,200 characters each).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def unusable(value: str, *, header: bool) -> str | None:
    """Why ``value`` (a secret) cannot be sent, in words that never quote it; None when it can.

    ``header``: it goes as is into an ``Authorization`` header (a registry token, a
    token server's token), which takes visible ASCII only. Anything else is encoded
    on its way (Basic's base64, a form body), but a control character is a mistake
    there too (a password pasted with its line break) that would only earn a 401.
    """
    if len(value) > MAX_SECRET:
        return f"is {len(value)} characters long (the limit is {MAX_SECRET})"
    if _CONTROL.search(value):
        return "holds a control character (a line break, a tab or the like)"
    if header and not (value.isascii() and value.isprintable() and " " not in value):
        return "holds a character an HTTP header cannot carry (a space or non-ASCII)"
    return None


def _string(entry: Mapping[str, Any], name: str, where: str) -> str:
    """The text of field ``name``, checked; "" when it is absent or empty."""
    value = entry.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CredentialError(f"{where}: {name!r} is not a string")
    return value


def _checked(value: str, name: str, where: str, *, header: bool = False) -> str:
    problem = unusable(value, header=header)
    if problem is not None:
        raise CredentialError(f"{where}: {name!r} {problem}; not used")
    return value


def _decode(entry: Any, source: str, key: str) -> Credentials | None:
    """The credentials of ``auths[key]`` in ``source``; CredentialError naming the file and
    the key (never a value) when a field is not a string or could not be sent."""
    if not isinstance(entry, dict):
        return None
    where = f"{source}: auths[{key!r}]"
    username, password = _string(entry, "username", where), _string(entry, "password", where)
    auth = _string(entry, "auth", where)
    if auth:
        try:
            username, sep, password = base64.b64decode(auth, validate=False).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            sep = ""
        if not sep:
            raise CredentialError(f"{where}: 'auth' is not base64 'user:password'")
        redact.remember_basic(username, password)
    found = Credentials(
        username=_checked(username, "username", where),
        password=_checked(password, "auth" if auth else "password", where),
        identity_token=_checked(_string(entry, "identitytoken", where), "identitytoken", where),
        registry_token=_checked(
            _string(entry, "registrytoken", where), "registrytoken", where, header=True
        ),
        source=f"{source}, auths[{key!r}]",
    )
    return None if found.anonymous else found


def _remember_secrets(document: Mapping[str, Any]) -> None:
    """Every secret a credential file holds is scrubbed from output (linter.redact), used
    or not, valid or not."""
    auths = document.get("auths")
    for entry in auths.values() if isinstance(auths, dict) else ():
        if isinstance(entry, dict):
            redact.remember(*(v for k in SECRET_FIELDS if isinstance(v := entry.get(k), str)))


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
        answer = untrusted_json.loads(out)
    except ValueError:
        raise CredentialError(f"credential helper {program} printed something not JSON") from None
    if not isinstance(answer, dict):
        raise CredentialError(f"credential helper {program} printed JSON that is not an object")
    where = f"credential helper {program}"
    username, secret = _string(answer, "Username", where), _string(answer, "Secret", where)
    redact.remember(secret)
    username, secret = _checked(username, "Username", where), _checked(secret, "Secret", where)
    if username == TOKEN_USERNAME:
        return Credentials(username=username, identity_token=secret, source=program)
    return Credentials(username=username, password=secret, source=program) if secret else None


class CredentialStore:
    """Looks credentials up once per (host, repository) and runs each helper once per key."""

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        helper: HelperRunner = run_helper,
        tracer: Tracer | None = None,
    ) -> None:
        self._environ = dict(os.environ if environ is None else environ)
        self._helper = helper
        self._tracer = tracer
        self._sources: tuple[_Source | CredentialError, ...] | None = None
        self._helper_calls: dict[tuple[str, str], asyncio.Task[Credentials | None]] = {}
        self._searched_text: str | None = None

    def _load(self) -> tuple[_Source | CredentialError, ...]:
        """The credential sources in order; one that cannot be used is its error, raised
        by the lookups that get that far (a registry found in an earlier source is not
        hurt by a broken later one)."""
        if self._sources is None:
            sources: list[_Source | CredentialError] = []
            inline = self._environ.get("DOCKER_AUTH_CONFIG")
            if inline:
                sources.append(_source("DOCKER_AUTH_CONFIG", inline, docker=True))
            for path, docker in default_files(self._environ):
                try:
                    text = safe_read.read_text(path)
                except safe_read.ReadError as exc:
                    if not exc.missing:
                        sources.append(CredentialError(f"{path}: cannot read: {exc}"))
                    continue
                sources.append(_source(str(path), text, docker=docker))
            self._sources = tuple(sources)
        return self._sources

    async def lookup(self, host: str, path: str = "") -> Credentials:
        """Credentials for repository ``path`` on ``host`` (``host[:port]``); ANONYMOUS if none."""
        found = None
        for source in self._load():
            if isinstance(source, CredentialError):
                raise source
            found = await self._from_source(source, host, path)
            if found is not None:
                break
        found = found or Credentials(searched=self._searched())
        if self._tracer is not None:
            scope = f"{host}/{path}" if path else host
            self._tracer(CredentialsFound(scope, found.source, found.searched))
        return found

    def _searched(self) -> str:
        """Where a lookup that found nothing went, in words (the same for every lookup:
        said once, not rebuilt from paths for each request of an anonymous run)."""
        if self._searched_text is None:
            read = [source.path for source in self._load() if isinstance(source, _Source)]
            if read:
                self._searched_text = f"looked in {', '.join(read)}"
            else:
                looked = ", ".join(str(path) for path, _ in default_files(self._environ))
                self._searched_text = f"no credential file: looked for {looked}"
        return self._searched_text

    async def _from_source(self, source: _Source, host: str, path: str) -> Credentials | None:
        document = source.document
        if source.docker:
            helpers = document.get("credHelpers")
            if isinstance(helpers, dict):
                for alias in sorted(HUB_HOSTS | {HUB_KEY}) if _is_hub(host) else (host,):
                    if isinstance(helpers.get(alias), str):
                        found = await self._call_helper(helpers[alias], server_key(host))
                        return _named(found, f"{source.path}, credHelpers[{alias!r}]")
            store = document.get("credsStore")
            if isinstance(store, str) and store:
                found = await self._call_helper(store, server_key(host))
                return _named(found, f"{source.path}, credsStore")
        auths = document.get("auths")
        if not isinstance(auths, dict):
            return None
        for key in _auths_candidates(host, path):
            if key in auths:
                found = _decode(auths[key], source.path, key)
                if found is not None:
                    return found
        wanted = _normalize_key(host)
        for key, entry in auths.items():
            if "://" in key and _normalize_key(key) == wanted:
                found = _decode(entry, source.path, key)
                if found is not None:
                    return found
        return None

    async def _call_helper(self, helper: str, key: str) -> Credentials | None:
        task = self._helper_calls.get((helper, key))
        if task is None:
            task = asyncio.ensure_future(self._helper(helper, key))
            self._helper_calls[(helper, key)] = task
        return await asyncio.shield(task)


def _named(found: Credentials | None, source: str) -> Credentials | None:
    """A helper's credentials, named by the file and key that chose the helper too."""
    return None if found is None else found._replace(source=f"{found.source} ({source})")


def _source(where: str, text: str, *, docker: bool) -> _Source | CredentialError:
    """A credential file's content as a source, or why it cannot be one."""
    try:
        document = untrusted_json.loads(text)
    except ValueError as exc:
        return CredentialError(f"{where}: not valid JSON ({exc})")
    if not isinstance(document, dict):
        return CredentialError(f"{where}: not a JSON object")
    _remember_secrets(document)
    return _Source(where, document, docker)
