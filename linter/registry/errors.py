"""Registry failures, classified as the rules need them: not found, auth, unreachable, invalid."""

from __future__ import annotations

import json

from linter.model import ErrorKind, ResolveError
from linter.reference import DOCKER_HUB_API_HOST

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


def display_host(authority: str) -> str:
    """The registry name people know: Docker Hub's API host is shown as docker.io."""
    return "docker.io" if authority == DOCKER_HUB_API_HOST else authority


def error_detail(body: bytes) -> tuple[str, str] | None:
    """The first ``(code, message)`` of an OCI error body, or None when it is not one."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    errors = document.get("errors") if isinstance(document, dict) else None
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return None
    code, message = errors[0].get("code"), errors[0].get("message")
    return (str(code) if code else "UNKNOWN", str(message) if message else "")


def status_error(status: int, body: bytes, registry: str, what: str) -> RegistryError:
    """Classify a final non-2xx answer about ``what`` (e.g. ``app:1.0``)."""
    detail = error_detail(body)
    said = f" ({detail[0]}: {detail[1]})" if detail and detail[1] else ""
    if status == 404 or (detail is not None and detail[0] in NOT_FOUND_CODES):
        return RegistryError(ErrorKind.NOT_FOUND, f"{what} not found{said}", registry)
    if status == 401:
        return RegistryError(
            ErrorKind.AUTH,
            f"unauthorized (HTTP 401) for {what}: credentials missing or rejected{said}",
            registry,
        )
    if status == 403:
        return RegistryError(ErrorKind.AUTH, f"access denied (HTTP 403) for {what}{said}", registry)
    if status == 429 or status >= 500:
        return RegistryError(ErrorKind.UNREACHABLE, f"HTTP {status} for {what}{said}", registry)
    return RegistryError(ErrorKind.INVALID, f"unexpected HTTP {status} for {what}{said}", registry)
