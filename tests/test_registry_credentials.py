from __future__ import annotations

import asyncio
import base64
import json
import os
import stat
from pathlib import Path

import pytest

from linter.registry.auth.credentials import (
    ANONYMOUS,
    HUB_KEY,
    CredentialError,
    Credentials,
    CredentialStore,
    run_helper,
)

SECRET = "pw-Cr3dential-secret"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def lookup(store: CredentialStore, host: str, path: str = "") -> Credentials:
    return asyncio.run(store.lookup(host, path))


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """An environment whose every credential file lives under tmp_path (none exist yet)."""
    return {
        "HOME": str(tmp_path),
        "DOCKER_CONFIG": str(tmp_path / "docker"),
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }


def write(path: str | Path, document: object) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document))


def docker_config(env: dict[str, str], document: object) -> None:
    write(Path(env["DOCKER_CONFIG"]) / "config.json", document)


@pytest.mark.parametrize(
    ("auths", "host", "path", "expected"),
    [
        ({"reg.example": {"auth": b64(f"bob:{SECRET}")}}, "reg.example", "a/b", ("bob", SECRET)),
        ({"reg.example:5000": {"auth": b64("bob:x")}}, "reg.example:5000", "a", ("bob", "x")),
        ({"reg.example:5000": {"auth": b64("bob:x")}}, "reg.example", "a", None),
        # Docker Hub is stored under its legacy URL key, whatever host we talk to.
        (
            {HUB_KEY: {"auth": b64("hubber:x")}},
            "registry-1.docker.io",
            "library/a",
            ("hubber", "x"),
        ),
        ({HUB_KEY: {"auth": b64("hubber:x")}}, "docker.io", "a/b", ("hubber", "x")),
        ({"docker.io": {"auth": b64("hubber:x")}}, "registry-1.docker.io", "a/b", ("hubber", "x")),
        # Legacy URL keys are normalized to the host.
        ({"https://reg.example/v1/": {"auth": b64("old:x")}}, "reg.example", "", ("old", "x")),
        ({"http://reg.example:5000": {"auth": b64("old:x")}}, "reg.example:5000", "", ("old", "x")),
        # Separate username/password fields (old configs).
        ({"reg.example": {"username": "u", "password": "p"}}, "reg.example", "", ("u", "p")),
        # A password containing ':' is kept whole.
        ({"reg.example": {"auth": b64("u:p:q")}}, "reg.example", "", ("u", "p:q")),
        # Empty entries (credsStore leaves those) are no credentials.
        ({"reg.example": {}}, "reg.example", "", None),
        ({}, "reg.example", "", None),
    ],
)
def test_docker_auths(
    home: dict[str, str],
    auths: dict[str, object],
    host: str,
    path: str,
    expected: tuple[str, str] | None,
) -> None:
    docker_config(home, {"auths": auths})
    found = lookup(CredentialStore(home), host, path)
    assert ((found.username, found.password) if not found.anonymous else None) == expected


def test_tokens_in_docker_config(home: dict[str, str]) -> None:
    docker_config(
        home,
        {
            "auths": {
                "id.example": {"auth": "", "identitytoken": "refresh-abc"},
                "reg.example": {"registrytoken": "bearer-xyz"},
            }
        },
    )
    store = CredentialStore(home)
    assert lookup(store, "id.example").identity_token == "refresh-abc"
    assert lookup(store, "reg.example").registry_token == "bearer-xyz"


@pytest.mark.parametrize(
    ("keys", "path", "expected"),
    [
        (["quay.io", "quay.io/org"], "org/app", "quay.io/org"),
        (["quay.io/org", "quay.io/org/app", "quay.io"], "org/app", "quay.io/org/app"),
        (["quay.io", "quay.io/other"], "org/app", "quay.io"),
        (["quay.io/org"], "organization/app", None),
        (["docker.io/library"], "library/nginx", "docker.io/library"),
    ],
)
def test_auth_json_most_specific_key_first(
    home: dict[str, str], keys: list[str], path: str, expected: str | None
) -> None:
    auth_file = Path(home["XDG_CONFIG_HOME"]) / "containers" / "auth.json"
    write(auth_file, {"auths": {key: {"auth": b64(f"{key}:pw")} for key in keys}})
    host = "registry-1.docker.io" if path.startswith("library/") else "quay.io"
    found = lookup(CredentialStore(home), host, path)
    assert (found.username if not found.anonymous else None) == expected


def test_auth_json_locations_in_order(home: dict[str, str]) -> None:
    runtime = Path(home["XDG_RUNTIME_DIR"]) / "containers" / "auth.json"
    config = Path(home["XDG_CONFIG_HOME"]) / "containers" / "auth.json"
    write(
        config,
        {"auths": {"a.example": {"auth": b64("config:x")}, "b.example": {"auth": b64("config:x")}}},
    )
    write(runtime, {"auths": {"a.example": {"auth": b64("runtime:x")}}})
    store = CredentialStore(home)
    assert lookup(store, "a.example").username == "runtime"
    assert lookup(store, "b.example").username == "config"


def test_registry_auth_file_replaces_xdg_files(home: dict[str, str], tmp_path: Path) -> None:
    write(
        Path(home["XDG_CONFIG_HOME"]) / "containers" / "auth.json",
        {"auths": {"a.example": {"auth": b64("xdg:x")}}},
    )
    explicit = tmp_path / "explicit.json"
    write(explicit, {"auths": {"b.example": {"auth": b64("explicit:x")}}})
    store = CredentialStore({**home, "REGISTRY_AUTH_FILE": str(explicit)})
    assert lookup(store, "a.example") == ANONYMOUS
    assert lookup(store, "b.example").username == "explicit"


def test_docker_config_before_auth_json(home: dict[str, str]) -> None:
    docker_config(home, {"auths": {"a.example": {"auth": b64("docker:x")}}})
    write(
        Path(home["XDG_CONFIG_HOME"]) / "containers" / "auth.json",
        {"auths": {"a.example": {"auth": b64("podman:x")}}},
    )
    assert lookup(CredentialStore(home), "a.example").username == "docker"


def test_docker_auth_config_variable_first(home: dict[str, str]) -> None:
    docker_config(home, {"auths": {"a.example": {"auth": b64("file:x")}}})
    inline = json.dumps({"auths": {"a.example": {"auth": b64("inline:x")}}})
    assert (
        lookup(CredentialStore({**home, "DOCKER_AUTH_CONFIG": inline}), "a.example").username
        == "inline"
    )


def test_docker_config_defaults_to_home(tmp_path: Path) -> None:
    write(tmp_path / ".docker" / "config.json", {"auths": {"a.example": {"auth": b64("home:x")}}})
    env = {"HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path / "run")}
    assert lookup(CredentialStore(env), "a.example").username == "home"


class FakeHelpers:
    def __init__(self, answers: dict[tuple[str, str], Credentials | None]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str]] = []

    async def __call__(self, helper: str, key: str) -> Credentials | None:
        self.calls.append((helper, key))
        await asyncio.sleep(0)
        return self.answers.get((helper, key))


def test_cred_helpers_beat_auths_and_creds_store(home: dict[str, str]) -> None:
    docker_config(
        home,
        {
            "auths": {"a.example": {"auth": b64("file:x")}},
            "credsStore": "desktop",
            "credHelpers": {"a.example": "special"},
        },
    )
    helpers = FakeHelpers(
        {
            ("special", "a.example"): Credentials("from-special", "x"),
            ("desktop", "b.example"): Credentials("from-store", "x"),
        }
    )
    store = CredentialStore(home, helpers)
    assert lookup(store, "a.example").username == "from-special"
    assert lookup(store, "b.example").username == "from-store"
    # The store has nothing for c.example: anonymous (auths hold no secrets with a store).
    assert lookup(store, "c.example") == ANONYMOUS


def test_hub_helper_gets_the_hub_key(home: dict[str, str]) -> None:
    docker_config(home, {"credsStore": "desktop"})
    helpers = FakeHelpers({("desktop", HUB_KEY): Credentials("hubber", "x")})
    assert (
        lookup(CredentialStore(home, helpers), "registry-1.docker.io", "library/a").username
        == "hubber"
    )


def test_helper_runs_once_per_key(home: dict[str, str]) -> None:
    docker_config(home, {"credsStore": "desktop"})
    helpers = FakeHelpers({("desktop", "a.example"): Credentials("u", "x")})
    store = CredentialStore(home, helpers)

    async def many() -> list[Credentials]:
        return await asyncio.gather(*(store.lookup("a.example", f"repo{i}") for i in range(20)))

    assert {c.username for c in asyncio.run(many())} == {"u"}
    assert helpers.calls == [("desktop", "a.example")]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1]", "not a JSON object"),
        (json.dumps({"auths": {"a.example": {"auth": "%%%"}}}), "not base64"),
        (json.dumps({"auths": {"a.example": {"auth": b64("no-colon")}}}), "not base64"),
    ],
)
def test_broken_files_are_errors(home: dict[str, str], document: str, message: str) -> None:
    path = Path(home["DOCKER_CONFIG"]) / "config.json"
    path.parent.mkdir(parents=True)
    path.write_text(document)
    with pytest.raises(CredentialError, match=message) as caught:
        lookup(CredentialStore(home), "a.example")
    assert str(path) in str(caught.value)


def test_repr_hides_secrets() -> None:
    text = repr(Credentials("bob", SECRET, "idtok-secret", "regtok-secret", "somewhere"))
    assert "bob" in text
    assert SECRET not in text and "idtok" not in text and "regtok" not in text


@pytest.mark.parametrize(
    ("credentials", "anonymous", "basic"),
    [
        (Credentials(), True, False),
        (Credentials("bob", "pw"), False, True),
        (Credentials("<token>", identity_token="t"), False, False),
        (Credentials(registry_token="t"), False, False),
        (Credentials("bob"), True, False),
    ],
)
def test_credential_kinds(credentials: Credentials, anonymous: bool, basic: bool) -> None:
    assert credentials.anonymous is anonymous
    assert credentials.has_basic is basic


# --- a real helper program on PATH -------------------------------------------------------

HELPER = """#!/bin/sh
[ "$1" = get ] || exit 3
read -r server
echo "$server" >> "{log}"
case "$server" in
  helper.example) printf '{{"ServerURL":"%s","Username":"helper-user","Secret":"helper-{secret}"}}' "$server" ;;
  token.example) printf '{{"ServerURL":"%s","Username":"<token>","Secret":"identity-{secret}"}}' "$server" ;;
  garbage.example) echo "not json" ;;
  broken.example) echo "boom: helper-{secret}" >&2; exit 2 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
"""


@pytest.fixture
def helper_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "helper.log"
    script = bin_dir / "docker-credential-test"
    script.write_text(HELPER.format(log=log, secret=SECRET))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def test_real_helper(helper_on_path: Path) -> None:
    found = asyncio.run(run_helper("test", "helper.example"))
    assert found is not None
    assert (found.username, found.password, found.source) == (
        "helper-user",
        f"helper-{SECRET}",
        "docker-credential-test",
    )
    token = asyncio.run(run_helper("test", "token.example"))
    assert token is not None
    assert (token.identity_token, token.password) == (f"identity-{SECRET}", "")
    assert asyncio.run(run_helper("test", "other.example")) is None
    assert helper_on_path.read_text().split() == [
        "helper.example",
        "token.example",
        "other.example",
    ]


@pytest.mark.parametrize(
    ("helper", "server", "message"),
    [
        ("test", "garbage.example", "printed something not JSON"),
        ("test", "broken.example", r"failed \(exit 2\)"),
        ("absent", "x", "docker-credential-absent is not on PATH"),
        ("../evil", "x", "invalid credential helper name"),
        ("a b", "x", "invalid credential helper name"),
    ],
)
def test_real_helper_failures(helper_on_path: Path, helper: str, server: str, message: str) -> None:
    with pytest.raises(CredentialError, match=message) as caught:
        asyncio.run(run_helper(helper, server))
    assert SECRET not in str(caught.value)


def test_helper_through_docker_config(helper_on_path: Path, home: dict[str, str]) -> None:
    docker_config(
        home,
        {
            "credHelpers": {"helper.example": "test"},
            "auths": {"helper.example": {"auth": b64("file:x")}},
        },
    )
    store = CredentialStore({**home, "PATH": os.environ["PATH"]})
    assert lookup(store, "helper.example", "a").username == "helper-user"
