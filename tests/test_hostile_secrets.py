"""Secrets never reach any output: credentials are checked before use, a bad one is an AUTH
error that names the file and key it came from (never its value), and every known secret is
scrubbed from whatever is printed, as a second line of defence.

Against the real ``docker-registry`` setups (tests/conftest.py) and the hostile server,
``imagepin check`` runs in a process of its own under the limits of
tests/hostile_process.py, once per output format; every byte it prints is searched for
the secret as written and as each format would escape it.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hostile_process import run_imagepin
from hostile_server import HostileRegistry
from registry_server import USERNAME, Registry

from linter import redact
from linter.cli import main
from linter.report import FORMATS

POD = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n{containers}"
SECRET = "Hostile-S3cret-value-5521"


def pod(*images: str) -> str:
    return POD.format(
        containers="".join(
            f"  - name: c{i}\n    image: {image}\n" for i, image in enumerate(images)
        )
    )


def leaks(text: str, secret: str) -> list[str]:
    """The forms of ``secret`` found in ``text`` (as written, escaped, or a line of it)."""
    forms = {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1]}
    forms |= {line for line in secret.splitlines() if len(line) >= 6}
    return sorted(form for form in forms if form in text)


def basic(password: str) -> str:
    return base64.b64encode(f"{USERNAME}:{password}".encode()).decode()


#: case -> (the auths entry, the key its message names)
ENTRIES: dict[str, tuple[dict[str, Any], str]] = {
    "registrytoken with a line break": (
        {"registrytoken": SECRET + "\n"},
        "'registrytoken' holds a control character",
    ),
    "registrytoken with a space": (
        {"registrytoken": "Bearer " + SECRET},
        "'registrytoken' holds a character an HTTP header cannot carry",
    ),
    "password with a line break": (
        {"username": USERNAME, "password": SECRET + "\r\n"},
        "'password' holds a control character",
    ),
    "auth with a line break": ({"auth": basic(SECRET + "\n")}, "'auth' holds a control character"),
    "identitytoken with a NUL": (
        {"identitytoken": SECRET + "\0"},
        "'identitytoken' holds a control character",
    ),
    "password not a string": (
        {"username": USERNAME, "password": [SECRET]},
        "'password' is not a string",
    ),
    "username a number": ({"username": 7, "password": SECRET}, "'username' is not a string"),
}


@pytest.mark.parametrize("case", sorted(ENTRIES))
def test_a_bad_credential_is_an_auth_error_naming_its_file_and_key(
    case: str, token_registry: Registry, tmp_path: Path
) -> None:
    entry, words = ENTRIES[case]
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pod.yaml").write_text(pod(token_registry.ref("private/app", "1.0")))
    config = tmp_path / "docker" / "config.json"
    config.parent.mkdir()
    config.write_text(json.dumps({"auths": {token_registry.host: entry}}))
    env = {"DOCKER_CONFIG": str(config.parent)}
    for fmt in FORMATS:
        done = run_imagepin(
            ["check", "-v", "--no-cache", "--format", fmt, "pod.yaml"], cwd=repo, env=env
        )
        assert done.code == 1
        assert leaks(done.output, SECRET) == [], fmt
    document = json.loads(
        run_imagepin(["check", "--no-cache", "--format", "json", "pod.yaml"], cwd=repo, env=env).out
    )
    (unreachable,) = [f for f in document["findings"] if f["rule"] == "IMG011"]
    where = f"{config}: auths[{token_registry.host!r}]: {words}"
    assert where in unreachable["message"], unreachable["message"]
    # The registry never saw the secret either: it was refused before any request.
    # (The token server is shared: the requests of earlier tests are there too.)
    seen = [(r.grant_type, r.scopes, r.user) for r in token_registry.token_server.requests]
    assert SECRET not in repr(seen)


def test_resolve_and_inspect_say_the_same_on_stderr(
    token_registry: Registry, tmp_path: Path
) -> None:
    config = tmp_path / "docker" / "config.json"
    config.parent.mkdir()
    config.write_text(
        json.dumps({"auths": {token_registry.host: {"registrytoken": SECRET + "\n"}}})
    )
    env = {"DOCKER_CONFIG": str(config.parent)}
    ref = token_registry.ref("private/app", "1.0")
    for command in (["resolve", ref], ["resolve", "--format", "json", ref], ["inspect", ref]):
        done = run_imagepin([*command, "--no-cache"], cwd=tmp_path, env=env)
        assert done.code == 1
        assert leaks(done.output, SECRET) == []
        assert (
            f"auths[{token_registry.host!r}]: 'registrytoken' holds a control character"
            in done.output
        )


@pytest.mark.parametrize("behaviour", ["echo-in-header", "echo-in-error", "echo-in-media-type"])
def test_a_registry_that_echoes_the_basic_header_never_gets_it_shown(
    behaviour: str, hostile: HostileRegistry, tmp_path: Path
) -> None:
    """The ``Authorization: Basic`` value made from a username and a password is a secret
    too: a registry quoting it back (in a header line the HTTP stack refuses and quotes, an
    error message, a media type) sees it scrubbed from every output, of every command."""
    repo = tmp_path / "repo"
    repo.mkdir()
    ref = hostile.ref(behaviour)
    (repo / "pod.yaml").write_text(pod(ref))
    config = tmp_path / "docker" / "config.json"
    config.parent.mkdir()
    entry = {"username": USERNAME, "password": SECRET}
    config.write_text(json.dumps({"auths": {hostile.host: entry}}))
    env = {"DOCKER_CONFIG": str(config.parent)}
    runs = [["check", "-vv", "--no-cache", "--format", fmt, "pod.yaml"] for fmt in FORMATS]
    runs += [["resolve", "-vv", "--no-cache", ref], ["inspect", "--no-cache", ref]]
    for argv in runs:
        done = run_imagepin(argv, cwd=repo, env=env)
        assert done.code == 1
        for secret in (SECRET, basic(SECRET)):
            assert leaks(done.output, secret) == [], (argv, done.output)
    assert any(
        seen.headers.get("authorization") == "Basic " + basic(SECRET)
        for seen in hostile.requests_to(behaviour)
    )


def test_a_credential_file_nested_too_deep_fails_only_the_registries_that_reach_it(
    token_registry: Registry, hostile: HostileRegistry, tmp_path: Path
) -> None:
    """Credentials are looked up in order: a registry found in DOCKER_AUTH_CONFIG is not hurt
    by a broken config.json after it; a registry that needs that file gets an AUTH error."""
    repo = tmp_path / "repo"
    repo.mkdir()
    private = token_registry.ref("private/app", "1.0")
    numbers = hostile.ref("token-numbers")
    (repo / "pod.yaml").write_text(pod(private, numbers))
    config = tmp_path / "docker" / "config.json"
    config.parent.mkdir()
    config.write_text('{"auths": ' + "[" * 100_000 + "]" * 100_000 + "}")
    inline = {"auths": {token_registry.host: {"auth": basic(token_registry.password or "")}}}
    env = {"DOCKER_CONFIG": str(config.parent), "DOCKER_AUTH_CONFIG": json.dumps(inline)}
    done = run_imagepin(["check", "--no-cache", "--format", "json", "pod.yaml"], cwd=repo, env=env)
    findings = json.loads(done.out)["findings"]
    pinned = {f["image"]: f["suggestion"] for f in findings if f["rule"] == "IMG001"}
    assert pinned[private] is not None and pinned[private].startswith(private + "@sha256:")
    (broken,) = [f for f in findings if f["rule"] == "IMG011"]
    assert broken["image"] == numbers
    assert f"{config}: not valid JSON (nested too deeply)" in broken["message"]


# --- the second line of defence ----------------------------------------------------------------


@pytest.fixture
def forgetful() -> Any:
    yield
    redact.forget_all()


@pytest.mark.parametrize(
    "secret",
    [SECRET, "tok\r\nX-Injected: 1-long", "pa%ss_w*rd`|<x>", "ünïcode-sécret"],
)
def test_scrub_takes_out_a_secret_however_an_output_escapes_it(forgetful: Any, secret: str) -> None:
    redact.remember(secret)
    spellings = [
        secret,
        repr(secret),
        json.dumps(secret),
        json.dumps(secret, ensure_ascii=False),
        secret.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"),
    ]
    for text in spellings:
        scrubbed = redact.scrub(f"before {text} after")
        assert leaks(scrubbed, secret) == [], scrubbed
        assert scrubbed.startswith("before ") and scrubbed.endswith(" after")


def test_short_secrets_are_not_scrubbed(forgetful: Any) -> None:
    redact.remember("abc")
    assert redact.scrub("abcabc") == "abcabc"


def test_every_output_of_the_command_line_is_scrubbed(
    forgetful: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A message that carries a known secret (here a registry error made to quote one) is
    scrubbed on standard output and error, in --output files and in the step summary."""
    from linter.model import ErrorKind, Resolution, ResolveError
    from linter.registry import RunStats

    redact.remember(SECRET)

    def failing(refs: Any, options: Any, on_answer: Any = None) -> Any:
        error = ResolveError(ErrorKind.AUTH, f"refused {SECRET}", "registry.example")
        return {ref: Resolution(ref, error=error) for ref in refs}, RunStats()

    monkeypatch.setattr("linter.registry.resolve_with_stats", failing)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(pod("registry.example/app:1"))
    outputs = []
    for fmt in FORMATS:
        main(["check", "--no-cache", "--format", fmt, "pod.yaml"])
        main(["check", "--no-cache", "--format", fmt, "--output", "out.txt", "pod.yaml"])
        outputs += [capsys.readouterr(), (tmp_path / "out.txt").read_text()]
    main(["resolve", "--no-cache", "registry.example/app:1"])
    outputs.append(capsys.readouterr())
    text = "".join(str(o) for o in outputs) + (tmp_path / "summary.md").read_text()
    assert "refused ***" in text
    assert leaks(text, SECRET) == []


# --- the trace (-vv, --trace) ----------------------------------------------------------------

#: Quick behaviours whose answers carry what must not reach a terminal: escape sequences,
#: a token with a line break, redirects to other hosts and ports, refused realms.
TRACED = (
    "error-loud",
    "token-crlf",
    "token-garbage",
    "token-deep",
    "redirect-away",
    "redirect-bad-port",
    "lying-digest",
    "realm-link-local",
    "ok",
)


@pytest.mark.parametrize("behaviour", TRACED)
def test_the_trace_of_a_hostile_registry_is_escaped_and_holds_no_secret(
    hostile: HostileRegistry, behaviour: str, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pod.yaml").write_text(pod(hostile.ref(behaviour)))
    done = run_imagepin(["check", "--trace", "--no-cache", "pod.yaml"], cwd=repo)
    traced = [line for line in done.err.splitlines() if line.startswith("imagepin: trace: ")]
    assert any(f"/v2/{behaviour}/manifests/1.0 -> " in line for line in traced), done.err
    # Nothing the server sent reaches the terminal raw, nor forges a line of its own.
    assert "\x1b" not in done.output and "\r" not in done.output
    assert all(line.startswith(("imagepin: ", "    ")) for line in done.err.splitlines())
    assert "X-Injected" not in done.output
    # No query string (a token request's names the account), no header value.
    assert "?" not in "".join(traced) and "Bearer abc" not in done.err


def test_the_trace_never_shows_a_credential(token_registry: Registry, tmp_path: Path) -> None:
    """Good credentials, a bad one, a token granted: the trace names where they came from."""
    repo = tmp_path / "repo"
    repo.mkdir()
    password = token_registry.password or ""
    (repo / "pod.yaml").write_text(pod(token_registry.ref("private/app", "1.0")))
    config = tmp_path / "docker" / "config.json"
    config.parent.mkdir()
    config.write_text(json.dumps({"auths": {token_registry.host: {"auth": basic(password)}}}))
    redact.remember(password)
    done = run_imagepin(
        ["check", "-vv", "--no-cache", "pod.yaml"],
        cwd=repo,
        env={"DOCKER_CONFIG": str(config.parent)},
    )
    assert (
        f"imagepin: trace: credentials for {token_registry.host}/private/app: {config}" in done.err
    )
    assert " -> 200 in " in done.err and "(Basic)" in done.err and "(Bearer)" in done.err
    for secret in (password, basic(password)):
        assert leaks(done.output, secret) == []
