"""Properties of fixing generated manifests written in random styles.

Each manifest is generated as text pieces and image slots, so the test knows
the exact bytes a correct fix produces: the same pieces with every slot
pinned. Hence "only the image spans change" is checked byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fixer import all_pins, digest_for

from linter.fixer import fix_text


@dataclass(frozen=True)
class Slot:
    """Characters a correct fix changes from ``written`` to ``fixed``; all others stay."""

    written: str
    fixed: str


Part = str | Slot


def render(parts: list[Part], *, fixed: bool) -> str:
    return "".join(
        part if isinstance(part, str) else part.fixed if fixed else part.written for part in parts
    )


@dataclass(frozen=True)
class Style:
    eol: str
    indent: str
    dash: str  # what precedes "- " for a sequence item, relative to its key
    flow: bool


NAMES = (
    "nginx",
    "library/redis",
    "ghcr.io/acme/app",
    "localhost:5000/team/svc",
    "registry.example.com:8443/a/b-c_d",
)
TAGS = (None, "latest", "1.27", "v1.2.3-rc.1", "7_alpine")
STALE = "sha256:" + "5" * 64


@st.composite
def image_slots(draw: st.DrawFn) -> Slot:
    """An image as written, and as a correct fix writes it: spelled out here (the tag,
    ``latest`` when there is none, "@" and the digest), not taken from the product."""
    name, tag = draw(st.sampled_from(NAMES)), draw(st.sampled_from(TAGS))
    right = digest_for(f"{name}:{tag or 'latest'}")
    written = name
    if tag is not None:
        # Unpinned, pinned right (the fix leaves it) or pinned stale (the fix moves it).
        written += ":" + tag + draw(st.sampled_from(("", "@" + right, "@" + STALE)))
    return Slot(written, f"{name}:{tag or 'latest'}@{right}")


@st.composite
def scalars(draw: st.DrawFn, style: Style) -> list[Part]:
    """An image scalar with its quoting and what follows it on the line."""
    quote = draw(st.sampled_from(("", "'", '"')))
    after = "" if style.flow else draw(st.sampled_from(("", "   ", " # pinned soon", "\t# x")))
    return [quote, draw(image_slots()), quote + after]


@st.composite
def containers(draw: st.DrawFn, style: Style, depth: str) -> list[Part]:
    parts: list[Part] = []
    for index in range(draw(st.integers(1, 3))):
        name = f"c{index}"
        image = draw(scalars(style))
        if style.flow:
            parts += [f"{depth}{style.dash}- {{name: {name}, image: ", *image, "}", style.eol]
        else:
            item = depth + style.dash + "- "
            inner = " " * len(item)
            parts += [f"{item}name: {name}{style.eol}{inner}image: ", *image, style.eol]
    return parts


@st.composite
def kubernetes(draw: st.DrawFn, style: Style, number: int) -> list[Part]:
    i, eol = style.indent, style.eol
    kind = draw(st.sampled_from(("Pod", "Deployment")))
    head = [f"apiVersion: v1{eol}kind: {kind}{eol}metadata:{eol}{i}name: w{number}{eol}spec:{eol}"]
    if kind == "Pod":
        return [*head, f"{i}containers:{eol}", *draw(containers(style, i))]
    pod = i * 3
    return [
        *head,
        f"{i}replicas: 1{eol}{i}template:{eol}{i * 2}spec:{eol}",
        f"{pod}initContainers:{eol}",
        *draw(containers(style, pod)),
        f"{pod}containers:{eol}",
        *draw(containers(style, pod)),
    ]


@st.composite
def compose(draw: st.DrawFn, style: Style) -> list[Part]:
    i, eol = style.indent, style.eol
    parts: list[Part] = [f"x-base: &base{eol}{i}image: ", *draw(scalars(style)), eol]
    parts += [f"services:{eol}{i}web:{eol}{i * 2}<<: *base{eol}"]
    for index in range(draw(st.integers(0, 2))):
        parts += [f"{i}svc{index}:{eol}{i * 2}image: ", *draw(scalars(style)), eol]
    default = draw(image_slots())
    parts += [f'{i}db:{eol}{i * 2}image: "${{DB_IMAGE:-', default, '}"', eol]
    return parts


@st.composite
def kustomization(draw: st.DrawFn, style: Style) -> list[Part]:
    """``images:`` entries; a correct fix writes or inserts each entry's ``digest:``."""
    eol = style.eol
    parts: list[Part] = [
        f"apiVersion: kustomize.config.k8s.io/v1beta1{eol}kind: Kustomization{eol}"
    ]
    parts += [f"images:{eol}"]
    for index in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(NAMES))
        renamed = draw(st.booleans())
        key = f"name: img{index}" if renamed else f"name: {name}"
        rename = f"newName: {name}" if renamed else ""
        tag = draw(st.sampled_from(TAGS[1:]))
        quote = draw(st.sampled_from(("", "'", '"')))
        right = digest_for(f"{name}:{tag}")
        written = draw(st.sampled_from((None, right, STALE)))
        item = style.dash + "- "
        inner = " " * len(item)
        if style.flow:
            fields = [key, rename, f"newTag: {quote}{tag}{quote}"]
            parts += [item + "{" + ", ".join(field for field in fields if field)]
            if written is None:
                parts += [Slot("", f", digest: {right}"), "}" + eol]
            else:
                parts += [", digest: ", Slot(written, right), "}" + eol]
            continue
        after = draw(st.sampled_from(("", "  ", " # tag")))
        parts += [f"{item}{key}{eol}"]
        parts += [f"{inner}{rename}{eol}"] if rename else []
        parts += [f"{inner}newTag: {quote}{tag}{quote}{after}"]
        if written is None:
            parts += [Slot("", f"{eol}{inner}digest: {right}"), eol]
        else:
            parts += [f"{eol}{inner}digest: ", Slot(written, right), eol]
    return parts


@st.composite
def manifests(draw: st.DrawFn) -> tuple[str, list[Part]]:
    """A file name and its content, in one of the formats, in random style."""
    style = Style(
        eol=draw(st.sampled_from(("\n", "\r\n"))),
        indent=draw(st.sampled_from(("  ", "    "))),
        dash=draw(st.sampled_from(("", "  "))),
        flow=draw(st.booleans()),
    )
    kind = draw(st.sampled_from(("compose.yaml", "kustomization.yaml", "k8s/workload.yaml")))
    if kind == "compose.yaml":
        body = draw(compose(style))
    elif kind == "kustomization.yaml":
        body = draw(kustomization(style))
    else:
        body = []
        for number in range(draw(st.integers(1, 3))):
            separator = "---" + draw(st.sampled_from(("", " # next"))) + style.eol
            body += [separator] if number or draw(st.booleans()) else []
            body += draw(kubernetes(style, number))
    bom = "\ufeff" if draw(st.booleans()) else ""
    if draw(st.booleans()):  # no final newline
        last = body[-1]
        assert isinstance(last, str) and last.endswith(style.eol)
        body[-1] = last[: -len(style.eol)]
    return kind, [bom, f"# generated{style.eol}", *body]


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(manifests())
def test_fix_changes_only_image_spans_and_is_idempotent(manifest: tuple[str, list[Part]]) -> None:
    path, parts = manifest
    text, expected = render(parts, fixed=False), render(parts, fixed=True)
    result = fix_text(path, text, all_pins(path, text))
    assert result.error is None
    assert result.skipped == ()
    assert result.text == expected
    assert result.changed == (expected != text)
    again = fix_text(path, result.text, all_pins(path, result.text))
    assert (again.changed, again.error, again.text) == (False, None, expected)


@settings(max_examples=100, deadline=None, database=None)
@given(manifests(), st.data())
def test_fix_changes_exactly_the_pinned_occurrences(
    manifest: tuple[str, list[Part]], data: st.DataObject
) -> None:
    """Pin a random subset: exactly those slots change (slots and occurrences pair up in order)."""
    path, parts = manifest
    text = render(parts, fixed=False)
    pins = all_pins(path, text)
    slots = [part for part in parts if isinstance(part, Slot)]
    assert len(pins) == len(slots)
    chosen = data.draw(st.sets(st.integers(0, len(pins) - 1)))
    result = fix_text(path, text, [pin for index, pin in enumerate(pins) if index in chosen])
    assert result.error is None
    fixed = iter([index in chosen for index in range(len(slots))])
    assert result.text == "".join(
        part if isinstance(part, str) else part.fixed if next(fixed) else part.written
        for part in parts
    )
