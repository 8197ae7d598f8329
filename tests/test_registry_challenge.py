from __future__ import annotations

import pytest

from linter.registry.auth.challenge import Challenge, parse_challenges


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            ['Bearer realm="https://auth.docker.io/token",service="registry.docker.io"'],
            [
                (
                    "bearer",
                    {"realm": "https://auth.docker.io/token", "service": "registry.docker.io"},
                )
            ],
        ),
        # Quoted values may hold commas and spaces (several scopes).
        (
            ['Bearer realm="https://r/t",scope="repository:a/b:pull,push repository:c:pull"'],
            [
                (
                    "bearer",
                    {"realm": "https://r/t", "scope": "repository:a/b:pull,push repository:c:pull"},
                )
            ],
        ),
        # Unquoted tokens, lowercase scheme, spaces around '=' (BWS).
        (
            ["bearer realm = https://gcr.io/v2/token , service=gcr.io"],
            [("bearer", {"realm": "https://gcr.io/v2/token", "service": "gcr.io"})],
        ),
        # Case-insensitive scheme and keys.
        (['BASIC Realm="x"'], [("basic", {"realm": "x"})]),
        # ECR-style Basic challenge.
        (
            [
                'Basic realm="https://1.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"'
            ],
            [
                (
                    "basic",
                    {
                        "realm": "https://1.dkr.ecr.us-east-1.amazonaws.com/",
                        "service": "ecr.amazonaws.com",
                    },
                )
            ],
        ),
        # Two challenges in one header.
        (
            ['Basic realm="r1", Bearer realm="https://t",service="s"'],
            [("basic", {"realm": "r1"}), ("bearer", {"realm": "https://t", "service": "s"})],
        ),
        # Two headers.
        (
            ['Basic realm="r1"', 'Bearer realm="https://t"'],
            [("basic", {"realm": "r1"}), ("bearer", {"realm": "https://t"})],
        ),
        # Escapes inside quoted strings.
        (['Bearer realm="a\\"b\\\\c"'], [("bearer", {"realm": 'a"b\\c'})]),
        # insufficient_scope error with the scope it needs.
        (
            [
                'Bearer realm="https://t",service="s",scope="repository:b:pull",error="insufficient_scope"'
            ],
            [
                (
                    "bearer",
                    {
                        "realm": "https://t",
                        "service": "s",
                        "scope": "repository:b:pull",
                        "error": "insufficient_scope",
                    },
                )
            ],
        ),
        # public.ecr.aws answers scope="aws".
        (
            ['Bearer realm="https://public.ecr.aws/token/",service="public.ecr.aws",scope="aws"'],
            [
                (
                    "bearer",
                    {
                        "realm": "https://public.ecr.aws/token/",
                        "service": "public.ecr.aws",
                        "scope": "aws",
                    },
                )
            ],
        ),
        # token68 credentials, then another challenge.
        (
            ['Negotiate abc123==, Basic realm="x"'],
            [("negotiate", {"": "abc123=="}), ("basic", {"realm": "x"})],
        ),
        # A bare scheme.
        (["Bearer"], [("bearer", {})]),
        # Nothing, garbage, an unterminated quote.
        ([], []),
        ([""], []),
        (["=,="], []),
        (['Bearer realm="https://t'], [("bearer", {"realm": "https://t"})]),
    ],
)
def test_parse_challenges(headers: list[str], expected: list[tuple[str, dict[str, str]]]) -> None:
    got = [(c.scheme, dict(c.params)) for c in parse_challenges(headers)]
    assert got == expected


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("repository:a:pull", ("repository:a:pull",)),
        (
            "repository:a:pull  repository:host:5000/b:push",
            ("repository:a:pull", "repository:host:5000/b:push"),
        ),
        ("", ()),
    ],
)
def test_scopes(scope: str, expected: tuple[str, ...]) -> None:
    assert Challenge("bearer", {"scope": scope}).scopes == expected


def test_missing_parameter() -> None:
    assert Challenge("basic").get("realm") is None
