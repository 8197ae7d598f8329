"""Registry failures, classified as the rules need them: not found, auth, unreachable, invalid."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linter import untrusted_json
from linter.model import ErrorKind, ResolveError
from linter.reference import DOCKER_HUB_API_HOST

if TYPE_CHECKING:
    from linter.registry.auth.credentials import Credentials

#: Error codes that mean "no such manifest or repository" (Harbor proxies say NOT_FOUND).
NOT_FOUND_CODES = frozenset({"MANIFEST_UNKNOWN", "NAME_UNKNOWN", "BLOB_UNKNOWN", "NOT_FOUND"})


class RegistryError(Exception):
    """One reason a reference could not be resolved; the message never holds a secret."""

    def __init__(self, kind: ErrorKind, message: str, registry: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.registry = registry

    def __str__(self) -> str:
        return f"{self.registry}: {self.message}"

    def to_resolve_error(self) -> ResolveError:
        return ResolveError(self.kind, self.message, self.registry)


def one_line(exc: BaseException) -> str:
    """``TypeName: what it says``, on one line and cut to QUOTED characters."""
    text = " ".join(str(exc).split())
    return type(exc).__name__ + (f": {quoted(text)}" if text else "")


def unexpected(exc: Exception, registry: str) -> RegistryError:
    """An exception no check foresaw, met while talking to ``registry``, as an INVALID error:
    the run goes on."""
    return RegistryError(ErrorKind.INVALID, f"unexpected answer ({one_line(exc)})", registry)


def display_host(authority: str) -> str:
    """The registry name people know: Docker Hub's API host is shown as docker.io."""
    return "docker.io" if authority == DOCKER_HUB_API_HOST else authority


#: A registry's own words are quoted up to this many characters.
QUOTED = 200


def quoted(text: str) -> str:
    """Text a registry chose, fit to quote in a one-line message: at most QUOTED characters
    (the output formats escape control characters)."""
    return text if len(text) <= QUOTED else text[: QUOTED - 1] + "…"


def error_detail(body: bytes) -> tuple[str, str] | None:
    """The first ``(code, message)`` of an OCI error body, or None when it is not one.

    Only strings are taken (a code or message of another type reads as absent)."""
    try:
        document = untrusted_json.loads(body)
    except ValueError:
        return None
    errors = document.get("errors") if isinstance(document, dict) else None
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return None
    code, message = errors[0].get("code"), errors[0].get("message")
    code = quoted(code) if isinstance(code, str) and code else "UNKNOWN"
    return code, quoted(message) if isinstance(message, str) else ""


def status_error(
    status: int, body: bytes, registry: str, what: str, sent: Credentials | None = None
) -> RegistryError:
    """Classify a final non-2xx answer about ``what`` (e.g. ``app:1.0``); ``sent``: the
    credentials the request was sent with, when the auth flow looked them up."""
    detail = error_detail(body)
    said = f" ({detail[0]}: {detail[1]})" if detail and detail[1] else ""
    if status == 404 or (detail is not None and detail[0] in NOT_FOUND_CODES):
        return RegistryError(ErrorKind.NOT_FOUND, f"{what} not found{said}", registry)
    if status in (401, 403):
        if sent is None:
            who = "credentials missing or rejected" if status == 401 else ""
        elif sent.anonymous:
            who = sent.account(registry)
        else:
            done = "were rejected" if status == 401 else "give no access to it"
            who = f"{sent.account(registry)} {done}"
        problem = "unauthorized (HTTP 401)" if status == 401 else "access denied (HTTP 403)"
        return RegistryError(
            ErrorKind.AUTH, f"{problem} for {what}{': ' + who if who else ''}{said}", registry
        )
    if status == 429 or status >= 500:
        return RegistryError(ErrorKind.UNREACHABLE, f"HTTP {status} for {what}{said}", registry)
    return RegistryError(ErrorKind.INVALID, f"unexpected HTTP {status} for {what}{said}", registry)
