from __future__ import annotations

import pytest

from linter.reference import InvalidReference, Reference, parse, pinned, validate_digest

HEX = "0123456789abcdef" * 4
HEX512 = HEX * 2


@pytest.mark.parametrize(
    ("text", "domain", "path", "tag", "digest"),
    [
        # registry-protocol.md §8
        ("ubuntu", "docker.io", "library/ubuntu", None, None),
        ("docker.io/ubuntu", "docker.io", "library/ubuntu", None, None),
        ("index.docker.io/ubuntu", "docker.io", "library/ubuntu", None, None),
        ("registry-1.docker.io/ubuntu", "registry-1.docker.io", "ubuntu", None, None),
        ("user/app", "docker.io", "user/app", None, None),
        ("myhost/app", "docker.io", "myhost/app", None, None),
        ("myhost:5000/app", "myhost:5000", "app", None, None),
        ("localhost/app", "localhost", "app", None, None),
        ("localhost", "docker.io", "library/localhost", None, None),
        ("example.com", "docker.io", "library/example.com", None, None),
        ("example.com:5000", "docker.io", "library/example.com", "5000", None),
        ("192.168.1.1:5000", "docker.io", "library/192.168.1.1", "5000", None),
        ("Foo/bar", "Foo", "bar", None, None),
        ("[::1]:5000/app", "[::1]:5000", "app", None, None),
        ("app:Latest", "docker.io", "library/app", "Latest", None),
        ("a/b__c/d", "docker.io", "a/b__c/d", None, None),
        ("a/b-----c", "docker.io", "a/b-----c", None, None),
        (f"app:1.0@sha256:{HEX}", "docker.io", "library/app", "1.0", f"sha256:{HEX}"),
        (f"docker.io/{HEX}", "docker.io", f"library/{HEX}", None, None),
        ("example.com/" + "a" * 255, "example.com", "a" * 255, None, None),
        # our own
        ("nginx:1.27", "docker.io", "library/nginx", "1.27", None),
        (f"nginx@sha256:{HEX}", "docker.io", "library/nginx", None, f"sha256:{HEX}"),
        (f"nginx@sha512:{HEX512}", "docker.io", "library/nginx", None, f"sha512:{HEX512}"),
        ("ghcr.io/owner/app:v1", "ghcr.io", "owner/app", "v1", None),
        ("quay.io/org/sub/app:1_2-3.4", "quay.io", "org/sub/app", "1_2-3.4", None),
        ("localhost:5000/a/b:t", "localhost:5000", "a/b", "t", None),
        ("registry.k8s.io/pause:3.9", "registry.k8s.io", "pause", "3.9", None),
        ("docker.io/library/nginx", "docker.io", "library/nginx", None, None),
        ("index.docker.io/library/nginx:1", "docker.io", "library/nginx", "1", None),
        ("127.0.0.1:5000/app", "127.0.0.1:5000", "app", None, None),
        ("[2001:db8::1]:5000/app:v", "[2001:db8::1]:5000", "app", "v", None),
        ("app:" + "a" * 128, "docker.io", "library/app", "a" * 128, None),
        ("app:_x", "docker.io", "library/app", "_x", None),
        ("a.b/c", "a.b", "c", None, None),
    ],
)
def test_parse(text: str, domain: str, path: str, tag: str | None, digest: str | None) -> None:
    assert parse(text) == Reference(domain, path, tag, digest)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo/Bar", "must be lowercase"),
        ("ghcr.io/Owner/App", "must be lowercase"),
        ("APP", "must be lowercase"),
        ("[fe80::1%eth0]:5000/app", "invalid reference format"),
        ("[2001:db8::1]:5000", "invalid reference format"),
        ("app:-bad", "invalid tag"),
        ("app:" + "a" * 129, "longer than 128"),
        ("a/b___c", "invalid reference format"),
        ("a/b..c", "invalid reference format"),
        ("docker///docker", "invalid reference format"),
        (f"app@sha256:{HEX.upper()}", "invalid digest format"),
        (f"app@sha256:{HEX[:-1]}", "invalid digest length"),
        (f"app@md5:{HEX}", "unsupported digest algorithm"),
        (HEX, "image ID"),
        ("example.com/" + "a" * 256, "not be more than 255"),
        ("", "empty"),
        ("nginx:1.27 ", "invalid tag"),
        ("nginx :1.27", "whitespace"),
        ("-nginx", "invalid reference format"),
        ("nginx:", "invalid tag"),
        ("nginx@", "invalid reference format"),
        ("/nginx", "invalid reference format"),
        ("nginx/", "invalid reference format"),
        ("http://nginx", "invalid reference format"),
    ],
)
def test_parse_invalid(text: str, message: str) -> None:
    with pytest.raises(InvalidReference, match=message):
        parse(text)


@pytest.mark.parametrize(
    ("text", "familiar", "canonical"),
    [
        ("ubuntu", "ubuntu", "docker.io/library/ubuntu"),
        ("docker.io/library/nginx:1", "nginx:1", "docker.io/library/nginx:1"),
        ("library/nginx:1", "nginx:1", "docker.io/library/nginx:1"),
        ("docker.io/library/a/b", "library/a/b", "docker.io/library/a/b"),
        ("user/app:v", "user/app:v", "docker.io/user/app:v"),
        ("ghcr.io/o/a:1", "ghcr.io/o/a:1", "ghcr.io/o/a:1"),
        (
            f"nginx:1@sha256:{HEX}",
            f"nginx:1@sha256:{HEX}",
            f"docker.io/library/nginx:1@sha256:{HEX}",
        ),
    ],
)
def test_render(text: str, familiar: str, canonical: str) -> None:
    ref = parse(text)
    assert ref.familiar() == familiar
    assert str(ref) == canonical
    assert parse(str(ref)) == ref
    assert parse(ref.familiar()) == ref


def test_with_digest_keeps_tag() -> None:
    ref = parse("nginx:1.27").with_digest(f"sha256:{HEX}")
    assert str(ref) == f"docker.io/library/nginx:1.27@sha256:{HEX}"
    with pytest.raises(InvalidReference):
        parse("nginx:1.27").with_digest("sha256:abc")


@pytest.mark.parametrize(
    ("text", "host", "tag"),
    [
        ("nginx", "registry-1.docker.io", "latest"),
        ("ghcr.io/a/b:1", "ghcr.io", "1"),
        (f"quay.io/a/b@sha256:{HEX}", "quay.io", None),
    ],
)
def test_api_host_and_effective_tag(text: str, host: str, tag: str | None) -> None:
    ref = parse(text)
    assert ref.api_host == host
    assert ref.effective_tag == tag


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("nginx", f"nginx:latest@sha256:{HEX}"),
        ("nginx:1.27", f"nginx:1.27@sha256:{HEX}"),
        ("nginx:latest", f"nginx:latest@sha256:{HEX}"),
        (f"nginx:1.27@sha256:{'f' * 64}", f"nginx:1.27@sha256:{HEX}"),
        (f"nginx@sha256:{'f' * 64}", f"nginx@sha256:{HEX}"),
        ("localhost:5000/app", f"localhost:5000/app:latest@sha256:{HEX}"),
        ("localhost:5000/app:v1", f"localhost:5000/app:v1@sha256:{HEX}"),
        ("docker.io/library/nginx:1", f"docker.io/library/nginx:1@sha256:{HEX}"),
    ],
)
def test_pinned(written: str, expected: str) -> None:
    assert pinned(written, f"sha256:{HEX}") == expected


def test_validate_digest() -> None:
    assert validate_digest(f"sha256:{HEX}") == f"sha256:{HEX}"
    with pytest.raises(InvalidReference):
        validate_digest("sha256:" + "g" * 64)
