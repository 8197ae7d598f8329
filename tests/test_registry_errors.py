from __future__ import annotations

import pytest

from linter.model import ErrorKind, ResolveError
from linter.registry.errors import RegistryError, display_host, error_detail, status_error


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}',
            ("MANIFEST_UNKNOWN", "manifest unknown"),
        ),
        (b'{"errors":[{"code":"NOT_FOUND"}]}', ("NOT_FOUND", "")),
        (b'{"errors":[{"message":"x"}]}', ("UNKNOWN", "x")),
        (b'{"errors":[]}', None),
        (b'{"errors":"x"}', None),
        (b'{"errors":["x"]}', None),
        (b"[]", None),
        (b"<html>Not Found</html>", None),
        (b"", None),
        (b"\xff", None),
    ],
)
def test_error_detail(body: bytes, expected: tuple[str, str] | None) -> None:
    assert error_detail(body) == expected


@pytest.mark.parametrize(
    ("status", "body", "kind", "message"),
    [
        (404, b"", ErrorKind.NOT_FOUND, "app:1 not found"),
        (
            404,
            b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}',
            ErrorKind.NOT_FOUND,
            "app:1 not found (MANIFEST_UNKNOWN: manifest unknown)",
        ),
        # Harbor's proxy code, whatever the status.
        (
            400,
            b'{"errors":[{"code":"NOT_FOUND","message":"nope"}]}',
            ErrorKind.NOT_FOUND,
            "app:1 not found (NOT_FOUND: nope)",
        ),
        (
            401,
            b"",
            ErrorKind.AUTH,
            "unauthorized (HTTP 401) for app:1: credentials missing or rejected",
        ),
        (
            403,
            b'{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}',
            ErrorKind.AUTH,
            "access denied (HTTP 403) for app:1 (DENIED: requested access to the resource is denied)",
        ),
        (429, b"", ErrorKind.UNREACHABLE, "HTTP 429 for app:1"),
        (503, b"", ErrorKind.UNREACHABLE, "HTTP 503 for app:1"),
        (406, b"", ErrorKind.INVALID, "unexpected HTTP 406 for app:1"),
    ],
)
def test_status_error(status: int, body: bytes, kind: ErrorKind, message: str) -> None:
    error = status_error(status, body, "reg.example", "app:1")
    assert (error.kind, error.message, error.registry) == (kind, message, "reg.example")


def test_registry_error_text_and_conversion() -> None:
    error = RegistryError(ErrorKind.AUTH, "no", "reg.example")
    assert str(error) == "reg.example: no"
    assert error.to_resolve_error() == ResolveError(ErrorKind.AUTH, "no", "reg.example")


@pytest.mark.parametrize(
    ("authority", "shown"),
    [
        ("registry-1.docker.io", "docker.io"),
        ("ghcr.io", "ghcr.io"),
        ("127.0.0.1:5000", "127.0.0.1:5000"),
    ],
)
def test_display_host(authority: str, shown: str) -> None:
    assert display_host(authority) == shown
