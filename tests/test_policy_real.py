"""The trust policy end to end against the real registry (distribution 2.8, no referrers API).

Images with and without arm64, signed by the test key (cosign's ``.sig`` tag, and an OCI
1.1 referrer in the ``sha256-<hex>`` fallback tag), by another key, with a tampered
payload, by Notation only, unsigned, and built too long ago: exact findings through
``imagepin check --format json``, what ``inspect`` says, and the requests each policy
costs per image, counted in the registry's access log (docs/policy.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import RegistryEnv
from cosign_helper import (
    cosign_signature,
    notation_signature,
    referrers_index,
    referrers_tag,
    sig_tag,
    signing_key,
    write_public_key,
)
from registry_server import Image, Registry, build_image, build_index, multi_platform

from linter.cli import main

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
KEY = signing_key("policy test key")
OTHER = signing_key("policy test: someone else's key")
AMD64_ARM64 = ("linux/amd64", "linux/arm64")
OLD = build_index(
    [build_image("policy-old", p, created="2023-01-01T00:00:00Z") for p in AMD64_ARM64]
)


def name(registry: Registry, repo: str) -> str:
    return f"{registry.host}/{repo}"


#: repo -> (image, how it is signed)
CASES: dict[str, tuple[Image, str]] = {
    "policy/good": (multi_platform("policy-good", AMD64_ARM64), "key"),
    "policy/referrer": (multi_platform("policy-referrer", AMD64_ARM64), "referrer"),
    "policy/amd64-only": (multi_platform("policy-amd64", ("linux/amd64",)), "key"),
    "policy/s390x": (build_image("policy-s390x", "linux/s390x"), "key"),
    "policy/other-key": (multi_platform("policy-other", AMD64_ARM64), "other key"),
    "policy/tampered": (multi_platform("policy-tampered", AMD64_ARM64), "tampered"),
    "policy/notation": (multi_platform("policy-notation", AMD64_ARM64), "notation"),
    "policy/unsigned": (multi_platform("policy-unsigned", AMD64_ARM64), "unsigned"),
    "policy/old": (OLD, "key"),
}


def signatures(registry: Registry, repo: str, image: Image, how: str) -> list[tuple[str, Image]]:
    """(tag, manifest) to push so that ``image`` is signed ``how``."""
    signed_name = name(registry, repo)
    if how == "key":
        return [(sig_tag(image.digest), cosign_signature(KEY, signed_name, image))]
    if how == "other key":
        return [(sig_tag(image.digest), cosign_signature(OTHER, signed_name, image))]
    if how == "tampered":
        return [(sig_tag(image.digest), cosign_signature(KEY, signed_name, image, tampered=True))]
    if how == "referrer":
        index = referrers_index([cosign_signature(KEY, signed_name, image, referrer=True)])
        return [(referrers_tag(image.digest), index)]
    if how == "notation":
        return [(referrers_tag(image.digest), referrers_index([notation_signature(image)]))]
    return []


@pytest.fixture(scope="module")
def pushed(plain_registry: Registry) -> dict[str, Image]:
    """The CASES in the registry; signatures name the plain registry's host."""
    items: list[tuple[str, str | None, Image]] = []
    for repo, (image, how) in CASES.items():
        items.append((repo, "1.0", image))
        items += [(repo, tag, sig) for tag, sig in signatures(plain_registry, repo, image, how)]
    # Signatures after their images: a referrer's subject must be there first.
    plain_registry.push_many([item for item in items if item[1] == "1.0"])
    plain_registry.push_many([item for item in items if item[1] != "1.0"])
    return {repo: image for repo, (image, _) in CASES.items()}


@pytest.fixture
def workdir(
    registry_env: RegistryEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("linter.rules.utc_now", lambda: NOW)
    write_public_key(KEY, tmp_path / "cosign.pub")
    yield tmp_path


POLICY = """\
required-platforms = ["linux/amd64", "linux/arm64"]
require-signature = true
signature-keys = ["cosign.pub"]
max-age-days = 90
"""


def pod(images: list[str]) -> str:
    containers = "".join(
        f"    - name: c{i}\n      image: {image}\n" for i, image in enumerate(images)
    )
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: policy\nspec:\n  containers:\n{containers}"
    )


def run_check(
    workdir: Path, capsys: pytest.CaptureFixture[str], config: str, images: list[str], *args: str
) -> tuple[int, list[tuple[int, str, str]]]:
    (workdir / ".imagepin.toml").write_text(config)
    (workdir / "pod.yaml").write_text(pod(images))
    code = main(["check", "pod.yaml", "--format", "json", *args])
    document = json.loads(capsys.readouterr().out)
    assert document["errors"] == []
    return code, [(f["line"], f["rule"], f["message"]) for f in document["findings"]]


def pinned(registry: Registry, repo: str, image: Image) -> str:
    return registry.ref(repo, "1.0", image.digest)


def test_every_policy_finding(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    pushed: dict[str, Image],
) -> None:
    image = {repo: pinned(plain_registry, repo, pushed[repo]) for repo in CASES}
    code, findings = run_check(workdir, capsys, POLICY, list(image.values()), "--no-cache")
    line = {repo: 8 + 2 * i for i, repo in enumerate(CASES)}  # one container each
    digest = {repo: built.digest for repo, built in pushed.items()}
    not_any_key = "the signature does not verify with any configured key (cosign.pub)"
    assert code == 1
    assert findings == [
        (
            line["policy/amd64-only"],
            "IMG008",
            f"{image['policy/amd64-only']} lacks platform(s) linux/arm64 (has linux/amd64)",
        ),
        (
            line["policy/s390x"],
            "IMG008",
            f"{image['policy/s390x']} lacks platform(s) linux/amd64, linux/arm64 "
            "(a single-platform linux/s390x image)",
        ),
        (
            line["policy/other-key"],
            "IMG010",
            f"the signature of {digest['policy/other-key']} does not verify: {not_any_key}",
        ),
        (
            line["policy/tampered"],
            "IMG010",
            f"the signature of {digest['policy/tampered']} does not verify: {not_any_key}",
        ),
        (
            line["policy/notation"],
            "IMG010",
            f"the signature of {digest['policy/notation']} does not verify: only Notation "
            "signatures, which signature-keys (cosign public keys) cannot verify",
        ),
        (
            line["policy/unsigned"],
            "IMG010",
            f"no cosign or Notation signature found for {digest['policy/unsigned']}",
        ),
        (
            line["policy/old"],
            "IMG012",
            f"{image['policy/old']} was built on 2023-01-01, 517 days ago (max-age-days = 90)",
        ),
    ]


def test_without_keys_any_signature_will_do(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    pushed: dict[str, Image],
) -> None:
    repos = [
        "policy/good",
        "policy/other-key",
        "policy/tampered",
        "policy/notation",
        "policy/unsigned",
    ]
    images = [pinned(plain_registry, repo, pushed[repo]) for repo in repos]
    _, findings = run_check(workdir, capsys, "require-signature = true\n", images, "--no-cache")
    assert findings == [
        (
            16,
            "IMG010",
            f"no cosign or Notation signature found for {pushed['policy/unsigned'].digest}",
        )
    ]


def test_a_tag_is_checked_as_it_would_be_pinned(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    pushed: dict[str, Image],
) -> None:
    """Unpinned: the policy judges the digest the tag resolves to (what fix would pin)."""
    image = plain_registry.ref("policy/unsigned", "1.0")
    _, findings = run_check(workdir, capsys, POLICY, [image], "--no-cache")
    digest = pushed["policy/unsigned"].digest
    assert findings[1:] == [(8, "IMG010", f"no cosign or Notation signature found for {digest}")]
    assert [rule for _, rule, _ in findings] == ["IMG001", "IMG010"]


def test_a_bad_key_file_is_a_configuration_error(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    pushed: dict[str, Image],
) -> None:
    (workdir / ".imagepin.toml").write_text(
        'require-signature = true\nsignature-keys = ["nope.pub"]\n'
    )
    (workdir / "pod.yaml").write_text(
        pod([pinned(plain_registry, "policy/good", pushed["policy/good"])])
    )
    assert main(["check", "pod.yaml"]) == 2
    assert (
        capsys.readouterr().err
        == "imagepin: error: signature key nope.pub: cannot read: No such file or directory\n"
    )


# --- what each policy costs ------------------------------------------------------------------

KEYED = 'require-signature = true\nsignature-keys = ["cosign.pub"]\n'


@pytest.mark.parametrize(
    ("config", "repo", "extra"),
    [
        ('required-platforms = ["linux/amd64", "linux/arm64"]\n', "policy/good", 1),
        ('required-platforms = ["linux/amd64", "linux/arm64"]\n', "policy/s390x", 2),
        ("max-age-days = 90\n", "policy/good", 3),
        ("max-age-days = 90\n", "policy/s390x", 2),
        ('required-platforms = ["linux/amd64"]\nmax-age-days = 90\n', "policy/good", 3),
        ('required-platforms = ["linux/amd64"]\nmax-age-days = 90\n', "policy/s390x", 2),
        ("require-signature = true\n", "policy/unsigned", 3),
        ("require-signature = true\n", "policy/good", 3),
        ("require-signature = true\n", "policy/referrer", 2),
        (KEYED, "policy/unsigned", 3),
        (KEYED, "policy/good", 4),
        (KEYED, "policy/other-key", 4),
        (KEYED, "policy/referrer", 4),
        (POLICY, "policy/good", 7),
        (POLICY, "policy/s390x", 6),
    ],
)
def test_requests_per_image(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    pushed: dict[str, Image],
    config: str,
    repo: str,
    extra: int,
) -> None:
    image = pinned(plain_registry, repo, pushed[repo])
    mark = plain_registry.mark()
    run_check(workdir, capsys, "", [image], "--no-cache")
    baseline = plain_registry.requests(mark)
    mark = plain_registry.mark()
    run_check(workdir, capsys, config, [image], "--no-cache")
    assert [(r.method, r.path) for r in baseline] == [("HEAD", f"/v2/{repo}/manifests/1.0")]
    assert len(plain_registry.requests(mark)) - len(baseline) == extra


@pytest.mark.parametrize(
    ("repo", "second_run"),
    [
        ("policy/good", 0),  # platforms, created and the verified signature: all cached
        ("policy/unsigned", 3),  # "unsigned" is asked again, so signing the image fixes the run
    ],
)
def test_second_run_from_the_cache(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    pushed: dict[str, Image],
    repo: str,
    second_run: int,
) -> None:
    image = pinned(plain_registry, repo, pushed[repo])
    run_check(workdir, capsys, POLICY, [image])
    mark = plain_registry.mark()
    run_check(workdir, capsys, POLICY, [image])
    assert len(plain_registry.requests(mark)) == second_run


def test_signature_lookups_need_no_extra_token(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    token_registry: Registry,
    pushed: dict[str, Image],
) -> None:
    """The referrers and signature tags live in the image's repository: its pull token does."""
    assert token_registry.token_server is not None
    image = pinned(token_registry, "policy/good", pushed["policy/good"])
    counts = []
    for config in ("", "require-signature = true\n"):
        mark = token_registry.token_server.mark()
        _, findings = run_check(workdir, capsys, config, [image], "--no-cache")
        assert findings == []
        counts.append(len(token_registry.token_server.requests_since(mark)))
    assert counts == [1, 1]


# --- inspect ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("repo", "state", "key", "found"),
    [
        ("policy/good", "verified", "cosign.pub", [("cosign", "sig", True)]),
        ("policy/referrer", "verified", "cosign.pub", [("cosign", "referrers", True)]),
        ("policy/other-key", "unverified", None, [("cosign", "sig", False)]),
        ("policy/notation", "unverified", None, [("notation", "referrers", False)]),
        ("policy/unsigned", "missing", None, []),
    ],
)
def test_inspect_shows_signatures(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    pushed: dict[str, Image],
    repo: str,
    state: str,
    key: str | None,
    found: list[tuple[str, str, bool]],
) -> None:
    image = pushed[repo]
    assert (
        main(["inspect", "--no-cache", "--key", "cosign.pub", plain_registry.ref(repo, "1.0")]) == 0
    )
    document = json.loads(capsys.readouterr().out)
    signatures = document["signatures"]
    assert (signatures["state"], signatures["key"]) == (state, key)
    sources = {
        "sig": f"tag {sig_tag(image.digest)}",
        "referrers": f"tag {referrers_tag(image.digest)}",
    }
    assert [(s["kind"], s["source"], s["verified"]) for s in signatures["found"]] == [
        (kind, sources[where], verified) for kind, where, verified in found
    ]
    assert document["image"]["created"] == "2024-05-01T12:00:00Z"


def test_inspect_without_keys_lists_signatures_unverified(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    plain_registry: Registry,
    pushed: dict[str, Image],
) -> None:
    assert main(["inspect", "--no-cache", plain_registry.ref("policy/good", "1.0")]) == 0
    signatures = json.loads(capsys.readouterr().out)["signatures"]
    assert signatures["state"] == "found"
    assert signatures["reason"] == "1 signature found, not verified (no signature-keys configured)"
    assert [s["verified"] for s in signatures["found"]] == [None]


def test_inspect_with_an_unreadable_key(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", "--key", "missing.pub", "registry.example/app:1"]) == 2
    assert "signature key missing.pub: cannot read" in capsys.readouterr().err
