from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from registry_server import make_certificates

from linter.registry.http import tls


@pytest.mark.parametrize(
    ("authority", "expected"),
    [
        ("reg.example", ("reg.example", None)),
        ("Reg.Example:5000", ("reg.example", 5000)),
        ("127.0.0.1:5000", ("127.0.0.1", 5000)),
        ("[::1]:5000", ("::1", 5000)),
        ("[::1]", ("::1", None)),
    ],
)
def test_split_authority(authority: str, expected: tuple[str, int | None]) -> None:
    assert tls.split_authority(authority) == expected


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("registry.localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("10.0.0.1", False),
        ("localhost.example.com", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert tls.is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("host", "private"),
    [
        ("10.1.2.3", True),
        ("192.168.0.1", True),
        ("169.254.169.254", True),
        ("127.0.0.1", True),
        ("fe80::1", True),
        ("8.8.8.8", False),
        ("auth.docker.io", False),
    ],
)
def test_is_private_address(host: str, private: bool) -> None:
    assert tls.is_private_address(host) is private


@pytest.mark.parametrize(
    ("authority", "insecure", "allowed"),
    [
        ("127.0.0.1:5000", (), True),
        ("localhost:5000", (), True),
        ("[::1]:5000", (), True),
        ("lan.example:5000", (), False),
        ("lan.example:5000", ("lan.example:5000",), True),
        ("lan.example:5000", ("lan.example",), True),
        ("lan.example:5000", ("LAN.example:5000",), True),
        ("lan.example:5000", ("http://lan.example:5000/",), True),
        ("lan.example:5000", ("lan.example:5001",), False),
        ("lan.example", ("lan.example:5000",), False),
    ],
)
def test_plain_http_allowed(authority: str, insecure: tuple[str, ...], allowed: bool) -> None:
    assert tls.plain_http_allowed(authority, insecure) is allowed


def test_verified_by_default() -> None:
    context = tls.ssl_context("reg.example", (), roots=())
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname


def test_insecure_host_is_not_verified() -> None:
    context = tls.ssl_context("lan.example:5000", ("lan.example:5000",), roots=())
    assert context.verify_mode is ssl.CERT_NONE and not context.check_hostname


def test_certs_d_cas_and_client_certificates(tmp_path: Path) -> None:
    certs = make_certificates(tmp_path / "made")
    for root in ("docker", "containers"):
        directory = tmp_path / root / "reg.example:5000"
        directory.mkdir(parents=True)
    (tmp_path / "docker" / "reg.example:5000" / "ca.crt").write_bytes(certs.ca_file.read_bytes())
    client = tmp_path / "containers" / "reg.example:5000"
    (client / "client.cert").write_bytes(certs.cert_file.read_bytes())
    (client / "client.key").write_bytes(certs.key_file.read_bytes())
    roots = (tmp_path / "docker", tmp_path / "containers")
    context = tls.ssl_context("reg.example:5000", (), roots=roots)
    subjects = [dict(x[0] for x in ca["subject"]) for ca in context.get_ca_certs()]
    assert {"commonName": "imagepin test CA"} in subjects
    # Another host does not trust that CA.
    other = tls.ssl_context("other.example:5000", (), roots=roots)
    assert {"commonName": "imagepin test CA"} not in [
        dict(x[0] for x in ca["subject"]) for ca in other.get_ca_certs()
    ]


def test_ssl_cert_file_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    certs = make_certificates(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(certs.ca_file))
    context = tls.ssl_context("reg.example", (), roots=())
    assert {"commonName": "imagepin test CA"} in [
        dict(x[0] for x in ca["subject"]) for ca in context.get_ca_certs()
    ]
