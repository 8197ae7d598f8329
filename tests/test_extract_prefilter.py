"""Skipping data-kind documents before composing: what is skipped, and that nothing changes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter.extract import Extraction, extract, prefilter

CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  image: nginx:1.27\n"
SECRET = "apiVersion: v1\nkind: Secret  # sealed elsewhere\nstringData:\n  a: b\n"
CRD = (
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n"
    "  versions:\n    - schema:\n        openAPIV3Schema:\n          properties:\n"
    "            image: {type: string}\n"
)
POD = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: a\n      image: nginx:1.27\n"
COMPOSE = "services:\n  web:\n    image: redis:7\n"
KUSTOMIZE_DATA = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: ConfigMap\nimages:\n  - name: a\n    newTag: '1'\n"


def _without_prefilter(path: str, text: str, monkeypatch: pytest.MonkeyPatch) -> Extraction:
    with monkeypatch.context() as patch:
        patch.setattr(prefilter, "skip_data_documents", lambda text: None)
        return extract(path, text)


@pytest.mark.parametrize(
    ("text", "skipped"),
    [
        (CONFIG_MAP, 1),
        (SECRET, 1),
        (CRD, 1),
        (POD, 0),
        (f"{CRD}---\n{POD}---\n{CONFIG_MAP}", 2),
        (f"---\n{CRD}--- # the next one\n{SECRET}...\n", 2),
        (f"# a header\n{CONFIG_MAP}", 1),
        # Not provably a data kind: left to the parser.
        (f"%YAML 1.1\n---\n{CONFIG_MAP}", 0),
        (f"--- !!map\n{CONFIG_MAP}", 0),
        (f"--- &anchor\n{CONFIG_MAP}", 0),
        ("apiVersion: v1\nkind: ConfigMap\nkind: Pod\n", 0),
        ("kind: ConfigMap\ndata: {}\n", 0),
        ('apiVersion: v1\nkind: "ConfigMap"\n', 0),
        ("{apiVersion: v1, kind: ConfigMap}\n", 0),
        ("apiVersion: v1\nkind:  ConfigMapList\n", 0),
        (KUSTOMIZE_DATA, 0),
        # A syntax error anywhere: the full path reports it.
        (f"{CONFIG_MAP}  bad: [\n---\n{POD}", 0),
        (f"{POD}---\n{CONFIG_MAP}---\na: [\n", 0),
    ],
)
def test_what_is_skipped(text: str, skipped: int) -> None:
    found = prefilter.skip_data_documents(text)
    assert (len(found.placeholders) if found else 0) == skipped


@pytest.mark.parametrize(
    "text",
    [
        CONFIG_MAP,
        f"{CRD}---\n{POD}",
        f"{POD}---\n{SECRET}---\n{POD}",
        f"{CONFIG_MAP}---\n{CRD}".replace("\n", "\r\n"),
        f"\ufeff{POD}---\n{CONFIG_MAP}---\n{POD}",
        f"\ufeff{CONFIG_MAP}---\n{POD}",
        f"{CONFIG_MAP}...\n---\n{POD}",
    ],
)
def test_offsets_and_lines_are_kept(text: str) -> None:
    found = prefilter.skip_data_documents(text)
    if found is None:
        assert text.startswith("\ufeffapiVersion: v1\nkind: ConfigMap")  # not at column 0
        return
    assert len(found.text) == len(text)
    breaks = [(i, c) for i, c in enumerate(text) if c in "\r\n"]
    assert [(i, c) for i, c in enumerate(found.text) if c in "\r\n"] == breaks
    assert all(found.text[offset] == "~" for offset in found.placeholders)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("all.yaml", f"{CRD}---\n{POD}---\n{CONFIG_MAP}"),
        ("all.yaml", f"{POD}---\n{SECRET}---\n{POD}".replace("\n", "\r\n")),
        ("docker-compose.yaml", f"{COMPOSE}---\n{CONFIG_MAP}"),
        ("kustomization.yaml", f"{KUSTOMIZE_DATA}---\n{CONFIG_MAP}"),
        # Classified by the file's place: every document is read as that format.
        (".github/workflows/ci.yaml", f"{CONFIG_MAP}---\njobs:\n  a:\n    container: node:20\n"),
    ],
)
def test_the_extraction_is_the_same(path: str, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert extract(path, text) == _without_prefilter(path, text, monkeypatch)


DOCUMENTS = st.sampled_from(
    [CONFIG_MAP, SECRET, CRD, POD, COMPOSE, KUSTOMIZE_DATA, "", "# only a comment\n", "a: [b\n"]
)
SEPARATORS = st.sampled_from(["---\n", "--- # next\n", "...\n---\n", "---\n\n"])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(SEPARATORS, DOCUMENTS), min_size=1, max_size=5),
    st.booleans(),
    st.booleans(),
)
def test_any_mix_extracts_the_same(documents: list[tuple[str, str]], crlf: bool, bom: bool) -> None:
    text = documents[0][1] + "".join(separator + body for separator, body in documents[1:])
    text = ("\ufeff" if bom else "") + (text.replace("\n", "\r\n") if crlf else text)
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert extract("all.yaml", text) == _without_prefilter("all.yaml", text, monkeypatch)
