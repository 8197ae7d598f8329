from __future__ import annotations

from pathlib import Path

import pytest

from linter.extract import extract
from linter.model import Form, Occurrence

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
DIGEST = "sha256:" + "ab" * 32
ZEROS = "sha256:" + "0" * 64
ONES = "sha256:" + "1" * 64


def _pin(text: str, found: Occurrence) -> str:
    """``text`` with ``found`` pinned as the fixer does it."""
    entry = found.kustomize
    assert entry is not None
    if entry.digest is not None:
        return text[: entry.digest.start] + DIGEST + text[entry.digest.end :]
    insertion = entry.insert_prefix + DIGEST + entry.insert_suffix
    return text[: entry.insert_at] + insertion + text[entry.insert_at :]


def test_kustomization_file() -> None:
    text = (FIXTURES / "kustomization.yaml").read_text(encoding="utf-8")
    result = extract("kustomization.yaml", text)
    assert result.kinds == ("kustomization",)
    rows = [(o.line, o.column, o.raw, o.image, o.yaml_path, o.context) for o in result.occurrences]
    assert rows == [
        (7, 13, '"1.27"', "nginx:1.27", "images[0]", "kustomization image nginx"),
        (10, 13, "7.2", "ghcr.io/acme/redis:7.2", "images[1]", "kustomization image redis"),
        (12, 13, '"16"', f"postgres:16@{ZEROS}", "images[2]", "kustomization image postgres"),
        (15, 13, ONES, f"pinned@{ONES}", "images[3]", "kustomization image pinned"),
        # images[4] only renames and images[5] changes nothing: the manifests keep their tags.
        (19, 26, '"3.1"', "flow:3.1", "images[6]", "kustomization image flow"),
        (21, 13, "v1", "empty-digest:v1", "images[7]", "kustomization image empty-digest"),
        (24, 13, "v9", "last:v9", "images[8]", "kustomization image last"),
    ]
    assert all(o.form is Form.KUSTOMIZE and o.edit is None for o in result.occurrences)


@pytest.mark.parametrize(
    ("text", "pinned"),
    [
        (
            "images:\n  - name: nginx\n    newTag: '1.27'\n",
            f"images:\n  - name: nginx\n    newTag: '1.27'\n    digest: {DIGEST}\n",
        ),
        (
            "images:\n- name: nginx\n  newTag: '1.27'\n- name: b\n",
            f"images:\n- name: nginx\n  newTag: '1.27'\n  digest: {DIGEST}\n- name: b\n",
        ),
        (
            "images:\r\n  - name: nginx\r\n    newTag: '1.27'\r\n",
            f"images:\r\n  - name: nginx\r\n    newTag: '1.27'\r\n    digest: {DIGEST}\r\n",
        ),
        (
            "images:\n  - name: nginx\n    newTag: '1.27'",
            f"images:\n  - name: nginx\n    newTag: '1.27'\n    digest: {DIGEST}",
        ),
        (
            "images:\r\n  - name: nginx\r\n    newTag: '1.27'",
            f"images:\r\n  - name: nginx\r\n    newTag: '1.27'\r\n    digest: {DIGEST}",
        ),
        (
            "images:\n  - newTag: 1.27 # pin me\n    name: nginx   \n\nresources: []\n",
            f"images:\n  - newTag: 1.27 # pin me\n    name: nginx   \n    digest: {DIGEST}\n"
            "\nresources: []\n",
        ),
        (
            "images:\n  - name: nginx\n    newTag: |-\n      1.27\n\n# end\n",
            f"images:\n  - name: nginx\n    newTag: |-\n      1.27\n    digest: {DIGEST}\n\n# end\n",
        ),
        (
            "images: [{name: nginx, newTag: '1.27'}]\n",
            f"images: [{{name: nginx, newTag: '1.27', digest: {DIGEST}}}]\n",
        ),
        (
            "images: [{name: nginx, newTag: '1.27', }]\n",
            f"images: [{{name: nginx, newTag: '1.27', digest: {DIGEST}, }}]\n",
        ),
        (
            "images:\n  - {name: nginx,\n     newTag: '1.27'\n    }\n",
            f"images:\n  - {{name: nginx,\n     newTag: '1.27', digest: {DIGEST}\n    }}\n",
        ),
        (
            f"images:\n  - name: nginx\n    newTag: '1.27'\n    digest: {ZEROS} # old\n",
            f"images:\n  - name: nginx\n    newTag: '1.27'\n    digest: {DIGEST} # old\n",
        ),
        (
            f"images:\n  - name: nginx\n    newTag: '1.27'\n    digest: \"{ZEROS}\"\n",
            f"images:\n  - name: nginx\n    newTag: '1.27'\n    digest: \"{DIGEST}\"\n",
        ),
        (
            "images:\n  - name: nginx\n    newTag: '1.27'\n    digest:\n",
            f"images:\n  - name: nginx\n    newTag: '1.27'\n    digest: {DIGEST}\n",
        ),
        (
            "images:\n  - name: nginx\n    newTag: '1.27'\n    digest: ~\n",
            f"images:\n  - name: nginx\n    newTag: '1.27'\n    digest: {DIGEST}\n",
        ),
        (
            "images:\n  - name: nginx\n    newTag: '1.27'\n    digest: ''\n",
            f"images:\n  - name: nginx\n    newTag: '1.27'\n    digest: '{DIGEST}'\n",
        ),
        (
            "\ufeffimages:\n  -   name: nginx\n      newTag: '1.27'\n",
            f"\ufeffimages:\n  -   name: nginx\n      newTag: '1.27'\n      digest: {DIGEST}\n",
        ),
    ],
)
def test_pinning_writes_a_digest_kustomize_reads(text: str, pinned: str) -> None:
    (found,) = extract("kustomization.yaml", text).occurrences
    assert _pin(text, found) == pinned
    (after,) = extract("kustomization.yaml", pinned).occurrences
    assert after.image == f"nginx:1.27@{DIGEST}"
    assert after.yaml_path == found.yaml_path


@pytest.mark.parametrize(
    "text",
    [
        "images:\n  - name: nginx\n",
        "images:\n  - name: nginx\n    newName: ghcr.io/acme/nginx\n",
        "images:\n  - newTag: '1.27'\n",
        "images:\n  - name: nginx\n    newTag: ''\n",
        "images:\n  - name: nginx\n    newTag:\n",
        "images: nginx\n",
        "images: [nginx]\n",
    ],
)
def test_entries_that_name_no_image(text: str) -> None:
    assert extract("kustomization.yaml", text).occurrences == ()


def test_an_escaped_digest_cannot_be_rewritten() -> None:
    text = f'images:\n  - name: nginx\n    digest: "{ZEROS[:-1]}\\x30"\n'
    (found,) = extract("kustomization.yaml", text).occurrences
    assert found.image == f"nginx@{ZEROS}"
    assert found.kustomize is None


@pytest.mark.parametrize(
    ("name", "text", "kinds"),
    [
        ("kustomization.yaml", "resources: [a.yaml]\n", ("kustomization",)),
        ("base/kustomization.yml", "images: []\n", ("kustomization",)),
        ("Kustomization", "images: []\n", ("kustomization",)),
        (
            "component.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages: []\n",
            ("kustomization",),
        ),
        ("other.yaml", "images:\n  - name: a\n    newTag: '1'\n", ("other",)),
    ],
)
def test_kustomization_detection(name: str, text: str, kinds: tuple[str, ...]) -> None:
    assert extract(name, text).kinds == kinds


def test_dynamic_tag() -> None:
    text = "images:\n  - name: app\n    newTag: ${TAG}\n"
    (found,) = extract("kustomization.yaml", text).occurrences
    assert (found.image, found.dynamic) == ("app:${TAG}", "${TAG}")
