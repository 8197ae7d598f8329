"""Where requests for a reference go: a repository on a host, and the host's first origin."""

from __future__ import annotations

from linter.records import Record
from linter.registry.errors import display_host
from linter.registry.http import tls


class Target(Record):
    """A repository on a registry host: where requests for a reference actually go."""

    authority: str
    path: str

    @property
    def registry(self) -> str:
        return display_host(self.authority)


def first_origin(authority: str, insecure: tuple[str, ...]) -> tuple[str, str, int] | None:
    """Where a host's first request goes: (scheme, host, port): https, or plain HTTP on
    loopback; None for an insecure host elsewhere, where both are tried at once."""
    host, port = tls.split_authority(authority)
    if not tls.plain_http_allowed(authority, insecure):
        return "https", host, port or 443
    if tls.is_loopback(host):
        return "http", host, port or 80
    return None
