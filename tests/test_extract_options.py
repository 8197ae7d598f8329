from __future__ import annotations

import pytest

from linter.config import ConfigError, RegexExtractor
from linter.configfile import from_mapping
from linter.extract.options import FormatOptions


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({}, FormatOptions()),
        ({"helm-values": ["deploy/*.yaml"]}, FormatOptions(helm_values=("deploy/*.yaml",))),
        (
            {"helm-values": ["a/*.yaml", "b/values.yml"], "helm-digest-in-tag": True},
            FormatOptions(helm_values=("a/*.yaml", "b/values.yml"), helm_digest_in_tag=True),
        ),
        ({"marker-files": ["Makefile", "*.tf"]}, FormatOptions(marker_files=("Makefile", "*.tf"))),
        (
            {"regex-extractors": [{"files": ["*.mk"], "pattern": "IMG \\?= (?P<image>\\S+)"}]},
            FormatOptions(
                regex_extractors=(RegexExtractor(("*.mk",), "IMG \\?= (?P<image>\\S+)"),)
            ),
        ),
    ],
)
def test_from_config(table: dict[str, object], expected: FormatOptions) -> None:
    assert FormatOptions.from_config(from_mapping(table, "t.toml")) == expected


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"helm-values": [1]}, "t.toml: helm-values: expected a list of strings"),
        (
            {"helm-values": "deploy/*.yaml"},
            "t.toml: helm-values: expected a list of strings, got a string: "
            'write helm-values = \\["deploy/\\*.yaml"\\]',
        ),
        ({"helm-digest-in-tag": "yes"}, "t.toml: helm-digest-in-tag: expected true or false"),
        ({"marker-files": "Makefile"}, "t.toml: marker-files: expected a list of strings"),
        (
            {"regex-extractors": {"files": ["*.mk"]}},
            "t.toml: regex-extractors: expected a list of tables with files and pattern "
            "\\(\\[\\[regex-extractors\\]\\]\\), got a table",
        ),
        (
            {"regex-extractors": [{"files": ["*.mk"], "pattern": "(?P<image>x)", "name": "n"}]},
            "t.toml: regex-extractors\\[0\\]: unknown key 'name': expected files and pattern",
        ),
        (
            {"regex-extractors": [{"pattern": "(?P<image>x)"}]},
            "t.toml: regex-extractors\\[0\\]: files is missing",
        ),
        (
            {"regex-extractors": [{"files": [], "pattern": "(?P<image>x)"}]},
            "t.toml: regex-extractors\\[0\\].files: expected at least one glob",
        ),
        (
            {"regex-extractors": [{"files": ["*.mk"], "pattern": "(?P<image>x"}]},
            "t.toml: regex-extractors\\[0\\].pattern: not a regular expression: "
            "missing \\), unterminated subpattern",
        ),
        (
            {"regex-extractors": [{"files": ["*.mk"], "pattern": "IMG = (\\S+)"}]},
            "t.toml: regex-extractors\\[0\\].pattern: no group named image",
        ),
        (
            {"regex-extractors": [{"files": ["*.mk"], "pattern": "(?P<image>(a+)+)$"}]},
            "t.toml: regex-extractors\\[0\\].pattern: '\\(a\\+\\)\\+' repeats a group of "
            "repetitions only, which can take exponential time",
        ),
        (
            {"regex-extractors": [{"files": ["*.mk"], "pattern": 1}]},
            "t.toml: regex-extractors\\[0\\].pattern: expected a string, got an integer",
        ),
    ],
)
def test_invalid(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        from_mapping(table, "t.toml")
