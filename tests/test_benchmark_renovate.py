"""benchmarks/renovate.py: how Renovate's dependencies are matched to imagepin's
occurrences (Renovate itself is not installed here; docs/formats.md has its numbers)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/ is not installed: it runs from a checkout, as the README says.
sys.path.insert(0, str(ROOT))

from benchmarks.renovate import compare, read_dependency  # noqa: E402
from linter.extract import extract  # noqa: E402

CIRCLECI = """\
version: 2.1
parameters:
  base-image: {type: string, default: "cimg/base:2024.12"}
executors:
  base: {docker: [{image: << pipeline.parameters.base-image >>}]}
jobs:
  test:
    docker:
      - image: cimg/python:3.12
"""


def test_matches_by_reference_text_parameter_and_repository() -> None:
    path = ".circleci/config.yml"
    occurrences = {path: list(extract(path, CIRCLECI).occurrences)}
    renovate = [
        {"depName": "cimg/python", "currentValue": "3.12", "datasource": "docker"},
        {"replaceString": "<< pipeline.parameters.base-image >>", "datasource": "docker"},
        {"replaceString": "<< pipeline.parameters.base-image >>", "datasource": "docker"},
        {"depName": "docker.io/cimg/python", "datasource": "docker"},  # no tag: the repository
        {"depName": "cimg/node", "currentValue": "22", "datasource": "docker"},
        {"replaceString": "cimg/ruby:${V}", "skipReason": "contains-variable"},
    ]
    dependencies = [read_dependency("circleci", path, dep) for dep in renovate]
    counts, missed, extra = compare(dependencies, occurrences)
    assert (counts["circleci renovate"], counts["circleci both"]) == (6, 4)
    assert [d.text for d in missed] == ["cimg/node:22", "cimg/ruby:${V}"]
    assert extra == []
