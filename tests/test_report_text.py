"""The text report: IMG011 findings of one registry on one line with a count; files not
fixed located as findings are."""

from __future__ import annotations

from report_factory import finding

from linter.model import Finding
from linter.report import FileError, Report, text
from linter.rules.unreachable_registry import problem


def unreachable(path: str, line: int, image: str, why: str) -> Finding:
    registry = image.split("/", 1)[0]
    return finding(
        path, line, 9, "IMG011", image, message=f"{registry}: {why}; {image!r} was not checked"
    )


def test_one_line_per_registry_and_problem_with_a_count() -> None:
    findings = (
        unreachable("a.yaml", 3, "ghcr.io/acme/a:1", "timed out (ReadTimeout)"),
        finding("a.yaml", 4, 9, "IMG001", "nginx:1.27", message="pinned by tag only"),
        unreachable("a.yaml", 5, "quay.io/x/b:1", "DNS: cannot resolve the host name (x)"),
        unreachable("b.yaml", 1, "ghcr.io/acme/c:1", "timed out (ReadTimeout)"),
        unreachable("b.yaml", 2, "ghcr.io/acme/d:1", "timed out (ReadTimeout)"),
    )
    report = Report(
        findings,
        2,
        5,
        registry_problems=(
            "ghcr.io: timed out (ReadTimeout)",
            "quay.io: DNS: cannot resolve the host name (x)",
            "docker.io: connection refused (nothing listens on that port)",
        ),
    )
    assert text.render(report).splitlines() == [
        "a.yaml:3:9: IMG011 [unreachable-registry] ghcr.io: timed out (ReadTimeout); "
        "3 images were not checked (-v lists them)",
        "a.yaml:4:9: IMG001 [unpinned-tag] pinned by tag only",
        "a.yaml:5:9: IMG011 [unreachable-registry] quay.io: DNS: cannot resolve the host name "
        "(x); 'quay.io/x/b:1' was not checked",
        # Only the problem no line above states.
        "registry problem: docker.io: connection refused (nothing listens on that port)",
        "checked 2 files, 5 images, 1 error, 4 warnings",
    ]


def test_verbose_lists_the_images_of_a_group() -> None:
    findings = tuple(
        unreachable("a.yaml", line, f"ghcr.io/acme/{name}:1", "HTTP 503 (after 4 attempts)")
        for line, name in ((3, "a"), (7, "b"))
    )
    report = Report(findings, 1, 2, verbose=True)
    assert text.render(report, quiet=True) == (
        "a.yaml:3:9: IMG011 [unreachable-registry] ghcr.io: HTTP 503 (after 4 attempts); "
        "2 images were not checked\n"
        "    a.yaml:3:9: 'ghcr.io/acme/a:1'\n"
        "    a.yaml:7:9: 'ghcr.io/acme/b:1'\n"
    )


def test_problem_is_only_for_img011_messages_it_made() -> None:
    assert problem(finding("a.yaml", 1, 1, "IMG001")) is None
    odd = finding("a.yaml", 1, 1, "IMG011", "x:1", message="something else")
    assert problem(odd) is None


def test_a_file_not_fixed_is_located_like_a_finding() -> None:
    report = Report(
        (), 1, 1, errors=(FileError("chart/values.yaml", "not fixed: no digest field", 3, 8),)
    )
    assert text.render(report).splitlines()[0] == (
        "chart/values.yaml:3:8: not fixed: no digest field"
    )
