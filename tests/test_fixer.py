from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from shared_data import CORPUS, needs

from linter import source
from linter.extract import Extraction, SyntaxProblem, extract
from linter.fixer import (
    FixResult,
    NotEditable,
    OverlapError,
    Pin,
    apply_edits,
    edits_for,
    fix_text,
)
from linter.model import Edit, Form, KustomizeEntry, Occurrence, Span
from linter.reference import InvalidReference, parse

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64


def _occurrence(
    text: str,
    image: str,
    *,
    form: Form = Form.SCALAR,
    editable: bool = True,
    kustomize: KustomizeEntry | None = None,
) -> Occurrence:
    """A hand-built occurrence of the first ``image`` in ``text``."""
    start = text.index(image)
    span = Span(start, start + len(image))
    return Occurrence(
        path="k.yaml",
        line=1,
        column=start + 1,
        end_line=1,
        end_column=span.end + 1,
        start=start,
        end=span.end,
        raw=image,
        image=image,
        yaml_path="image",
        form=form,
        edit=span if editable else None,
        kustomize=kustomize,
    )


@pytest.mark.parametrize(
    ("text", "image", "digest", "expected"),
    (
        pytest.param("image: nginx:1.27\n", "nginx:1.27", D1, f"nginx:1.27@{D1}", id="tag"),
        pytest.param("image: nginx\n", "nginx", D1, f"nginx:latest@{D1}", id="no-tag"),
        pytest.param(
            "image: nginx:latest\n", "nginx:latest", D1, f"nginx:latest@{D1}", id="latest"
        ),
        pytest.param(
            "image: 'ghcr.io/o/a:1' # c\n", "ghcr.io/o/a:1", D1, f"ghcr.io/o/a:1@{D1}", id="quoted"
        ),
        pytest.param(
            "image: localhost:5000/a\n",
            "localhost:5000/a",
            D1,
            f"localhost:5000/a:latest@{D1}",
            id="registry-port-no-tag",
        ),
        pytest.param(f"image: a:1@{D1}\n", f"a:1@{D1}", D2, f"a:1@{D2}", id="repin"),
        pytest.param(f"image: a@{D1}\n", f"a@{D1}", D2, f"a@{D2}", id="digest-only-repin"),
    ),
)
def test_scalar_edit(text: str, image: str, digest: str, expected: str) -> None:
    occurrence = _occurrence(text, image)
    (edit,) = edits_for(text, Pin(occurrence, digest))
    assert edit == Edit(occurrence.start, occurrence.end, expected)


@pytest.mark.parametrize(
    ("text", "image"),
    (
        pytest.param(f"image: a:1@{D1}\n", f"a:1@{D1}", id="pinned"),
        pytest.param(f"image: a@{D1}\n", f"a@{D1}", id="digest-only"),
        pytest.param(f"image: ${{X:-a:1@{D1}}}\n", f"a:1@{D1}", id="variable-default"),
    ),
)
def test_already_pinned_needs_no_edit(text: str, image: str) -> None:
    form = Form.VARIABLE_DEFAULT if "${" in text else Form.SCALAR
    assert edits_for(text, Pin(_occurrence(text, image, form=form), D1)) == []


def test_variable_default_edits_only_the_default() -> None:
    text = "image: ${IMAGE:-redis:7}-suffix\n"
    occurrence = _occurrence(text, "redis:7", form=Form.VARIABLE_DEFAULT)
    assert apply_edits(text, edits_for(text, Pin(occurrence, D1))) == (
        f"image: ${{IMAGE:-redis:7@{D1}}}-suffix\n"
    )


@pytest.mark.parametrize(
    ("text", "prefix", "expected"),
    (
        pytest.param(
            "images:\n- name: a\n  newTag: '1'|\n",
            "\n  digest: ",
            f"images:\n- name: a\n  newTag: '1'\n  digest: {D1}\n",
            id="insert-block",
        ),
        pytest.param(
            "images:\r\n  - name: a\r\n    newTag: '1'|\r\n",
            "\r\n    digest: ",
            f"images:\r\n  - name: a\r\n    newTag: '1'\r\n    digest: {D1}\r\n",
            id="insert-crlf",
        ),
        pytest.param(
            "images: [{name: a, newTag: '1'|}]\n",
            ", digest: ",
            f"images: [{{name: a, newTag: '1', digest: {D1}}}]\n",
            id="insert-flow",
        ),
        pytest.param(
            f"images:\n- name: a\n  digest: {D2} # old\n",
            "",
            f"images:\n- name: a\n  digest: {D1} # old\n",
            id="replace",
        ),
        pytest.param(
            f'images:\n- name: a\n  digest: "{D2}"\n',
            "",
            f'images:\n- name: a\n  digest: "{D1}"\n',
            id="replace-quoted",
        ),
        pytest.param(
            f"images:\n- name: a\n  digest: {D1}\n",
            "",
            f"images:\n- name: a\n  digest: {D1}\n",
            id="noop",
        ),
    ),
)
def test_kustomize_edits(text: str, prefix: str, expected: str) -> None:
    """``|`` marks where a missing digest goes; a written one is replaced in place."""
    insert_at = text.find("|")
    text = text.replace("|", "")
    written = max(text.find(D1), text.find(D2))
    digest = Span(written, written + len(D1)) if written >= 0 else None
    entry = KustomizeEntry(digest, insert_at, prefix)
    occurrence = _occurrence(text, "a", form=Form.KUSTOMIZE, kustomize=entry)
    assert apply_edits(text, edits_for(text, Pin(occurrence, D1))) == expected


@pytest.mark.parametrize(
    ("occurrence", "error", "match"),
    (
        pytest.param(
            _occurrence("image: a:1\n", "a:1", editable=False),
            NotEditable,
            "in place",
            id="no-edit-span",
        ),
        pytest.param(
            _occurrence("images:\n- name: a\n", "a", form=Form.KUSTOMIZE),
            NotEditable,
            "no place for a digest",
            id="kustomize-without-entry",
        ),
        pytest.param(
            _occurrence("image: b:22\n", "b:22"),
            ValueError,
            "changed since it was read",
            id="stale",
        ),
    ),
)
def test_edits_for_refuses(occurrence: Occurrence, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        edits_for("image: a:1\n", Pin(occurrence, D1))


@pytest.mark.parametrize("digest", ("sha256:abc", "md5:" + "1" * 32, "sha256:" + "A" * 64, ""))
def test_edits_for_rejects_invalid_digests(digest: str) -> None:
    with pytest.raises(ValueError, match="digest"):
        edits_for("image: a:1\n", Pin(_occurrence("image: a:1\n", "a:1"), digest))


@pytest.mark.parametrize(
    ("text", "edits", "expected"),
    (
        pytest.param("abcdef", [], "abcdef", id="none"),
        pytest.param("abcdef", [Edit(1, 3, "XY")], "aXYdef", id="one"),
        pytest.param("abcdef", [Edit(4, 5, "E"), Edit(0, 1, "A")], "AbcdEf", id="any-order"),
        pytest.param("abcdef", [Edit(1, 2, "1"), Edit(2, 3, "2")], "a12def", id="adjacent"),
        pytest.param("abcdef", [Edit(2, 2, "+")], "ab+cdef", id="insert"),
        pytest.param("abcdef", [Edit(6, 6, "!")], "abcdef!", id="append"),
        pytest.param("abcdef", [Edit(0, 6, "")], "", id="delete-all"),
        pytest.param("abcdef", [Edit(1, 3, "X"), Edit(1, 3, "X")], "aXdef", id="duplicate-once"),
        pytest.param("abcdef", [Edit(1, 3, "X"), Edit(1, 1, "+")], "a+Xdef", id="insert-before"),
        pytest.param("abcdef", [Edit(1, 3, "X"), Edit(3, 3, "+")], "aX+def", id="insert-after"),
        pytest.param("a\r\nb", [Edit(3, 4, "c")], "a\r\nc", id="crlf"),
        pytest.param("\ufeffa: b", [Edit(4, 5, "c")], "\ufeffa: c", id="bom"),
    ),
)
def test_apply_edits(text: str, edits: list[Edit], expected: str) -> None:
    assert apply_edits(text, edits) == expected


@pytest.mark.parametrize(
    "edits",
    (
        pytest.param([Edit(1, 3, "X"), Edit(2, 4, "Y")], id="crossing"),
        pytest.param([Edit(1, 5, "X"), Edit(2, 3, "Y")], id="nested"),
        pytest.param([Edit(1, 3, "X"), Edit(1, 3, "Y")], id="same-span-different-text"),
        pytest.param([Edit(2, 2, "X"), Edit(2, 2, "Y")], id="two-inserts-same-place"),
        pytest.param([Edit(1, 3, "X"), Edit(2, 2, "+")], id="insert-inside"),
    ),
)
def test_apply_edits_rejects_overlaps(edits: list[Edit]) -> None:
    with pytest.raises(OverlapError, match="overlap"):
        apply_edits("abcdef", edits)


@pytest.mark.parametrize("edit", (Edit(-1, 2, "x"), Edit(3, 2, "x"), Edit(2, 7, "x")))
def test_apply_edits_rejects_offsets_outside(edit: Edit) -> None:
    with pytest.raises(ValueError, match="outside"):
        apply_edits("abcdef", [edit])


# -- fix_text through real extraction ---------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "fix"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def digest_for(image: str) -> str:
    """What a fake registry resolves ``image``'s tag to (``nginx`` is ``nginx:latest``)."""
    reference = parse(image)
    tagged = f"{reference.name}:{reference.effective_tag or ''}"
    return "sha256:" + hashlib.sha256(tagged.encode()).hexdigest()


def all_pins(path: str, text: str) -> list[Pin]:
    """A pin for every occurrence that is a valid reference, as ``fix --update`` would make."""
    extraction = extract(path, text)
    assert extraction.syntax_error is None, extraction.syntax_error
    pins = []
    for occurrence in extraction.occurrences:
        try:
            parse(occurrence.image)
        except InvalidReference:
            continue
        pins.append(Pin(occurrence, digest_for(occurrence.image)))
    return pins


# What a correct fix writes, spelled out: the tag (``latest`` for none), "@", and
# digest_for's answer (sha256 of docker.io/library/nginx:latest, of …/redis:7).
NGINX = "nginx:latest@sha256:86cee2c10898a48ff47a0626f8202a2408b5893aff5df58ae10d83166e6d7b0e"
REDIS = "redis:7@sha256:a0ed741ac6ba1c5759e6d93b088e5e315e089f8a2a6a17a0c16f6456ff434700"
K8S = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    (
        pytest.param(
            "pod.yaml", K8S + "  - image: nginx\n", K8S + f"  - image: {NGINX}\n", id="plain"
        ),
        pytest.param(
            "pod.yaml", K8S + "  - image: 'redis:7'\n", K8S + f"  - image: '{REDIS}'\n", id="single"
        ),
        pytest.param(
            "pod.yaml", K8S + '  - image: "redis:7"\n', K8S + f'  - image: "{REDIS}"\n', id="double"
        ),
        pytest.param(
            "pod.yaml",
            K8S + "  - image: redis:7 # why: pinned by the hook  \n",
            K8S + f"  - image: {REDIS} # why: pinned by the hook  \n",
            id="comment-same-line",
        ),
        pytest.param(
            "pod.yaml",
            K8S + "  - image: redis:7  \t\n",
            K8S + f"  - image: {REDIS}  \t\n",
            id="trailing-ws",
        ),
        pytest.param(
            "pod.yaml",
            K8S + "  - image: redis:7",
            K8S + f"  - image: {REDIS}",
            id="no-final-newline",
        ),
        pytest.param(
            "pod.yaml",
            (K8S + "  - image: redis:7\n  - {name: b, image: nginx}\n").replace("\n", "\r\n"),
            (K8S + f"  - image: {REDIS}\n  - {{name: b, image: {NGINX}}}\n").replace("\n", "\r\n"),
            id="crlf-and-flow",
        ),
        pytest.param(
            "pod.yaml",
            "\ufeff" + K8S + "  - image: redis:7\n",
            "\ufeff" + K8S + f"  - image: {REDIS}\n",
            id="bom",
        ),
        pytest.param(
            "pod.yaml",
            f"{K8S}  - image: redis:7\n---\n# second\n{K8S}  - image: nginx\n...\n",
            f"{K8S}  - image: {REDIS}\n---\n# second\n{K8S}  - image: {NGINX}\n...\n",
            id="multi-document",
        ),
        pytest.param(
            "pod.yaml",
            K8S + "  - image: &img redis:7\n  - image: *img\n",
            K8S + f"  - image: &img {REDIS}\n  - image: *img\n",
            id="anchor-and-alias",
        ),
        pytest.param(
            "compose.yaml",
            "x-app: &app\n  image: redis:7\nservices:\n  a:\n    <<: *app\n  b: *app\n",
            f"x-app: &app\n  image: {REDIS}\nservices:\n  a:\n    <<: *app\n  b: *app\n",
            id="merge-keys",
        ),
        pytest.param(
            "compose.yaml",
            "services:\n  a:\n    image: ${A:-redis:7}\n  b:\n    image: '${B-nginx}'\n",
            f"services:\n  a:\n    image: ${{A:-{REDIS}}}\n  b:\n    image: '${{B-{NGINX}}}'\n",
            id="variable-defaults",
        ),
        pytest.param(
            "kustomization.yaml",
            "images:\n  - name: redis\n    newTag: '7' # x\n  - {name: nginx, newTag: latest}",
            f"images:\n  - name: redis\n    newTag: '7' # x\n    digest: {digest_for('redis:7')}\n"
            f"  - {{name: nginx, newTag: latest, digest: {digest_for('nginx')}}}",
            id="kustomize-insert",
        ),
        pytest.param(
            "kustomization.yaml",
            "images:\r\n- name: redis\r\n  newTag: '7'\r\n  digest:\r\n",
            f"images:\r\n- name: redis\r\n  newTag: '7'\r\n  digest: {digest_for('redis:7')}\r\n",
            id="kustomize-empty-digest",
        ),
    ),
)
def test_fix_text(path: str, text: str, expected: str) -> None:
    result = fix_text(path, text, all_pins(path, text))
    assert (result.error, result.skipped) == (None, ())
    assert result.text == expected
    assert result.changed
    again = fix_text(path, expected, all_pins(path, expected))
    assert (again.changed, again.error, again.text) == (False, None, expected)


@pytest.mark.parametrize(
    ("path", "text"),
    (
        pytest.param("pod.yaml", K8S + f"  - image: {REDIS}\n", id="already-pinned"),
        pytest.param("pod.yaml", K8S + "  - image: ${IMAGE}\n", id="dynamic-only"),
        pytest.param(
            "pod.yaml", "apiVersion: v1\nkind: ConfigMap\ndata:\n  image: x:1\n", id="none"
        ),
        pytest.param("pod.yaml", "", id="empty"),
        pytest.param(
            "kustomization.yaml",
            f"images:\n- name: redis\n  newTag: '7'\n  digest: {digest_for('redis:7')}\n",
            id="kustomize-pinned",
        ),
        pytest.param(
            "compose.yaml", f"services:\n  a:\n    image: ${{A:-{REDIS}}}\n", id="default-pinned"
        ),
    ),
)
def test_fix_text_noop(path: str, text: str) -> None:
    assert fix_text(path, text, all_pins(path, text)) == FixResult(text, False)


def test_pins_on_the_same_characters_make_one_edit() -> None:
    text = "x-app: &app\n  image: redis:7\nservices:\n  a:\n    <<: *app\n  b: *app\n"
    pins = all_pins("compose.yaml", text)
    result = fix_text("compose.yaml", text, pins * 3)
    assert (result.text, result.error) == (text.replace("redis:7", REDIS), None)


def test_fix_text_without_pins_is_noop() -> None:
    assert fix_text("pod.yaml", K8S + "  - image: x:1\n", []) == FixResult(
        K8S + "  - image: x:1\n", False
    )


def test_unfixable_occurrences_are_skipped_and_the_rest_fixed() -> None:
    text = K8S + '  - image: "redis\\x3a7"\n  - image: nginx\n'
    result = fix_text("pod.yaml", text, all_pins("pod.yaml", text))
    assert result.text == K8S + f'  - image: "redis\\x3a7"\n  - image: {NGINX}\n'
    assert result.error is None
    assert [(s.occurrence.image, s.reason) for s in result.skipped] == [
        ("redis:7", "'\"redis\\\\x3a7\"' cannot be rewritten in place")
    ]


def _first(path: str, text: str) -> Occurrence:
    return extract(path, text).occurrences[0]


def _moved(occurrence: Occurrence, start: int) -> Occurrence:
    """``occurrence`` with its edit span moved to ``start``: what a buggy extractor could say."""
    return occurrence._replace(edit=Span(start, start + len(occurrence.image)))


ERRORS_TEXT = K8S + "  - image: nginx\n# nginx\n"


@pytest.mark.parametrize(
    ("pins", "match"),
    (
        pytest.param(
            [Pin(_first("pod.yaml", ERRORS_TEXT), D1), Pin(_first("pod.yaml", ERRORS_TEXT), D2)],
            "conflicting fixes: .* overlap",
            id="two-digests-for-one-image",
        ),
        pytest.param(
            [Pin(_first("pod.yaml", K8S + "  - image: redis:7\n"), D1)],
            "expected 'redis:7' at offsets .* found",
            id="stale-occurrence",
        ),
        pytest.param(
            [Pin(_moved(_first("pod.yaml", ERRORS_TEXT), ERRORS_TEXT.index("# nginx") + 2), D1)],
            "'nginx' at spec.containers\\[0\\].image is not in the file; not written",
            id="edit-outside-the-scalar",
        ),
    ),
)
def test_fix_text_refuses(pins: list[Pin], match: str) -> None:
    result = fix_text("pod.yaml", ERRORS_TEXT, pins)
    assert (result.text, result.changed) == (ERRORS_TEXT, False)
    assert result.error is not None
    assert re.search(match, result.error), result.error


def _pinned_copy(occurrence: Occurrence) -> Occurrence:
    assert occurrence.image == "nginx"
    return occurrence._replace(image=f"nginx:latest@{D1}")


@pytest.mark.parametrize(
    ("after", "error"),
    (
        pytest.param(
            lambda o: Extraction((o._replace(image="nginx:other"),)),
            "verification failed after pinning: spec.containers[0].image would read "
            f"'nginx:other' instead of 'nginx:latest@{D1}'; not written",
            id="other-value",
        ),
        pytest.param(
            lambda o: Extraction(()),
            "verification failed after pinning: spec.containers[0].image "
            f"('nginx:latest@{D1}') would no longer be found; not written",
            id="gone",
        ),
        pytest.param(
            lambda o: Extraction((_pinned_copy(o), o._replace(yaml_path="spec.extra"))),
            "verification failed after pinning: a new image would appear at spec.extra "
            "('nginx'); not written",
            id="new",
        ),
        pytest.param(
            lambda o: Extraction((), SyntaxProblem(7, 12, "found undefined alias")),
            "the fixed file would not parse (line 7, column 12: found undefined alias); not written",
            id="does-not-parse",
        ),
    ),
)
def test_verification_says_what_differs(
    monkeypatch: pytest.MonkeyPatch, after: Callable[[Occurrence], Extraction], error: str
) -> None:
    """What a broken extractor or edit could produce, and how the error reads."""
    text = K8S + "  - image: nginx\n"
    occurrence = _first("pod.yaml", text)

    def extract_then_break(path: str, content: str, options: object = None) -> Extraction:
        return Extraction((occurrence,)) if content == text else after(occurrence)

    monkeypatch.setattr("linter.extract.extract", extract_then_break)
    result = fix_text("pod.yaml", text, [Pin(occurrence, D1)])
    assert (result.text, result.changed, result.error) == (text, False, error)


@pytest.mark.parametrize(
    "name", sorted(p.name for p in FIXTURES.glob("*.yaml") if not p.name.endswith(".fixed.yaml"))
)
def test_fixture_files(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    text = data.decode()
    expected = (FIXTURES / name.replace(".yaml", ".fixed.yaml")).read_bytes()
    result = fix_text(name, text, all_pins(name, text))
    assert result.error is None
    assert result.text.encode() == expected
    assert_only_spans_changed(text, result.text, all_pins(name, text))


_TOKEN = re.compile(r"\s+|\S+")


def _spans(pins: Sequence[Pin]) -> list[Span]:
    """The characters each pin may change (or the point where it may insert)."""
    spans = []
    for each in pins:
        entry = each.occurrence.kustomize
        if entry is not None:
            spans.append(entry.digest or Span(entry.insert_at, entry.insert_at))
        else:
            assert each.occurrence.edit is not None
            spans.append(each.occurrence.edit)
    return spans


def assert_only_spans_changed(old: str, new: str, pins: Sequence[Pin]) -> None:
    """Diff ``old`` and ``new`` token by token (whitespace runs and the rest), then by character.

    Every changed run of tokens must hold pinned characters, and within it every
    character outside those spans must be kept, in order.
    """
    if old == new:
        return
    spans = sorted(set(_spans(pins)), key=lambda span: span.start)
    old_tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(old)]
    new_tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(new)]
    matcher = difflib.SequenceMatcher(None, [t for _, t in old_tokens], [t for _, t in new_tokens])
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start = old_tokens[i1][0] if i1 < len(old_tokens) else len(old)
        end = old_tokens[i2 - 1][0] + len(old_tokens[i2 - 1][1]) if i2 > i1 else start
        inside = [s for s in spans if start <= s.start and s.end <= end]
        assert inside, f"changed outside any image span: {old[start:end]!r}"
        kept, position = [], start
        for span in inside:
            kept.append(re.escape(old[position : span.start]))
            position = span.end
        kept.append(re.escape(old[position:end]))
        new_start = new_tokens[j1][0] if j1 < len(new_tokens) else len(new)
        new_end = new_tokens[j2 - 1][0] + len(new_tokens[j2 - 1][1]) if j2 > j1 else new_start
        assert re.fullmatch("(.*?)".join(kept), new[new_start:new_end], re.DOTALL)


@needs(CORPUS)
def test_shared_corpus_changes_only_image_spans() -> None:
    fixed = 0
    for file in sorted(CORPUS.rglob("*.y*ml")):
        text = source.read(file).text
        name = file.relative_to(CORPUS).as_posix()
        pins = all_pins(name, text)
        result = fix_text(name, text, pins)
        assert result.error is None, name
        # Only what the extraction says it leaves to the author (a HelmRelease's values
        # whose chart has no digest field) is skipped.
        assert all(s.occurrence.fix_hint or s.occurrence.unfixable for s in result.skipped), name
        assert_only_spans_changed(text, result.text, pins)
        assert fix_text(name, result.text, all_pins(name, result.text)).changed is False, name
        fixed += result.changed
    assert fixed > 300


def test_examples_change_only_image_spans() -> None:
    files = sorted(EXAMPLES.rglob("*.y*ml"))
    assert files
    for file in files:
        text = source.read(file).text
        pins = all_pins(file.name, text)
        result = fix_text(file.name, text, pins)
        assert (result.error, result.skipped) == (None, ()), file
        assert_only_spans_changed(text, result.text, pins)
