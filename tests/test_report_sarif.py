from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for
from report_factory import DIGEST_A, finding, finding_in, many_report, sample_report
from shared_data import SARIF_SCHEMA

from linter import __version__
from linter.model import Form, KustomizeEntry, Level
from linter.report import Report, sarif
from linter.rules.catalog import all_rules

MANIFEST = """\
apiVersion: v1
kind: Pod
spec:
  containers:
    - name: web
      image: nginx:1.27   # the web server
    - name: cache
      image: "redis"
"""


@pytest.fixture(scope="module")
def validator() -> Any:
    if not SARIF_SCHEMA.is_file():  # under CI, conftest.py has refused the run
        pytest.skip(f"{SARIF_SCHEMA} is missing (../shared)")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _log(report: Report) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(sarif.render(report))
    return document


def _run(report: Report) -> dict[str, Any]:
    run: dict[str, Any] = _log(report)["runs"][0]
    return run


def _manifest_report(tmp_path: Path, text: str = MANIFEST) -> Report:
    (tmp_path / "deploy").mkdir(exist_ok=True)
    (tmp_path / "deploy" / "pod.yaml").write_bytes(text.encode("utf-8"))
    findings = (
        finding_in(text, "nginx:1.27", "deploy/pod.yaml"),
        finding_in(text, "redis", "deploy/pod.yaml", rule="IMG002"),
    )
    return Report(findings, files_scanned=1, images=2, root=str(tmp_path))


@pytest.mark.parametrize(
    "report",
    [
        Report((), 0, 0),
        sample_report(),
        sample_report(verbose=True),
        many_report(30),
        Report((finding("/abs/path/app.yaml", 1, 1),), 1, 1),
    ],
)
def test_validates_against_the_schema(validator: Any, report: Report) -> None:
    errors = [e.message for e in validator.iter_errors(_log(report))]
    assert errors == []


def test_fixes_validate_against_the_schema(validator: Any, tmp_path: Path) -> None:
    log = _log(_manifest_report(tmp_path))
    assert [e.message for e in validator.iter_errors(log)] == []
    assert all("fixes" in result for result in log["runs"][0]["results"])


def test_driver_describes_every_rule() -> None:
    driver = _run(Report((), 0, 0))["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("imagepin", __version__)
    assert driver["informationUri"].startswith("https://")
    rules = {rule.id: rule for rule in all_rules()}
    assert [d["id"] for d in driver["rules"]] == list(rules)
    for descriptor in driver["rules"]:
        rule = rules[descriptor["id"]]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert 0 < len(descriptor["fullDescription"]["text"]) <= 1024
        assert "**" not in descriptor["fullDescription"]["text"]
        assert descriptor["help"]["markdown"] == rule.doc
        assert descriptor["help"]["text"]
        assert descriptor["defaultConfiguration"]["level"] == sarif.LEVELS[rule.level]


@pytest.mark.parametrize(
    ("rule", "severity"),
    [
        ("IMG001", "7.5"),
        ("IMG002", "8.0"),
        ("IMG007", "8.5"),
        ("IMG010", "8.0"),
        ("IMG000", None),
        ("IMG003", None),
        ("IMG011", None),
    ],
)
def test_security_severity(rule: str, severity: str | None) -> None:
    driver = _run(Report((), 0, 0))["tool"]["driver"]
    properties = next(d for d in driver["rules"] if d["id"] == rule)["properties"]
    assert properties.get("security-severity") == severity
    assert ("security" in properties["tags"]) is (severity is not None)


def test_security_severities_are_in_githubs_range() -> None:
    ids = {rule.id for rule in all_rules()}
    assert set(sarif.SECURITY_SEVERITY) <= ids
    assert all(0.0 < float(score) <= 10.0 for score in sarif.SECURITY_SEVERITY.values())


@pytest.mark.parametrize(
    ("level", "sarif_level"),
    [(Level.ERROR, "error"), (Level.WARNING, "warning"), (Level.INFO, "note")],
)
def test_result_level(level: Level, sarif_level: str) -> None:
    report = Report((finding("a.yaml", 1, 1, level=level),), 1, 1, verbose=True)
    assert _run(report)["results"][0]["level"] == sarif_level


def test_result_location_is_relative_to_the_source_root(tmp_path: Path) -> None:
    report = Report(
        (finding("odd dir/a#b.yaml", 3, 7, image="nginx:1.27"),), 1, 1, root=str(tmp_path)
    )
    run = _run(report)
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "odd%20dir/a%23b.yaml", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 3, "startColumn": 7, "endLine": 3, "endColumn": 17}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    assert run["results"][0]["ruleId"] == "IMG001"
    assert run["results"][0]["ruleIndex"] == 1


def test_absolute_paths_are_file_uris() -> None:
    location = _run(Report((finding("/abs/app.yaml", 1, 1),), 1, 1))["results"][0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "file:///abs/app.yaml"}


def test_message_carries_the_suggestion() -> None:
    report = Report((finding("a.yaml", 1, 1, message="tag only.", suggestion="x@sha256:1"),), 1, 1)
    assert _run(report)["results"][0]["message"]["text"] == "tag only. Pinned: x@sha256:1"


def _fingerprint(report: Report, index: int = 0) -> str:
    value: str = _run(report)["results"][index]["partialFingerprints"]["primaryLocationLineHash"]
    return value


def test_fingerprints_survive_line_moves() -> None:
    before = Report((finding("a.yaml", 10, 5),), 1, 1)
    after = Report((finding("a.yaml", 42, 9),), 1, 1)
    assert _fingerprint(before) == _fingerprint(after)


def test_fingerprints_are_stable_across_runs_and_unique() -> None:
    fingerprints = [_fingerprint(sample_report(verbose=True), i) for i in range(6)]
    assert fingerprints == [_fingerprint(sample_report(verbose=True), i) for i in range(6)]
    assert len(set(fingerprints)) == 6


def _apply(text: str, replacement: dict[str, Any]) -> str:
    lines = text.splitlines(keepends=True)

    def offset(line: int, column: int) -> int:
        return sum(len(x) for x in lines[: line - 1]) + column - 1

    region = replacement["deletedRegion"]
    start = offset(region["startLine"], region["startColumn"])
    end = offset(region["endLine"], region["endColumn"])
    return text[:start] + replacement["insertedContent"]["text"] + text[end:]


def test_fixes_replace_exactly_the_image(tmp_path: Path) -> None:
    results = _run(_manifest_report(tmp_path))["results"]
    text = MANIFEST
    for result in reversed(results):
        change = result["fixes"][0]["artifactChanges"][0]
        assert change["artifactLocation"] == {"uri": "deploy/pod.yaml", "uriBaseId": "%SRCROOT%"}
        text = _apply(text, change["replacements"][0])
    assert text == MANIFEST.replace("nginx:1.27", f"nginx:1.27@{DIGEST_A}").replace(
        '"redis"', f'"redis:latest@{DIGEST_A}"'
    )


def test_fixes_insert_a_kustomize_digest(tmp_path: Path) -> None:
    text = "images:\n  - name: nginx\n    newTag: '1.27'\n"
    (tmp_path / "kustomization.yaml").write_text(text, encoding="utf-8")
    base = finding_in(text, "nginx", "kustomization.yaml")
    at = text.index("'1.27'") + len("'1.27'")
    occurrence = base.occurrence._replace(
        image="nginx:1.27",
        form=Form.KUSTOMIZE,
        edit=None,
        kustomize=KustomizeEntry(digest=None, insert_at=at, insert_prefix="\n    digest: "),
    )
    kustomize = base._replace(
        image="nginx:1.27", suggestion=f"nginx:1.27@{DIGEST_A}", occurrence=occurrence
    )
    result = _run(Report((kustomize,), 1, 1, root=str(tmp_path)))["results"][0]
    replacement = result["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["deletedRegion"] == {
        "startLine": 3,
        "startColumn": 19,
        "endLine": 3,
        "endColumn": 19,
    }
    assert _apply(text, replacement) == text.replace("'1.27'", f"'1.27'\n    digest: {DIGEST_A}")


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda f: f._replace(suggestion=None), id="no suggestion"),
        pytest.param(lambda f: f._replace(occurrence=None), id="no occurrence"),
        pytest.param(
            lambda f: f._replace(occurrence=f.occurrence._replace(edit=None)), id="not editable"
        ),
        pytest.param(lambda f: f._replace(path="missing.yaml"), id="file gone"),
    ],
)
def test_no_fix_when_it_cannot_be_computed(tmp_path: Path, change: Any) -> None:
    report = _manifest_report(tmp_path)
    report = report._replace(findings=(change(report.findings[0]),))
    assert "fixes" not in _run(report)["results"][0]


def test_no_fix_when_the_file_changed(tmp_path: Path) -> None:
    report = _manifest_report(tmp_path)
    (tmp_path / "deploy" / "pod.yaml").write_text(
        MANIFEST.replace("nginx", "httpd"), encoding="utf-8"
    )
    nginx, redis = _run(report)["results"]
    assert "fixes" not in nginx
    assert "fixes" in redis


def test_unlinted_files_and_registry_problems_are_notifications() -> None:
    invocation = _run(sample_report())["invocations"][0]
    notes = invocation["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["error", "warning"]
    assert (
        notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "unreadable.yaml"
    )
    assert notes[1]["message"]["text"] == "registry problem: ghcr.io: connection refused"
    assert invocation["executionSuccessful"] is True


def test_info_findings_need_verbose() -> None:
    assert "IMG006" not in {r["ruleId"] for r in _run(sample_report())["results"]}
    assert "IMG006" in {r["ruleId"] for r in _run(sample_report(verbose=True))["results"]}
