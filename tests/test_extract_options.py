from __future__ import annotations

import pytest

from linter.config import ConfigError, from_mapping
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
    ],
)
def test_invalid(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        from_mapping(table, "t.toml")
