"""Hand-built findings, occurrences and reports for the reporter and PR-bot tests.

Also the golden-file check: ``IMAGEPIN_UPDATE_GOLDEN=1 pytest …`` rewrites the files
(refused under CI; review the diff and tests/fixtures/SOURCES.md before committing).
"""

from __future__ import annotations

import os
from pathlib import Path

from linter.extract import extract
from linter.model import Finding, Level, Occurrence, Span
from linter.report import FileError, Report
from linter.rules.catalog import lookup

GOLDEN = Path(__file__).parent / "golden"
UPDATE_GOLDEN = "IMAGEPIN_UPDATE_GOLDEN"
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
DIGEST_C = "sha256:" + "c" * 64


def occurrence(text: str, image: str, path: str, *, nth: int = 0) -> Occurrence:
    """The ``nth`` occurrence of ``image`` in ``text``: the extractor's, when it finds one."""
    found = [o for o in extract(path, text).occurrences if o.image == image]
    if len(found) > nth:
        return found[nth]
    start = -1
    for _ in range(nth + 1):
        start = text.index(image, start + 1)
    end = start + len(image)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return Occurrence(
        path=path,
        line=line,
        column=column,
        end_line=line,
        end_column=column + len(image),
        start=start,
        end=end,
        raw=image,
        image=image,
        yaml_path=f"image[{start}]",
        edit=Span(start, end),
    )


def finding(
    path: str,
    line: int,
    column: int,
    rule: str = "IMG001",
    image: str = "nginx:1.27",
    *,
    message: str | None = None,
    suggestion: str | None = None,
    level: Level | None = None,
    occ: Occurrence | None = None,
) -> Finding:
    known = lookup(rule)
    return Finding(
        path=path,
        line=line,
        column=column,
        end_line=line,
        end_column=column + max(len(image), 1),
        rule=known.id,
        name=known.name,
        level=level or known.level,
        message=message or f"image {image!r} breaks {known.name}",
        image=image,
        reference=None,
        suggestion=suggestion,
        occurrence=occ,
    )


def finding_in(
    text: str, image: str, path: str, *, rule: str = "IMG001", digest: str = DIGEST_A, nth: int = 0
) -> Finding:
    """A finding on the ``nth`` ``image`` in ``text`` whose suggestion pins it to ``digest``."""
    occ = occurrence(text, image, path, nth=nth)
    head = image if ":" in image.rsplit("/", 1)[-1] else image + ":latest"
    return finding(path, occ.line, occ.column, rule, image, suggestion=f"{head}@{digest}", occ=occ)


def sample_report(*, verbose: bool = False) -> Report:
    """A report with one of everything a reporter must show."""
    findings = (
        finding("broken.yaml", 4, 3, "IMG000", "", message="mapping values are not allowed here"),
        finding(
            "compose.yaml",
            5,
            12,
            "IMG005",
            f"redis:7@{DIGEST_C}",
            message="tag 'redis:7' now points to another digest",
            suggestion=f"redis:7@{DIGEST_B}",
        ),
        finding(
            "deploy/app.yaml",
            12,
            16,
            "IMG001",
            "nginx:1.27",
            message="image 'nginx:1.27' is pinned by tag only; a tag can be moved",
            suggestion=f"nginx:1.27@{DIGEST_A}",
        ),
        finding(
            "deploy/app.yaml",
            30,
            18,
            "IMG002",
            "redis",
            message="image 'redis' has no tag: it means :latest",
            suggestion=f"redis:latest@{DIGEST_B}",
        ),
        finding(
            "deploy/jobs.yaml",
            8,
            20,
            "IMG006",
            "${REGISTRY}/app:1",
            message="image '${REGISTRY}/app:1' depends on a variable",
        ),
        finding(
            "odd dir/we|rd `x`.yaml",
            3,
            10,
            "IMG003",
            "Nginx|<b>@admin",
            message="invalid reference 'Nginx|<b>@admin': *uppercase* @admin\nsecond line",
        ),
    )
    return Report(
        findings=findings,
        files_scanned=9,
        images=14,
        errors=(FileError("unreadable.yaml", "binary file (NUL byte at offset 3)"),),
        registry_problems=("ghcr.io: connection refused",),
        verbose=verbose,
    )


def many_report(count: int) -> Report:
    findings = tuple(
        finding(
            f"apps/app{i:03}.yaml",
            i + 1,
            16,
            "IMG001",
            f"example.com/team/app{i}:1.{i}",
            suggestion=f"example.com/team/app{i}:1.{i}@{DIGEST_A}",
        )
        for i in range(count)
    )
    return Report(findings=findings, files_scanned=count, images=count)


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get(UPDATE_GOLDEN):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.is_file(), f"{path} is missing: run with {UPDATE_GOLDEN}=1 to write it"
    assert text == path.read_bytes().decode("utf-8"), f"{name} differs from the golden file"
