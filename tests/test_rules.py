from __future__ import annotations

import pytest

from linter.config import Config
from linter.model import (
    ErrorKind,
    Form,
    Occurrence,
    PlatformEntry,
    Resolution,
    ResolveError,
)
from linter.reference import InvalidReference, parse
from linter.rules import Rule, Subject, utc_now
from linter.rules.catalog import all_rules, lookup

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64
D3 = "sha256:" + "3" * 64
AMD64 = PlatformEntry("linux", "amd64", None, D2)
ARM64 = PlatformEntry("linux", "arm64", "v8", D3)


def occurrence(image: str, *, form: Form = Form.SCALAR, dynamic: str | None = None) -> Occurrence:
    return Occurrence(
        path="a.yaml",
        line=3,
        column=12,
        end_line=3,
        end_column=12 + len(image),
        start=40,
        end=40 + len(image),
        raw=image,
        image=image,
        yaml_path="spec.containers[0].image",
        form=form,
        dynamic=dynamic,
    )


def subject(
    image: str,
    resolution: Resolution | None = None,
    config: Config | None = None,
    *,
    form: Form = Form.SCALAR,
    dynamic: str | None = None,
) -> Subject:
    try:
        ref, invalid = parse(image), None
    except InvalidReference as exc:
        ref, invalid = None, str(exc)
    if dynamic is not None:
        ref, invalid = None, None
    occ = occurrence(image, form=form, dynamic=dynamic)
    return Subject(occ, ref, invalid, resolution, config or Config(), utc_now())


def resolved(image: str, **fields: object) -> Resolution:
    return Resolution(reference=parse(image), **fields)  # type: ignore[arg-type]


def error(kind: ErrorKind) -> ResolveError:
    return ResolveError(kind, "boom", "r.example")


def hits(rule_id: str, subj: Subject) -> list[tuple[str, str | None]]:
    rule = lookup(rule_id)
    assert rule.check is not None
    return [(h.message, h.suggestion) for h in rule.check(subj)]


# (rule, subject, expected number of hits, expected suggestion of the first hit)
CASES = [
    ("IMG001", subject("nginx:1.27"), 1, None),
    ("IMG001", subject("nginx:1.27", resolved("nginx:1.27", digest=D1)), 1, f"nginx:1.27@{D1}"),
    ("IMG001", subject("nginx:1.27", resolved("nginx:1.27", error=error(ErrorKind.AUTH))), 1, None),
    ("IMG001", subject(f"nginx:1.27@{D1}"), 0, None),
    ("IMG001", subject(f"nginx@{D1}"), 0, None),
    ("IMG001", subject("nginx"), 0, None),
    ("IMG001", subject("nginx:latest"), 0, None),
    ("IMG001", subject("Bad/Ref:1"), 0, None),
    ("IMG001", subject("${X}", dynamic="${X}"), 0, None),
    ("IMG002", subject("nginx"), 1, None),
    ("IMG002", subject("nginx", resolved("nginx", digest=D1)), 1, f"nginx:latest@{D1}"),
    ("IMG002", subject("nginx:latest"), 1, None),
    ("IMG002", subject(f"nginx:latest@{D1}"), 0, None),
    ("IMG002", subject("nginx:1"), 0, None),
    ("IMG003", subject("ghcr.io/Acme/App:1"), 1, None),
    ("IMG003", subject("nginx:1"), 0, None),
    ("IMG003", subject("{{ .Values.image }}", dynamic="Helm template"), 0, None),
    ("IMG004", subject("nginx:9", resolved("nginx:9", error=error(ErrorKind.NOT_FOUND))), 1, None),
    (
        "IMG004",
        subject(f"nginx:1@{D1}", resolved(f"nginx:1@{D1}", digest=D2, pinned_exists=False)),
        1,
        None,
    ),
    (
        "IMG004",
        subject("nginx:1", resolved("nginx:1", error=error(ErrorKind.UNREACHABLE))),
        0,
        None,
    ),
    ("IMG004", subject("nginx:1"), 0, None),
    (
        "IMG005",
        subject(f"nginx:1@{D1}", resolved(f"nginx:1@{D1}", digest=D2, pinned_exists=True)),
        1,
        f"nginx:1@{D2}",
    ),
    (
        "IMG005",
        subject(f"nginx:1@{D1}", resolved(f"nginx:1@{D1}", digest=D1, pinned_exists=True)),
        0,
        None,
    ),
    (
        "IMG005",
        subject(f"nginx:1@{D1}", resolved(f"nginx:1@{D1}", digest=D2, pinned_exists=False)),
        0,
        None,
    ),
    ("IMG005", subject(f"nginx@{D1}", resolved(f"nginx@{D1}", pinned_exists=True)), 0, None),
    (
        "IMG005",
        subject(
            f"nginx:1@{D2}",
            resolved(f"nginx:1@{D2}", digest=D1, pinned_exists=True, platforms=(AMD64, ARM64)),
        ),
        0,
        None,
    ),
    ("IMG006", subject("${IMAGE}", dynamic="${IMAGE} has no default"), 1, None),
    ("IMG006", subject("nginx:1"), 0, None),
    (
        "IMG009",
        subject(
            f"nginx:1@{D2}",
            resolved(f"nginx:1@{D2}", digest=D1, pinned_exists=True, platforms=(AMD64, ARM64)),
        ),
        1,
        None,
    ),
    (
        "IMG009",
        subject(f"nginx:1@{D1}", resolved(f"nginx:1@{D1}", digest=D1, platforms=(AMD64, ARM64))),
        0,
        None,
    ),
    ("IMG011", subject("nginx:1", resolved("nginx:1", error=error(ErrorKind.AUTH))), 1, None),
    (
        "IMG011",
        subject("nginx:1", resolved("nginx:1", error=error(ErrorKind.UNREACHABLE))),
        1,
        None,
    ),
    ("IMG011", subject("nginx:1", resolved("nginx:1", error=error(ErrorKind.INVALID))), 1, None),
    ("IMG011", subject("nginx:1", resolved("nginx:1", error=error(ErrorKind.NOT_FOUND))), 0, None),
]


@pytest.mark.parametrize(("rule_id", "subj", "count", "suggestion"), CASES)
def test_rule(rule_id: str, subj: Subject, count: int, suggestion: str | None) -> None:
    found = hits(rule_id, subj)
    assert len(found) == count
    if count:
        assert found[0][1] == suggestion


POLICY = Config(
    allowed_registries=("ghcr.io/acme", "registry.internal:5000", "docker.io/library/*")
)


@pytest.mark.parametrize(
    ("image", "allowed"),
    [
        ("ghcr.io/acme/web:1", True),
        ("ghcr.io/acme-evil/web:1", False),
        ("ghcr.io/other/web:1", False),
        ("registry.internal:5000/x/y:1", True),
        ("registry.internal/x:1", False),
        ("nginx:1", True),
        ("bitnami/nginx:1", False),
    ],
)
def test_untrusted_registry(image: str, allowed: bool) -> None:
    assert len(hits("IMG007", subject(image, config=POLICY))) == (0 if allowed else 1)
    assert hits("IMG007", subject(image)) == []


@pytest.mark.parametrize(
    ("platforms", "missing"),
    [
        ((AMD64, ARM64), ""),
        ((AMD64,), "linux/arm64"),
        ((), ""),
    ],
)
def test_missing_platform(platforms: tuple[PlatformEntry, ...], missing: str) -> None:
    config = Config(required_platforms=("linux/amd64", "linux/arm64"))
    found = hits(
        "IMG008", subject("nginx:1", resolved("nginx:1", digest=D1, platforms=platforms), config)
    )
    assert len(found) == (1 if missing else 0)
    if missing:
        assert missing in found[0][0]


def test_variable_default_message() -> None:
    found = hits("IMG001", subject("redis:7", form=Form.VARIABLE_DEFAULT))
    assert "variable can override" in found[0][0]


def test_latest_message_advises_version() -> None:
    assert "version tag" in hits("IMG002", subject("nginx"))[0][0]


def test_catalogue() -> None:
    rules = all_rules()
    assert [r.id for r in rules] == [f"IMG{n:03}" for n in range(13)]
    assert len({r.name for r in rules}) == 13
    for rule in rules:
        assert isinstance(rule, Rule)
        assert "**What**" in rule.doc and "**Why**" in rule.doc and "**Fix**" in rule.doc
    assert lookup("unpinned-tag").id == "IMG001"
    assert lookup("img002").name == "latest-tag"
    with pytest.raises(KeyError):
        lookup("IMG999")
