from __future__ import annotations

import pytest

from linter.model import ErrorKind
from linter.registry.auth.flow import check_realm, repository
from linter.registry.errors import RegistryError


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v2/library/nginx/manifests/1.27", "library/nginx"),
        ("/v2/a/b/c/blobs/sha256:abc", "a/b/c"),
        ("/v2/a/tags/list", "a"),
        ("/v2/a/referrers/sha256:abc", "a"),
        # A repository may have a component named like an endpoint.
        ("/v2/org/manifests/app/manifests/1.0", "org/manifests/app"),
        ("/v2/", None),
        ("/token", None),
    ],
)
def test_repository(path: str, expected: str | None) -> None:
    assert repository(path) == expected


@pytest.mark.parametrize(
    ("realm", "authority", "insecure"),
    [
        ("https://auth.docker.io/token", "registry-1.docker.io", ()),
        ("https://ghcr.io/token", "ghcr.io", ()),
        ("http://127.0.0.1:8080/token", "127.0.0.1:5000", ()),
        ("http://localhost/token", "localhost:5000", ()),
        ("http://lan.example/token", "lan.example:5000", ("lan.example:5000",)),
        ("http://127.0.0.1/token", "lan.example:5000", ("lan.example",)),
        ("https://10.0.0.2/token", "10.0.0.1:5000", ()),
        ("https://127.0.0.1:8443/token", "127.0.0.1:5000", ()),
    ],
)
def test_realm_allowed(realm: str, authority: str, insecure: tuple[str, ...]) -> None:
    check_realm(realm, authority, insecure)


@pytest.mark.parametrize(
    ("realm", "authority", "insecure"),
    [
        ("http://auth.docker.io/token", "registry-1.docker.io", ()),
        ("https://127.0.0.1/token", "ghcr.io", ()),
        ("https://192.168.1.1/token", "ghcr.io", ()),
        ("https://[fe80::1]/token", "ghcr.io", ()),
        ("http://other.example/token", "lan.example:5000", ("lan.example:5000",)),
        ("http://127.0.0.1/token", "lan.example:5000", ()),
        ("file:///etc/passwd", "ghcr.io", ()),
        ("", "ghcr.io", ()),
        ("https:///token", "ghcr.io", ()),
        ("https://[::1/token", "ghcr.io", ()),
    ],
)
def test_realm_refused(realm: str, authority: str, insecure: tuple[str, ...]) -> None:
    with pytest.raises(RegistryError) as caught:
        check_realm(realm, authority, insecure)
    assert caught.value.kind is ErrorKind.AUTH
    assert caught.value.registry in (authority, "docker.io")
