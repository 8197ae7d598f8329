"""Properties of the reference parser, the extractor and the fixer on random input.

Valid references round-trip; random strings never crash the parser; random YAML
never crashes the extractor, whose spans always point at the scalar; fixing
random YAML changes only the image spans and is idempotent.
(tests/test_fixer_properties.py checks fixing on generated manifests in every
style; this one throws less polite YAML at it.)

No example database is kept: the ``@example`` lines are the regression seeds, one
per problem these properties found or guard against. fuzz/README.md runs the same
targets for longer with atheris.
"""

from __future__ import annotations

import hashlib
import io
import string
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from linter.extract import extract
from linter.fixer import Pin, edits_for, fix_text
from linter.model import Form, Occurrence
from linter.reference import InvalidReference, Reference, parse, pinned

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- references ----------------------------------------------------------------------------

PATH_COMPONENT = st.from_regex(
    r"[a-z0-9]{1,5}(?:(?:[._]|__|-{1,3})[a-z0-9]{1,5}){0,3}", fullmatch=True
)
DOMAIN_COMPONENT = st.from_regex(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?", fullmatch=True)
TAG = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
DIGEST = st.sampled_from(("sha256", "sha512")).flatmap(
    lambda algorithm: st.binary(min_size=8, max_size=8).map(
        lambda seed: f"{algorithm}:" + hashlib.new(algorithm, seed).hexdigest()
    )
)


@st.composite
def domains(draw: st.DrawFn) -> str:
    """Something distribution reads as a registry: a dot, a port, ``localhost`` or IPv6."""
    kind = draw(st.sampled_from(("dotted", "port", "localhost", "ipv6")))
    if kind == "localhost":
        return "localhost" + draw(st.sampled_from(("", ":5000")))
    if kind == "ipv6":
        return "[" + draw(st.sampled_from(("::1", "2001:db8::1", "fe80::a:b"))) + "]:5000"
    name = ".".join(
        draw(st.lists(DOMAIN_COMPONENT, min_size=2 if kind == "dotted" else 1, max_size=3))
    )
    port = f":{draw(st.integers(1, 65535))}" if kind == "port" or draw(st.booleans()) else ""
    return name + port


@st.composite
def references(draw: st.DrawFn) -> str:
    domain = draw(st.none() | domains())
    path = "/".join(draw(st.lists(PATH_COMPONENT, min_size=1, max_size=3)))
    tag = draw(st.none() | TAG)
    digest = draw(st.none() | DIGEST)
    return (
        (f"{domain}/" if domain else "")
        + path
        + (f":{tag}" if tag is not None else "")
        + (f"@{digest}" if digest is not None else "")
    )


@SETTINGS
@given(references())
@example("index.docker.io/nginx:1.27")
@example("localhost/app")
@example("[::1]:5000/app:v1")
def test_valid_references_round_trip(text: str) -> None:
    ref = parse(text)
    assert parse(str(ref)) == ref
    assert parse(ref.familiar()) == ref
    # The parts as written survive normalization.
    name, _, digest = text.partition("@")
    assert ref.digest == (digest or None)
    assert ref.path.endswith(name.rpartition("/")[2].partition(":")[0])
    repinned = parse(pinned(text, "sha256:" + "0" * 64))
    assert (repinned.name, repinned.digest) == (ref.name, "sha256:" + "0" * 64)
    assert repinned.tag == (ref.tag or ("latest" if ref.digest is None else None))


def assert_parses_or_explains(text: str) -> Reference | None:
    try:
        ref = parse(text)
    except InvalidReference as error:
        message = str(error)
        assert message and "\n" not in message and len(message) < 400
        return None
    assert parse(str(ref)) == ref
    return ref


@SETTINGS
@given(
    st.text(max_size=200) | st.text(alphabet="aB0.:/@_-[]sha256" + string.hexdigits, max_size=120)
)
@example("")
@example("a" * 64)
@example("nginx:" + "a" * 100_000)  # the message quotes only the start of it
@example("\U000e7263" * 60 + " ")  # ... and only the start of its escaped form (atheris)
@example("Nginx:1")
@example("a@sha256:" + "A" * 64)
@example("a\n:1")
@example("\ud800")
def test_random_strings_never_crash_the_parser(text: str) -> None:
    assert_parses_or_explains(text)


# --- extraction ----------------------------------------------------------------------------

KEYS = st.sampled_from(
    (
        "image",
        "containers",
        "initContainers",
        "spec",
        "template",
        "services",
        "images",
        "name",
        "newName",
        "newTag",
        "digest",
        "kind",
        "apiVersion",
        "items",
        "metadata",
        "steps",
        "build",
    )
) | st.text(max_size=8)
IMAGES = st.sampled_from(
    (
        "nginx",
        "nginx:1.27",
        "ghcr.io/o/a:v1",
        "${TAG}",
        "${IMG:-redis:7}",
        "{{ .Values.x }}",
        "auto",
        "Bad:Ref",
        "a\\u0000b",
        "x'y\"z",
        "multi\nline:1",
        " padded:1 ",
    )
) | st.text(max_size=20)
SCALARS = st.none() | st.booleans() | st.integers() | IMAGES
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=20,
)


@st.composite
def shaped(draw: st.DrawFn) -> tuple[str, Any]:
    """A file name and a document in the shape of one of the formats, with random insides."""
    container = st.fixed_dictionaries(
        {"name": st.text(max_size=5), "image": IMAGES}, optional={"x": VALUES}
    )
    shape = draw(st.sampled_from(("pod", "list", "custom", "compose", "kustomization", "random")))
    if shape == "pod":
        return "pod.yaml", {
            "apiVersion": "v1",
            "kind": "Pod",
            "spec": {"containers": draw(st.lists(container, max_size=3))},
        }
    if shape == "list":
        return "list.yaml", {
            "apiVersion": "v1",
            "kind": "List",
            "items": draw(st.lists(VALUES, max_size=3)),
        }
    if shape == "custom":
        return "cr.yaml", {"apiVersion": "x.io/v1", "kind": "Thing", "spec": draw(VALUES)}
    if shape == "compose":
        services = st.dictionaries(
            st.text(min_size=1, max_size=5),
            st.fixed_dictionaries({"image": IMAGES}, optional={"build": VALUES}),
            max_size=3,
        )
        return "compose.yaml", {"services": draw(services)}
    if shape == "kustomization":
        entry = st.fixed_dictionaries(
            {"name": IMAGES}, optional={"newName": IMAGES, "newTag": SCALARS, "digest": IMAGES}
        )
        return "kustomization.yaml", {"images": draw(st.lists(entry, max_size=3))}
    return draw(st.sampled_from(("random.yaml", "compose.yaml", "kustomization.yaml"))), draw(
        VALUES
    )


@st.composite
def yaml_texts(draw: st.DrawFn) -> tuple[str, str]:
    """A file name and YAML text: documents dumped in a random style, then roughed up."""
    documents = draw(st.lists(shaped(), min_size=1, max_size=3))
    dumper = YAML(typ="safe", pure=True)
    dumper.default_flow_style = draw(st.sampled_from((None, True, False)))
    dumper.default_style = draw(st.sampled_from((None, '"', "'")))
    dumper.width = draw(st.sampled_from((20, 80, 4096)))
    dumper.allow_unicode = draw(st.booleans())
    dumper.explicit_start = len(documents) > 1 or draw(st.booleans())
    buffer = io.StringIO()
    dumper.dump_all([document for _, document in documents], buffer)
    text = buffer.getvalue()
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    if draw(st.booleans()):
        text = "\ufeff" + text
    return documents[0][0], text


def expected_position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``, counted here without the parser."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column - 1 if line == 1 and text.startswith("\ufeff") else column


def assert_spans_point_at_the_scalar(text: str, occurrence: Occurrence) -> None:
    assert 0 <= occurrence.start <= occurrence.end <= len(text)
    assert text[occurrence.start : occurrence.end] == occurrence.raw
    assert (occurrence.line, occurrence.column) == expected_position(text, occurrence.start)
    assert (occurrence.end_line, occurrence.end_column) == expected_position(text, occurrence.end)
    span = occurrence.edit
    if span is not None and occurrence.form is not Form.KUSTOMIZE:
        assert occurrence.start <= span.start <= span.end <= occurrence.end
        assert text[span.start : span.end] == occurrence.image


@SETTINGS
@given(yaml_texts())
def test_extraction_spans_point_at_the_scalar(document: tuple[str, str]) -> None:
    path, text = document
    found = extract(path, text)
    for occurrence in found.occurrences:
        assert_spans_point_at_the_scalar(text, occurrence)


YAMLISH = st.text(alphabet=" \t\n\r-:?[]{},&*!|>'\"#%@`ab1\ufeff\x85\u2028", max_size=200)


@SETTINGS
@given(
    st.sampled_from(("a.yaml", "compose.yaml", "kustomization.yaml", "templates/t.yaml")),
    YAMLISH | st.text(max_size=200),
)
@example("a.yaml", "a: " + "[" * 2000)
@example("a.yaml", "a: &a [*a]\nb: {<<: *a}\n")
@example("compose.yaml", "x: &x {<<: *x}\nservices: {s: {<<: *x, image: nginx}}\n")
@example("a.yaml", "\ufeff\ufeff")
@example("a.yaml", "- \x85a: b")
def test_random_text_never_crashes_the_extractor(path: str, text: str) -> None:
    found = extract(path, text)
    if found.syntax_error is not None:
        assert found.occurrences == ()
        assert "\n" not in found.syntax_error.message
    for occurrence in found.occurrences:
        assert_spans_point_at_the_scalar(text, occurrence)


# --- fixing --------------------------------------------------------------------------------


def digest_for(image: str) -> str:
    """What a fake registry says the tag of ``image`` points to (``nginx`` is ``nginx:latest``)."""
    ref = parse(image)
    return "sha256:" + hashlib.sha256(f"{ref.name}:{ref.effective_tag}".encode()).hexdigest()


def valid_pins(path: str, text: str) -> list[Pin]:
    pins = []
    for occurrence in extract(path, text).occurrences:
        if occurrence.dynamic is None and assert_parses_or_explains(occurrence.image):
            pins.append(Pin(occurrence, digest_for(occurrence.image)))
    return pins


def assert_only_spans_changed(old: str, new: str, pins: list[Pin]) -> None:
    """Walk both texts: outside the edits they are equal, inside is the pinned string."""
    edits = sorted(
        {edit for pin in pins for edit in edits_for(old, pin)}, key=lambda e: (e.start, e.end)
    )
    position = shift = 0
    for edit in edits:
        assert new[position + shift : edit.start + shift] == old[position : edit.start]
        assert (
            new[edit.start + shift : edit.start + shift + len(edit.replacement)] == edit.replacement
        )
        shift += len(edit.replacement) - (edit.end - edit.start)
        position = edit.end
    assert new[position + shift :] == old[position:]


@SETTINGS
@given(yaml_texts())
@example(
    (
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - {image: nginx, \n      name: ''}\n",
    )
)
def test_fixing_random_yaml_changes_only_spans_and_is_idempotent(document: tuple[str, str]) -> None:
    path, text = document
    pins = valid_pins(path, text)
    result = fix_text(path, text, pins)
    if result.error is not None:
        assert (result.text, result.changed) == (text, False)
        return
    applied = [pin for pin in pins if pin.occurrence not in {s.occurrence for s in result.skipped}]
    assert_only_spans_changed(text, result.text, applied)
    again = fix_text(path, result.text, valid_pins(path, result.text))
    assert (again.error, again.changed, again.text) == (None, False, result.text)
