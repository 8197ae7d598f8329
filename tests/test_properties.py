"""Properties of the reference parser, the extractor and the fixer on random input.

Valid references round-trip; random strings never crash the parser; random YAML
never crashes the extractor, whose spans always point at the scalar, and neither do
real files from tests/fixtures roughed up; fixing either changes only the image spans,
each to ``name(:latest)?@sha256:<64 hex>``, and is idempotent. The expected bytes are
worked out here, never from the fixer (tests/test_fixer_properties.py checks fixing on
generated manifests in every style byte for byte; this one throws less polite YAML at
it). Each fix property counts the examples that pinned something and fails under half
(docs/testing.md has the measured shares); every pytest run prints the shares at its
end (conftest.py), and hypothesis's observability output has them as events.

No example database is kept: the ``@example`` lines are the regression seeds, one
per problem these properties found or guard against. fuzz/README.md runs the same
targets for longer with atheris.
"""

from __future__ import annotations

import hashlib
import io
import re
import string
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from conftest import SHARE_PROPERTY, RecordProperty
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from linter.extract import extract
from linter.fixer import Pin, fix_text
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
    written = pinned(text, "sha256:" + "0" * 64)
    assert re.fullmatch(re.escape(name) + PINNED, written), written
    repinned = parse(written)
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
#: References a fix pins, in the forms it must handle.
PINNABLE = st.sampled_from(
    (
        "nginx",
        "nginx:1.27",
        "ghcr.io/o/a:v1",
        "localhost:5000/team/svc",
        "registry.example.com:8443/a/b-c_d:7_alpine",
        "library/redis:latest",
        "quay.io/org/app:v1.2.3-rc.1@sha256:" + "5" * 64,
        "app@sha256:" + "6" * 64,
    )
)
#: What a fix leaves alone: variables, templates, invalid references, odd scalars.
UNPINNABLE = st.sampled_from(
    (
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
)
IMAGES = PINNABLE | UNPINNABLE | st.text(max_size=20)
SCALARS = st.none() | st.booleans() | st.integers() | IMAGES
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=20,
)


def container(image: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"name": st.text(max_size=5), "image": image}, optional={"x": VALUES}
    )


def service(image: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"image": image}, optional={"build": VALUES})


def kustomize_entry(
    name: st.SearchStrategy[str], tag: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    optional = {"newName": IMAGES, "newTag": tag, "digest": IMAGES}
    return st.fixed_dictionaries({"name": name}, optional=optional)


@st.composite
def pods(draw: st.DrawFn) -> dict[str, Any]:
    first, rest = draw(container(PINNABLE)), draw(st.lists(container(IMAGES), max_size=2))
    return {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [first, *rest]}}


@st.composite
def shaped(draw: st.DrawFn) -> tuple[str, Any]:
    """A file name and a document in the shape of one of the formats, with random insides.
    A pod, list, Compose file or Kustomization holds a pinnable reference first, so most
    examples give the fix something to do; the rest of their images are random."""
    shapes = ("pod", "pod", "pod", "list", "compose", "kustomization", "custom", "random")
    shape = draw(st.sampled_from(shapes))
    if shape == "pod":
        return "pod.yaml", draw(pods())
    if shape == "list":
        items = [draw(pods()), *draw(st.lists(VALUES, max_size=2))]
        return "list.yaml", {"apiVersion": "v1", "kind": "List", "items": items}
    if shape == "compose":
        names = st.text(min_size=1, max_size=5).filter(lambda name: name != "first")
        services = {"first": draw(service(PINNABLE))}
        services.update(draw(st.dictionaries(names, service(IMAGES), max_size=2)))
        return "compose.yaml", {"services": services}
    if shape == "kustomization":
        names, tags = st.sampled_from(("nginx", "ghcr.io/o/a")), st.sampled_from(("1.27", "v1"))
        entries = [draw(kustomize_entry(names, tags))]
        entries += draw(st.lists(kustomize_entry(IMAGES, SCALARS), max_size=2))
        return "kustomization.yaml", {"images": entries}
    if shape == "custom":
        return "cr.yaml", {"apiVersion": "x.io/v1", "kind": "Thing", "spec": draw(VALUES)}
    name = draw(st.sampled_from(("random.yaml", "compose.yaml", "kustomization.yaml")))
    return name, draw(VALUES)


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


YAMLISH_CHARACTERS = " \t\n\r-:?[]{},&*!|>'\"#%@`ab1\ufeff\x85\u2028"
YAMLISH = st.text(alphabet=YAMLISH_CHARACTERS, max_size=200)


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
@example(
    "a.yaml", "  X: postgres:16.4 # imagepin: image\njobs:\n  t:\n    container: golang:1.22\n"
)
def test_random_text_never_crashes_the_extractor(path: str, text: str) -> None:
    extract_and_check(path, text)


def extract_and_check(path: str, text: str) -> int:
    """Extract, check each occurrence's spans, or the one-line error; how many images."""
    found = extract(path, text)
    if found.syntax_error is not None:
        # A broken file is its error alone, marked lines too (docs/decisions.md).
        assert found.occurrences == ()
        assert "\n" not in found.syntax_error.message
    for occurrence in found.occurrences:
        assert_spans_point_at_the_scalar(text, occurrence)
    return len(found.occurrences)


#: Real files of every format that hold images: what the roughed-up fragments below start
#: from (the files without any, a Chart.yaml or a .dockerignore, would only dilute them).
FIXTURES = Path(__file__).parent / "fixtures"
REAL = tuple(
    (name, text)
    for directory in (FIXTURES / "extract", *sorted(FIXTURES.glob("formats/*/input")))
    for path in sorted(directory.rglob("*"))
    if path.is_file()
    for name, text in [(path.relative_to(directory).as_posix(), path.read_text(encoding="utf-8"))]
    if extract(name, text).occurrences
)


#: How a real file is roughed up. Re-indenting, swapping or cutting lines breaks the YAML
#: (or loses its images) half the time or more: drawn less often than the rest.
CHANGES = ("none", "drop", "drop", "repeat", "repeat", "splice", "splice", "splice")
CHANGES += ("cut", "indent", "swap")


@st.composite
def real_fragments(draw: st.DrawFn) -> tuple[str, str]:
    """A real file from tests/fixtures under its own name, with at most one change: lines
    dropped, repeated, re-indented or swapped, characters spliced in, the rest cut off."""
    path, text = draw(st.sampled_from(REAL))
    lines = text.splitlines(keepends=True)
    at = draw(st.integers(0, len(lines) - 1))
    change = draw(st.sampled_from(CHANGES))
    if change == "drop":
        del lines[at : at + draw(st.integers(1, 4))]
    elif change == "repeat":
        lines[at:at] = lines[at : at + draw(st.integers(1, 4))]
    elif change == "indent":
        lines[at] = draw(st.sampled_from(("", " ", "  ", "\t"))) + lines[at].lstrip(" ")
    elif change == "swap":
        other = draw(st.integers(0, len(lines) - 1))
        lines[at], lines[other] = lines[other], lines[at]
    elif change == "splice":  # mostly into a value: at the end of the line
        line = lines[at]
        end = len(line.rstrip("\r\n"))
        column = draw(st.just(end) | st.integers(0, len(line)))
        lines[at] = line[:column] + draw(SPLICED) + line[column:]
    elif change == "cut":
        lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
        del lines[at + 1 :]
    return path, "".join(lines)


#: What is spliced into a real line: what references, variables and YAML are made of.
SPLICED = st.text(alphabet=string.ascii_letters + string.digits + " -_.:/@${}[]#'\"", max_size=4)
#: The least share of roughed-up real files in which extraction finds an image.
FOUND_SHARE = 0.5


def test_real_fragments_roughed_up_extract_with_spans_on_the_scalar(
    record_property: RecordProperty,
) -> None:
    """The random text above mostly tests the error path; this exercises extraction."""
    tally: Counter[str] = Counter()

    @SETTINGS
    @given(real_fragments())
    def run(document: tuple[str, str]) -> None:
        tell(tally, "images found", extract_and_check(*document))

    run()
    assert_share(tally, "images found", FOUND_SHARE, record_property)


# --- fixing ---------------------------------------------------------------------------------


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


#: What a pinned scalar reads after the name it was written with; what a digest field reads.
PINNED = r"(:latest)?@sha256:[0-9a-f]{64}"
DIGEST_VALUE = re.compile(r"sha256:[0-9a-f]{64}")
#: What goes before a digest written where there was none: a Kustomize entry's new
#: ``digest:`` field, or the value of an empty one.
#: A digest field's value, a new field, or a digest after a tag (a Dockerfile ARG's default).
DIGEST_PREFIX = re.compile(r" |, digest: |\r?\n *digest: |@")


class Place(NamedTuple):
    """Where a correct fix writes in the old text, and what."""

    start: int
    end: int
    replacement: str
    scalar: bool  # the whole reference is rewritten (not a digest field)


def expected_place(old: str, pin: Pin) -> Place:
    """Where a correct fix writes ``pin`` in ``old`` and what: worked out here from the
    occurrence's place (which the extraction properties check against the text) and the
    contract, never from the fixer or ``reference.pinned``."""
    occurrence = pin.occurrence
    if occurrence.form is Form.KUSTOMIZE or occurrence.kustomize is not None:
        entry = occurrence.kustomize
        assert entry is not None
        if entry.digest is not None:
            return Place(entry.digest.start, entry.digest.end, pin.digest, scalar=False)
        assert DIGEST_PREFIX.fullmatch(entry.insert_prefix), entry.insert_prefix
        replacement = entry.insert_prefix + pin.digest + entry.insert_suffix
        return Place(entry.insert_at, entry.insert_at, replacement, scalar=False)
    assert occurrence.edit is not None
    start, end = occurrence.edit.start, occurrence.edit.end
    name, at, _ = old[start:end].partition("@")
    # ``:latest`` is added to a reference written with neither tag nor digest.
    tagged = at or ":" in name.rpartition("/")[2]
    return Place(start, end, f"{name}{'' if tagged else ':latest'}@{pin.digest}", scalar=True)


def assert_pins_written(old: str, new: str, pins: list[Pin]) -> None:
    """Walk both texts: outside the pinned places they are equal; each place reads what
    expected_place says, a reference as ``name(:latest)?@sha256:<64 hex>``."""
    position = shift = 0
    for place in sorted({expected_place(old, pin) for pin in pins}):
        assert new[position + shift : place.start + shift] == old[position : place.start]
        written = new[place.start + shift : place.start + shift + len(place.replacement)]
        if place.scalar:
            name = re.escape(old[place.start : place.end].partition("@")[0])
            assert re.fullmatch(name + PINNED, written), (old[place.start : place.end], written)
        else:
            assert DIGEST_VALUE.search(written), written
        assert written == place.replacement
        shift += len(place.replacement) - (place.end - place.start)
        position = place.end
    assert new[position + shift :] == old[position:]


def tell(tally: Counter[str], label: str, amount: int) -> None:
    """Count an example, and whether it had any ``label``; hypothesis hears it too (an
    event, in its observability output per test case). Not ``target``: steering
    generation towards more places made the share swing between runs (52 to 84 %)."""
    tally["examples"] += 1
    tally[label] += amount > 0
    event(label if amount else f"no {label}")


def assert_share(
    tally: Counter[str], label: str, least: float, record_property: RecordProperty
) -> None:
    """Fail under ``least``; either way the share is reported at the end of the run
    (conftest.py's summary of the ``share`` properties, a junit-xml property too)."""
    share = tally[label] / tally["examples"]
    said = f"{tally[label]} of {tally['examples']} examples had {label}"
    record_property(SHARE_PROPERTY, f"{said} ({share:.0%}; at least {least:.0%} required)")
    assert share >= least, tally


def leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every scalar of a loaded document with the keys and indexes that lead to it."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaves(value, (*path, index))
    else:
        yield path, node


ABSENT = object()


def pinned_form(image: str) -> str:
    """``image`` as a correct fix writes it, worked out here: ``:latest`` when it has
    neither tag nor digest, then ``@`` and the digest the fake registry gives its tag."""
    name, at, _ = image.partition("@")
    tagged = at or ":" in name.rpartition("/")[2]
    return f"{name}{'' if tagged else ':latest'}@{digest_for(image)}"


def with_one_pinned(value: str, images: set[str]) -> set[str]:
    """``value`` with one of ``images`` in it pinned: the whole scalar, or a part of it
    (a Compose variable's default, ``${IMG:-redis:7}``), wherever it occurs."""
    found = set()
    for image in images:
        at = value.find(image)
        while at >= 0:
            found.add(value[:at] + pinned_form(image) + value[at + len(image) :])
            at = value.find(image, at + 1)
    return found


def assert_yaml_reads_the_same_but_pins(old: str, new: str, pins: list[Pin]) -> None:
    """What a YAML reader gets (ruamel's pure safe loader, not the extractor): the same
    documents, except a scalar with a pinned reference in it, which reads the same with
    that reference pinned, and a Kustomize entry's ``digest``, one of the pins' (added or
    replaced). Where the parsers disagree (the extractor's libyaml reads ``{n: :0}``, the
    pure loader refuses it), the reader refuses the fixed text too."""
    loader = YAML(typ="safe", pure=True)
    try:
        before = [dict(leaves(d)) for d in loader.load_all(old)]
    except YAMLError:
        with pytest.raises(YAMLError):
            list(loader.load_all(new))
        return
    after = [dict(leaves(d)) for d in loader.load_all(new)]
    assert len(before) == len(after)
    digests = {pin.digest for pin in pins}
    images = {pin.occurrence.image for pin in pins if pin.occurrence.form is not Form.KUSTOMIZE}
    for was, now in zip(before, after, strict=True):
        for path in was.keys() | now.keys():
            value, written = was.get(path, ABSENT), now.get(path, ABSENT)
            if value == written:
                continue
            if path[-1] == "digest":  # a Kustomize entry's field
                assert written in digests, (path, value, written)
                continue
            assert isinstance(value, str) and isinstance(written, str), (path, value, written)
            assert written in with_one_pinned(value, images), (value, written)


def fix_and_check(document: tuple[str, str], *, yaml: bool = False) -> int:
    """Fix every valid reference in ``document`` and check the result; how many places.
    ``yaml``: the text is YAML a reader loads, compared before and after as loaded."""
    path, text = document
    pins = valid_pins(path, text)
    result = fix_text(path, text, pins)
    if result.error is not None:
        assert (result.text, result.changed) == (text, False)
        return 0
    applied = [pin for pin in pins if pin.occurrence not in {s.occurrence for s in result.skipped}]
    assert_pins_written(text, result.text, applied)
    if yaml:
        assert_yaml_reads_the_same_but_pins(text, result.text, applied)
    again = fix_text(path, result.text, valid_pins(path, result.text))
    assert (again.error, again.changed, again.text) == (None, False, result.text)
    return len({expected_place(text, pin) for pin in applied})


#: The least share of examples that must pin something (docs/testing.md has the measured one).
PINNED_SHARE = 0.5


def test_fixing_random_yaml_changes_only_spans_and_is_idempotent(
    record_property: RecordProperty,
) -> None:
    tally: Counter[str] = Counter()

    @SETTINGS
    @given(yaml_texts())
    @example(
        (
            "pod.yaml",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - {image: nginx, \n      name: ''}\n",
        )
    )
    # A plain scalar that starts with ':', which the pure loader refuses: in a second
    # document the extractor refuses (nothing to pin), and on one line, which it reads.
    @example(
        (
            "pod.yaml",
            "---\nkind: Pod\nspec:\n  containers:\n  - {image: nginx}\n"
            "---\nkind: Pod\nspec:\n  containers:\n  - {image: a, \n      n: :0}\n",
        )
    )
    @example(
        ("pod.yaml", "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - {image: nginx, n: :0}\n")
    )
    # A Compose variable's default is pinned inside the variable: part of the scalar.
    @example(("compose.yaml", "services:\n  a: {image: '${IMG:-redis:7}'}\n  b: {image: nginx}\n"))
    def run(document: tuple[str, str]) -> None:
        tell(tally, "pins", fix_and_check(document, yaml=True))

    run()
    assert_share(tally, "pins", PINNED_SHARE, record_property)


def test_fixing_real_fragments_changes_only_spans_and_is_idempotent(
    record_property: RecordProperty,
) -> None:
    tally: Counter[str] = Counter()

    @SETTINGS
    @given(real_fragments())
    def run(document: tuple[str, str]) -> None:
        tell(tally, "pins", fix_and_check(document))

    run()
    assert_share(tally, "pins", PINNED_SHARE, record_property)
