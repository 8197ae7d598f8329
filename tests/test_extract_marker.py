"""Any text file: lines marked ``imagepin: image`` and ``regex-extractors`` (the suite
tests/fixtures/formats/text-markers fixes them end to end)."""

from __future__ import annotations

import pytest

from linter.config import RegexExtractor
from linter.extract import extract
from linter.extract.options import FormatOptions

TEXT = FormatOptions(marker_files=("Makefile", "*.sh", "*.tf", "*.jsonnet"))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # On the line, after the reference: the comment styles of Make, shell, HCL, Jsonnet.
        ("IMG ?= golang:1.23-alpine  # imagepin: image\n", ["golang:1.23-alpine"]),
        ('image = "nginx:1.27" // imagepin: image\n', ["nginx:1.27"]),
        ("local img = 'ghcr.io/acme/web:2.4'; // imagepin:image\n", ["ghcr.io/acme/web:2.4"]),
        (
            "BASE=alpine:3.20@sha256:" + "a" * 64 + " # imagepin: image\n",
            [f"alpine:3.20@sha256:{'a' * 64}"],
        ),
        # Alone on the line above.
        ("# imagepin: image\nKIND_NODE_IMAGE=kindest/node:v1.31.0\n", ["kindest/node:v1.31.0"]),
        ('  // imagepin: image\n  image = "alpine:3.20"\n', ["alpine:3.20"]),
        # Every reference-shaped word of the line; words that are not references left out.
        (
            "\tdocker run -p 5432:5432 -e A=b -v $(PWD):/src postgres:16.4 && docker pull redis:7.4 # imagepin: image\n",
            ["postgres:16.4", "redis:7.4"],
        ),
        ("PUSH_TO ?= ghcr.io/acme/web # imagepin: image\n", ["ghcr.io/acme/web"]),
        ("OUT ?= bin/app # imagepin: image\n", []),
        ("URL=https://example.com/a:1 # imagepin: image\n", []),
        ("V=0.0.0.0:80 # imagepin: image\n", []),
        ("IMG=Nginx:1.27 # imagepin: image\n", []),
        # A variable makes it dynamic, reported only when the line holds no literal one.
        (
            "docker build -t $(REGISTRY)/app:$(VERSION) . # imagepin: image\n",
            ["$(REGISTRY)/app:$(VERSION)"],
        ),
        ('default = "ghcr.io/acme/w:${var.v}" # imagepin: image\n', ["ghcr.io/acme/w:${var.v}"]),
        ("docker run -v $PWD:/src golang:1.22 # imagepin: image\n", ["golang:1.22"]),
        ("docker run ${IMAGE} # imagepin: image\n", []),
        # Not a marker: another word, no comment, an earlier comment holds the reference.
        ("IMG=nginx:1.27 # imagepin: images\n", []),
        ("IMG=nginx:1.27 # imagepin: ignore\n", []),
        ("echo imagepin: image nginx:1.27\n", []),
        ("IMG=a # was nginx:1.27 # imagepin: image\n", []),
        ("IMG=nginx:1.27 # imagepin: image\r\n", ["nginx:1.27"]),
        ("# imagepin: image\n", []),
    ],
)
def test_marked_lines(text: str, found: list[str]) -> None:
    occurrences = extract("Makefile", text, TEXT).occurrences
    assert [o.image for o in occurrences] == found
    for occurrence in occurrences:
        assert text[occurrence.start : occurrence.end] == occurrence.image
        assert (occurrence.edit is not None) == (occurrence.dynamic is None)


def test_a_marker_works_in_any_file_without_configuration() -> None:
    """A file named on the command line (pre-commit's way), a YAML file, a Dockerfile."""
    script = 'set -e\nIMAGE="redis:7.4" # imagepin: image\n'
    assert [o.image for o in extract("deploy.sh", script).occurrences] == ["redis:7.4"]
    assert extract("deploy.sh", script).skipped is None
    workflow = "env:\n  DB: postgres:16.4 # imagepin: image\njobs: {}\n"
    found = extract(".github/workflows/ci.yml", workflow).occurrences
    assert [(o.image, o.line, o.yaml_path) for o in found] == [("postgres:16.4", 2, "line 2")]
    dockerfile = "FROM alpine:3.20\n# imagepin: image\nENV TOOL=busybox:1.36\n"
    assert [o.image for o in extract("Dockerfile", dockerfile).occurrences] == [
        "alpine:3.20",
        "busybox:1.36",
    ]


def test_what_a_format_finds_is_not_found_twice() -> None:
    text = "services:\n  web:\n    image: nginx:1.27 # imagepin: image\n"
    found = extract("compose.yaml", text).occurrences
    assert [(o.image, o.yaml_path) for o in found] == [("nginx:1.27", "services.web.image")]


def test_a_file_of_marker_files_is_not_parsed() -> None:
    """A Makefile that YAML would refuse is text: no IMG000, nothing skipped."""
    found = extract("Makefile", "image: [\n\tdocker pull nginx:1.27 # imagepin: image\n", TEXT)
    assert (found.syntax_error, found.skipped, found.kinds) == (None, None, ("text",))
    assert [o.image for o in found.occurrences] == ["nginx:1.27"]


def test_a_file_its_format_cannot_parse_is_its_error_alone() -> None:
    """IMG000 and nothing half read: a fix could not read its edits back."""
    broken = "  env:\n  DB: postgres:16.4 # imagepin: image\njobs:\n  t:\n    container: go:1.22\n"
    found = extract(".github/workflows/ci.yml", broken)
    assert found.syntax_error is not None
    assert found.occurrences == ()


MAKE_IMAGES = RegexExtractor(("*.mk", "Makefile"), r"^[A-Z_]+_IMAGE \?= (?P<image>\S+)")
JSONNET = RegexExtractor(("*.libsonnet",), r"image: '(?P<image>[^']*)'|tag: (?P<tag>\S+)")


@pytest.mark.parametrize(
    ("path", "text", "found"),
    [
        (
            "tools.mk",
            "GO_IMAGE ?= golang:1.23\nLINT_IMAGE ?= golangci/golangci-lint:v1.61\n",
            ["golang:1.23", "golangci/golangci-lint:v1.61"],
        ),
        ("Makefile", "GO_IMAGE ?= golang:1.23\r\n", ["golang:1.23"]),
        ("Makefile", "GO_IMAGE ?= $(BASE):1.23\n", ["$(BASE):1.23"]),
        ("Makefile", "GO_VERSION ?= 1.23\n", []),
        ("app.libsonnet", "{image: 'redis:7.4', tag: x}\n", ["redis:7.4"]),
        ("app.libsonnet", "{image: ''}\n", []),
        ("other.txt", "GO_IMAGE ?= golang:1.23\n", []),
    ],
)
def test_regex_extractors(path: str, text: str, found: list[str]) -> None:
    options = FormatOptions(regex_extractors=(MAKE_IMAGES, JSONNET))
    occurrences = extract(path, text, options).occurrences
    assert [o.image for o in occurrences] == found
    for occurrence in occurrences:
        assert text[occurrence.start : occurrence.end] == occurrence.image
        assert occurrence.yaml_path.startswith("regex-extractors[")


def test_a_regex_match_that_a_format_or_a_marker_found_is_one_occurrence() -> None:
    options = FormatOptions(regex_extractors=(RegexExtractor(("*",), r"(?P<image>nginx:\S+)"),))
    text = "FROM nginx:1.27\n# imagepin: image\nENV X=nginx:1.26\nENV Y=nginx:1.25\n"
    found = extract("Dockerfile", text, options).occurrences
    assert [(o.image, o.yaml_path) for o in found] == [
        ("nginx:1.27", "stages[0].from"),
        ("nginx:1.26", "line 3"),
        ("nginx:1.25", "regex-extractors[0]"),
    ]
