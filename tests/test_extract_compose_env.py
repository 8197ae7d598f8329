"""Compose files interpolated with the ``.env`` of their directory, and fixes written there."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter import atomic
from linter.discovery import discover
from linter.extract import extract
from linter.extract.dotenv import Variable, interpolate, parse
from linter.fixer import Pin, apply_edits, edits_for
from linter.model import Edit, Finding, Form, Level, Span
from linter.rewrite import FileFix, dotenv_changes, fix_elsewhere

D1 = "sha256:" + "1" * 64


@pytest.mark.parametrize(
    ("text", "name", "value", "edit"),
    [
        ("A=nginx:1.27\n", "A", "nginx:1.27", "nginx:1.27"),
        ("export A=nginx:1.27\n", "A", "nginx:1.27", "nginx:1.27"),
        ("  A = nginx:1.27  \n", "A", "nginx:1.27", "nginx:1.27"),
        ("A=nginx:1.27 # web\n", "A", "nginx:1.27", "nginx:1.27"),
        ("A=nginx#1\n", "A", "nginx#1", "nginx#1"),
        ("A='nginx:1.27'\n", "A", "nginx:1.27", "nginx:1.27"),
        ('A="nginx:1.27"  # c\n', "A", "nginx:1.27", "nginx:1.27"),
        ("A='$B'\n", "A", "$B", "$B"),
        ('A="a\\"b"\n', "A", 'a"b', None),
        ('A="line\none"\n', "A", "line\none", None),
        ("A=nginx:1.27\r\n", "A", "nginx:1.27", "nginx:1.27"),
        ("\ufeffA=x\n", "A", "x", "x"),
        ("B=1.2\nA=app:${B}\n", "A", "app:1.2", None),
        ('B=1.2\nA="app:$B"\n', "A", "app:1.2", None),
        ("A=first\nA=second\n", "A", "second", "second"),
        ("A=\n", "A", "", ""),
    ],
)
def test_parse(text: str, name: str, value: str, edit: str | None) -> None:
    variable = parse(text)[name]
    assert variable.value == value
    assert (text[variable.edit.start : variable.edit.end] if variable.edit else None) == edit


def test_parse_skips_comments_and_other_lines() -> None:
    text = "# A=commented\n\nnot an assignment\n; B=1\nC=3 # three\n"
    at = text.index("3 #")
    assert parse(text) == {"C": Variable("C", "3", 5, Span(at, at + 1))}


def test_a_value_that_needs_the_environment_is_unknown() -> None:
    variables = parse("A=app:${MISSING}\n")
    assert variables["A"].dynamic and variables["A"].known is None
    assert interpolate("${A}", {"A": None}).dynamic == "${A}"


@pytest.mark.parametrize(
    ("value", "variables", "image", "dynamic"),
    [
        ("${A}", {"A": "nginx:1.27"}, "nginx:1.27", None),
        ("$A", {"A": "nginx:1.27"}, "nginx:1.27", None),
        ("${A:-redis:7}", {"A": "nginx:1.27"}, "nginx:1.27", None),
        ("${A:-redis:7}", {"A": ""}, "redis:7", None),
        ("${A-redis:7}", {"A": ""}, "", None),
        ("${A:?set it}", {"A": "x:1"}, "x:1", None),
        ("${A:?set it}", {}, "${A:?set it}", "${A:?set it}"),
        ("app:${A:+1.0}", {"A": "yes"}, "app:1.0", None),
        ("${B}", {"A": "x"}, "${B}", "${B}"),
    ],
)
def test_interpolate_with_variables(
    value: str, variables: dict[str, str], image: str, dynamic: str | None
) -> None:
    found = interpolate(value, variables)
    assert (found.image, found.dynamic) == (image, dynamic)


ENV = """\
# The demo's images (a .env in the shape of real demos).
export POSTGRES_IMAGE=postgres:18.4
REDIS_IMAGE='redis:7.4'
NGINX_TAG=1.27 # the web tier
PYTHON_VERSION=3.12
ELASTIC_VERSION=9.5.1
ESCAPED="a\\tb:1"
"""
COMPOSE = """\
services:
  db:
    image: ${POSTGRES_IMAGE}
  cache:
    image: "$REDIS_IMAGE"
  web:
    image: nginx:${NGINX_TAG}
  worker:
    image: python:${PYTHON_VERSION}-slim
  jobs:
    image: python:${PYTHON_VERSION}
  search:
    image: elastic/search:${ELASTIC_VERSION}
  search-setup:
    build:
      context: setup/
      args:
        ELASTIC_VERSION: ${ELASTIC_VERSION}
  odd:
    image: ${ESCAPED}
  unset:
    image: app:${NOT_IN_ENV}
    env_file: [.env.local]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / ".env").write_text(ENV)
    (tmp_path / "demo" / ".env.local").write_text("NOT_IN_ENV=1.0\n")
    (tmp_path / "demo" / "compose.yaml").write_text(COMPOSE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_images_read_from_env(project: Path) -> None:
    found = extract("demo/compose.yaml", COMPOSE).occurrences
    rows = [(o.line, o.image, o.form, o.fix_path, o.dynamic, o.unfixable) for o in found]
    assert rows == [
        (3, "postgres:18.4", Form.ENV_FILE, "demo/.env", None, None),
        (5, "redis:7.4", Form.ENV_FILE, "demo/.env", None, None),
        (7, "nginx:1.27", Form.ENV_FILE, "demo/.env", None, None),
        (
            9,
            "python:3.12-slim",
            Form.ENV_FILE,
            None,
            None,
            "PYTHON_VERSION holds neither the whole reference nor its tag",
        ),
        (
            11,
            "python:3.12",
            Form.ENV_FILE,
            None,
            None,
            "PYTHON_VERSION feeds several images (python:3.12, python:3.12-slim)",
        ),
        (
            13,
            "elastic/search:9.5.1",
            Form.ENV_FILE,
            None,
            None,
            "ELASTIC_VERSION is also used outside image: in this file",
        ),
        (
            20,
            "a\tb:1",
            Form.ENV_FILE,
            None,
            None,
            "the value of ESCAPED in demo/.env is not plain text",
        ),
        (22, "app:${NOT_IN_ENV}", Form.SCALAR, None, "${NOT_IN_ENV}", None),
    ]
    db = found[0]
    assert db.note == "from demo/.env (POSTGRES_IMAGE on line 2); the environment can override it"
    assert ENV[db.edit.start : db.edit.end] == "postgres:18.4"  # type: ignore[union-attr]
    assert found[2].kustomize is not None and found[2].kustomize.insert_prefix == "@"


@pytest.mark.parametrize(
    ("line", "fixed"),
    [
        (3, f"export POSTGRES_IMAGE=postgres:18.4@{D1}\n"),
        (5, f"REDIS_IMAGE='redis:7.4@{D1}'\n"),
        (7, f"NGINX_TAG=1.27@{D1} # the web tier\n"),
    ],
)
def test_env_values_are_fixed_byte_exactly(project: Path, line: int, fixed: str) -> None:
    (occurrence,) = [o for o in extract("demo/compose.yaml", COMPOSE).occurrences if o.line == line]
    edits = edits_for(ENV, Pin(occurrence, D1))
    new = apply_edits(ENV, edits)
    assert dotenv_changes(ENV, new, edits) is None
    changed = [
        (a, b) for a, b in zip(ENV.splitlines(True), new.splitlines(True), strict=True) if a != b
    ]
    assert [b for _, b in changed] == [fixed]


def test_env_changes_are_verified(project: Path) -> None:
    db = extract("demo/compose.yaml", COMPOSE).occurrences[0]
    edits = edits_for(ENV, Pin(db, D1))
    assert dotenv_changes(ENV, apply_edits(ENV, edits), edits) is None
    # Another value changed too, or an edit outside any value: not written.
    changed = apply_edits(ENV, edits).replace("NGINX_TAG=1.27", "NGINX_TAG=1.28")
    assert dotenv_changes(ENV, changed, edits) == (
        "NGINX_TAG would read '1.28' instead of '1.27'; not written"
    )
    comment = [Edit(0, 1, "#")]
    assert dotenv_changes(ENV, apply_edits(ENV, comment), comment) == (
        "an edit falls outside the values of the file; not written"
    )


def test_without_env_file_defaults_are_read_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = "services:\n  a:\n    image: ${IMAGE:-nginx:1.27}\n  b:\n    image: app:${TAG}\n"
    found = extract("compose.yaml", text).occurrences
    assert [(o.image, o.form, o.dynamic) for o in found] == [
        ("nginx:1.27", Form.VARIABLE_DEFAULT, None),
        ("app:${TAG}", Form.SCALAR, "${TAG}"),
    ]


def test_a_named_env_file_lints_the_compose_files_that_read_it(project: Path) -> None:
    (project / "demo" / "docker-compose.override.yml").write_text("services: {}\n")
    (project / "demo" / "notes.yaml").write_text("a: b\n")
    files, problems = discover(["demo/.env"], cwd=project)
    assert [(f.display, f.explicit) for f in files] == [
        ("demo/compose.yaml", True),
        ("demo/docker-compose.override.yml", True),
    ]
    assert problems == []


def test_the_tag_variable_takes_the_digest_however_the_name_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``${REGISTRY}/app:${TAG}``: the tag's value is the whole tag at the end of the
    reference, so it takes the digest (as a Dockerfile's ``ARG``); a tag built from
    several parts does not."""
    env = 'REGISTRY=ghcr.io/acme\nAPP_TAG="2.4.1"\nWEB_TAG=1.27\nX_TAG=3\n'
    compose = (
        "services:\n"
        "  app: {image: '${REGISTRY}/app:${APP_TAG}'}\n"
        "  web: {image: '${MIRROR:-docker.io}/nginx:${WEB_TAG}'}\n"
        "  x: {image: '${REGISTRY}/x:${X_TAG}-slim'}\n"
    )
    (tmp_path / ".env").write_text(env)
    monkeypatch.chdir(tmp_path)
    app, web, x = extract("compose.yaml", compose).occurrences
    assert (app.image, web.image, x.image) == (
        "ghcr.io/acme/app:2.4.1",
        "docker.io/nginx:1.27",
        "ghcr.io/acme/x:3-slim",
    )
    for occurrence, fixed in (
        (app, f'APP_TAG="2.4.1@{D1}"\n'),
        (web, f"WEB_TAG=1.27@{D1}\n"),
    ):
        assert (occurrence.fix_path, occurrence.unfixable) == (".env", None)
        edits = edits_for(env, Pin(occurrence, D1))
        assert fixed in apply_edits(env, edits)
        assert dotenv_changes(env, apply_edits(env, edits), edits) is None
    assert x.unfixable == "it is built from several variables (${REGISTRY}/x:${X_TAG}-slim)"


def test_a_variable_read_whole_by_one_file_and_as_a_tag_by_another_is_not_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two Compose files of one project read ``V`` differently: one edit would write the
    whole reference, the other append to the tag; both at once made a broken value."""
    (tmp_path / ".env").write_text("V=1.27\n")
    monkeypatch.chdir(tmp_path)
    fix = FileFix("compose.yaml", root=tmp_path)
    for name, text, digest in (
        ("compose.yaml", "services:\n  a: {image: 'nginx:${V}'}\n", D1),
        ("docker-compose.yaml", "services:\n  b: {image: '${V}'}\n", "sha256:" + "2" * 64),
        ("compose.override.yaml", "services:\n  c: {image: 'nginx:${V}'}\n", D1),
    ):
        (occurrence,) = extract(name, text).occurrences
        assert occurrence.fix_path == ".env"
        finding = Finding(
            name, 2, 1, 2, 1, "IMG001", "unpinned-tag", Level.ERROR, "", occurrence.image
        )
        fix.elsewhere.append((finding, Pin(occurrence, digest)))

    (outcome,) = fix_elsewhere([fix], root=tmp_path, dry_run=False, targets=atomic.Targets())
    assert (tmp_path / ".env").read_text() == "V=1.27\n"
    assert outcome.fixed == []
    assert {error.message for error in outcome.errors} == {
        "not fixed: its value in .env feeds several images (1.27, nginx:1.27)"
    }
