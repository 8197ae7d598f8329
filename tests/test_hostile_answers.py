"""Whatever a registry or a token server sends costs that image an IMG011 or IMG004, never the
run: the report is printed, the exit code is 1, nothing is pinned to an answer that was refused.

Each row is one image on tests/hostile_server.py, checked by ``imagepin check`` in its
own process under a 2 GiB address-space limit and a timeout (tests/hostile_process.py):
out-of-range ports, JSON nested 100,000 levels deep (a RecursionError in a parser),
numbers no float holds, fields of the wrong type, header values no parser expects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hostile_process import run_imagepin
from hostile_server import BEHAVIOURS, IMAGE, HostileRegistry

POD = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: c\n    image: {image}\n"

#: behaviour -> (rule, words in its message); rule None: the image resolves and is pinned.
ANSWERS: dict[str, tuple[str | None, str]] = {
    "realm-port": (
        "IMG011",
        "refusing token realm http://127.0.0.1:99999/token: port 99999 is out of range",
    ),
    "token-deep": ("IMG011", "token response is not JSON (nested too deeply)"),
    "token-crlf": ("IMG011", "the token it granted holds a control character"),
    "token-numbers": (None, ""),
    "token-nan": (None, ""),
    "token-wrong-types": (None, ""),
    "error-deep": ("IMG004", "error-deep:1.0 not found"),
    "error-loud": (
        "IMG004",
        "error-loud:1.0 not found (\x1b[31mMANIFEST_UNKNOWN: \x1b]0;pwned\x07xxx",
    ),
    "index-deep": ("IMG011", "manifest is not JSON: nested too deeply"),
    "index-wrong-types": (None, ""),
    "retry-after-odd": ("IMG011", "HTTP 429 for retry-after-odd:1.0"),
    "redirect-bad-port": ("IMG011", "port must be 0-65535"),
    "length-huge": ("IMG011", "bad Content-Length"),
    "retry-after-huge": (
        "IMG011",
        "HTTP 429: the registry asks to retry in more than a day; imagepin waits 30 s at most "
        "(after 1 attempt)",
    ),
    "retry-after-date": ("IMG011", "asks to retry in more than a day"),
    "redirect-bad-idna": ("IMG011", "redirected to a host name that is not valid IDNA"),
    "redirect-long-label": ("IMG011", "encoding with 'idna' codec failed"),
    "redirect-file": ("IMG011", "unsupported protocol 'file://'."),
    "realm-huge": ("IMG011", "aaaa…: 60021 characters long"),
    "realm-bad-idna": ("IMG011", "invalid token realm 'https://xn--zz.example/token'"),
}


#: Answers no second attempt could change: given up at once.
ONE_ATTEMPT = {
    "redirect-bad-port",
    "redirect-bad-idna",
    "redirect-long-label",
    "redirect-file",
    "retry-after-huge",
    "retry-after-date",
}


def check(
    registry: HostileRegistry, behaviour: str, tmp_path: Path, *args: str, images: int = 1
) -> Any:
    """``check`` of a Pod with ``images`` containers, tags 1.0, 1.1, …, of ``behaviour``."""
    repo = tmp_path / "repo"
    repo.mkdir()
    containers = [registry.ref(behaviour, f"1.{n}") for n in range(images)]
    more = (f"  - name: c{n}\n    image: {image}\n" for n, image in enumerate(containers[1:], 1))
    (repo / "pod.yaml").write_text(POD.format(image=containers[0]) + "".join(more))
    done = run_imagepin(["check", "--no-cache", "--format", "json", *args, "pod.yaml"], cwd=repo)
    assert (done.code, done.err) == (1, "")
    return json.loads(done.out)


@pytest.mark.parametrize("behaviour", sorted(ANSWERS))
def test_an_answer_costs_its_image_never_the_run(
    hostile: HostileRegistry, behaviour: str, tmp_path: Path
) -> None:
    assert behaviour in BEHAVIOURS
    rule, words = ANSWERS[behaviour]
    document = check(hostile, behaviour, tmp_path)
    findings = {f["rule"]: f for f in document["findings"]}
    if rule is None:
        assert set(findings) == {"IMG001"}
        assert findings["IMG001"]["suggestion"].split("@")[0] == hostile.ref(behaviour)
        return
    assert set(findings) == {"IMG001", rule}
    assert findings["IMG001"]["suggestion"] is None
    message = findings[rule]["message"]
    assert words in message, message
    assert "unexpected answer" not in message  # each is foreseen, and said in plain words
    if behaviour in ONE_ATTEMPT:
        # Nothing a retry could change: one request (a GET after the HEAD at most).
        assert len(hostile.requests_to(behaviour)) <= 2, hostile.requests_to(behaviour)
    # A registry's own words are quoted, cut short, never whole.
    assert len(message) < 400


@pytest.mark.parametrize("behaviour", ["silent", "slow-headers"])
def test_a_silent_or_dripping_registry_costs_one_wait_with_production_timeouts(
    hostile: HostileRegistry, behaviour: str, tmp_path: Path
) -> None:
    """The product's own timeouts (10 s a request), in a process bounded at 30 s: one
    request, never retried, and no second wait over TLS (before: four attempts and a TLS
    probe, a run past 60 s); the other images of the host wait for that one answer and
    are given up with it (before: each its own wait, one after the other)."""
    before = len(hostile.requests_to(behaviour))
    document = check(hostile, behaviour, tmp_path, images=3)
    unreachable = [f for f in document["findings"] if f["rule"] == "IMG011"]
    assert len(unreachable) == 3
    assert all("timed out (ReadTimeout); " in f["message"] for f in unreachable), unreachable
    assert len(hostile.requests_to(behaviour)) - before == 1


def test_a_token_with_a_line_break_is_never_sent_or_shown(
    hostile: HostileRegistry, tmp_path: Path
) -> None:
    before = len(hostile.seen)
    document = check(hostile, "token-crlf", tmp_path)
    assert "X-Injected" not in json.dumps(document)
    sent = hostile.seen[before:]
    assert sent and all("x-injected" not in seen.headers for seen in sent)
    assert all("abc" not in seen.headers.get("authorization", "") for seen in sent)


def test_an_index_of_the_wrong_types_lists_unknown_platforms(
    hostile: HostileRegistry, tmp_path: Path
) -> None:
    """Its platforms are neither pinned to nor shown as the Python spelling of a list."""
    document = check(hostile, "index-wrong-types", tmp_path, "--platform", "linux/amd64")
    (unreachable,) = [f for f in document["findings"] if f["rule"] != "IMG001"]
    assert unreachable["rule"] == "IMG004"
    assert "index-wrong-types:1.0 has no linux/amd64 image" in unreachable["message"]
    assert IMAGE.digest not in json.dumps(document)


def test_a_failure_after_files_were_written_still_reports_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Resolution answers one file's image, fix writes that file, then something escapes:
    the report is still printed, lists the file written, and says why the rest is not."""
    from linter import registry
    from linter.cli import main
    from linter.model import Resolution
    from linter.reference import parse

    digest = "sha256:" + "d" * 64

    def answer_one_then_fail(refs: Any, options: Any, on_answer: Any = None) -> Any:
        first = parse("registry.example/first:1")
        on_answer(first, Resolution(first, digest=digest))
        raise RuntimeError("the event loop went away")

    monkeypatch.setattr(registry, "resolve_with_stats", answer_one_then_fail)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text(POD.format(image="registry.example/first:1"))
    (tmp_path / "b.yaml").write_text(POD.format(image="registry.example/second:1"))
    assert main(["fix", "--no-cache", "--format", "json", "a.yaml", "b.yaml"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["fixed_files"] == ["a.yaml"]
    assert f"registry.example/first:1@{digest}" in (tmp_path / "a.yaml").read_text()
    assert document["registry_problems"] == [
        "internal error: RuntimeError: the event loop went away"
    ]
    (unchecked,) = [f for f in document["findings"] if f["rule"] == "IMG011"]
    assert unchecked["path"] == "b.yaml"
