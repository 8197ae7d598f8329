from __future__ import annotations

from pathlib import Path

import pytest

from linter.extract import extract
from linter.extract.options import FormatOptions
from linter.fixer import Pin, fix_text
from linter.model import Form, Occurrence

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64
AS_VALUES = FormatOptions(helm_values=("values*.yaml",))
IN_TAG = FormatOptions(helm_values=("values*.yaml",), helm_digest_in_tag=True)

Row = tuple[int, int, str, str, str | None]


def _occurrences(
    text: str, options: FormatOptions = AS_VALUES, path: str = "values.yaml"
) -> tuple[Occurrence, ...]:
    result = extract(path, text, options)
    assert result.kinds == ("helm-values",)
    for found in result.occurrences:
        assert text[found.start : found.end] == found.raw
    return result.occurrences


def _rows(text: str) -> list[Row]:
    """(line, column, image, YAML path, dynamic) of every occurrence."""
    return [(o.line, o.column, o.image, o.yaml_path, o.dynamic) for o in _occurrences(text)]


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ('image: "nginx:1.27"\n', [(1, 8, "nginx:1.27", "image", None)]),
        ("image:\n  repository: nginx\n  tag: '1.27'\n", [(3, 8, "nginx:1.27", "image", None)]),
        ("image: {repository: nginx, tag: 1.20}\n", [(1, 33, "nginx:1.20", "image", None)]),
        (
            "image:\n  registry: docker.io\n  repository: bitnami/nginx\n  tag: 1.27.3\n  digest: ''\n",
            [(4, 8, "docker.io/bitnami/nginx:1.27.3", "image", None)],
        ),
        (
            f"image:\n  repository: nginx\n  tag: '1.27'\n  digest: {D1}\n",
            [(3, 8, f"nginx:1.27@{D1}", "image", None)],
        ),
        (f"image:\n  repository: nginx\n  digest: {D1}\n", [(3, 11, f"nginx@{D1}", "image", None)]),
        (
            f"image:\n  repository: nginx\n  tag: 1.27@{D1}\n",
            [(3, 8, f"nginx:1.27@{D1}", "image", None)],
        ),
        # ingress-nginx: ``image`` is the repository next to registry, tag and digest.
        (
            "controller:\n  image:\n    registry: registry.k8s.io\n    image: ingress-nginx/controller\n    tag: v1.11.3\n",
            [(5, 10, "registry.k8s.io/ingress-nginx/controller:v1.11.3", "controller.image", None)],
        ),
        # Older charts: ``image`` and ``tag`` or ``imageTag`` side by side.
        (
            "jenkins:\n  image: jenkins/jenkins\n  tag: lts\n",
            [(3, 8, "jenkins/jenkins:lts", "jenkins", None)],
        ),
        ("mongo:\n  image: mongo\n  imageTag: '7.0'\n", [(3, 13, "mongo:7.0", "mongo", None)]),
        # A non-empty global.imageRegistry replaces Bitnami-style registries.
        (
            "global: {imageRegistry: mirror.local}\na:\n  image: {registry: docker.io, repository: bitnami/redis, tag: '7'}\nb:\n  image: {repository: nginx, tag: '1'}\n",
            [
                (3, 64, "mirror.local/bitnami/redis:7", "a.image", None),
                (5, 35, "nginx:1", "b.image", None),
            ],
        ),
        # Images inside lists and embedded pod specs.
        (
            "extraContainers:\n  - name: x\n    image: busybox:1.36\nsidecars: [{image: {repository: envoy, tag: v1}}]\n",
            [
                (3, 12, "busybox:1.36", "extraContainers[0].image", None),
                (4, 45, "envoy:v1", "sidecars[0].image", None),
            ],
        ),
        # No tag and no appVersion known: the chart decides.
        (
            "image: {repository: nginx}\n",
            [(1, 21, "nginx", "image", "the tag is left to the chart's templates")],
        ),
        ("image: '{{ .Values.x }}:1'\n", [(1, 8, "{{ .Values.x }}:1", "image", "{{ .Values.x }}")]),
        # Not images.
        ("git:\n  repository: https://github.com/acme/app.git\n  branch: main\n", []),
        ("image: ''\nother: {image: 5}\n", []),
        ("image: {pullPolicy: Always}\n", []),
    ],
)
def test_conventions(text: str, rows: list[Row]) -> None:
    assert _rows(text) == rows


def test_notes_say_how_each_value_was_read() -> None:
    text = (
        "a:\n  image: {registry: docker.io, repository: x/y, tag: '1', digest: ''}\n"
        "b:\n  image: {repository: z, tag: '2'}\n"
        "c:\n  image: 'w:3'\n"
    )
    a, b, c = _occurrences(text)
    assert a.note == "read as registry + repository + tag; the fix sets digest"
    assert b.note == (
        "read as repository + tag; no digest field in the chart "
        "(helm-digest-in-tag writes the digest into tag)"
    )
    assert (a.form, b.form, c.form, c.note) == (Form.KUSTOMIZE, Form.KUSTOMIZE, Form.SCALAR, None)
    assert (a.context, c.context) == ("Helm values a.image", "Helm values c.image")


@pytest.mark.parametrize(
    ("text", "options", "fixed"),
    [
        # The digest field: replaced, filled in after the colon, quotes kept.
        (
            "image:\n  repository: nginx\n  tag: '1.27'\n  digest: ''\n",
            AS_VALUES,
            f"image:\n  repository: nginx\n  tag: '1.27'\n  digest: '{D1}'\n",
        ),
        (
            "image:\n  repository: nginx\n  tag: '1.27'\n  digest:\n",
            AS_VALUES,
            f"image:\n  repository: nginx\n  tag: '1.27'\n  digest: {D1}\n",
        ),
        (f"image:\n  repository: nginx\n  tag: '1.27'\n  digest: {D1}\n", AS_VALUES, None),
        # No digest field: only into the tag, and only when configured.
        ("image:\n  repository: nginx\n  tag: '1.27'\n", AS_VALUES, None),
        (
            'image:\r\n  repository: nginx\r\n  tag: "1.27" # pinned\r\n',
            IN_TAG,
            f'image:\r\n  repository: nginx\r\n  tag: "1.27@{D1}" # pinned\r\n',
        ),
        (
            "image: {repository: nginx, tag: 1.27}\n",
            IN_TAG,
            f"image: {{repository: nginx, tag: 1.27@{D1}}}\n",
        ),
        (f"image: {{repository: nginx, tag: 1.27@{D1}}}\n", AS_VALUES, None),
        ("image: {repository: nginx}\n", IN_TAG, None),
        ("image: {repository: nginx, tag: ''}\n", IN_TAG, None),
        ('image: "nginx:1.27"\n', AS_VALUES, f'image: "nginx:1.27@{D1}"\n'),
    ],
)
def test_fixes(text: str, options: FormatOptions, fixed: str | None) -> None:
    occurrences = _occurrences(text, options)
    result = fix_text("values.yaml", text, [Pin(o, D1) for o in occurrences], options)
    if fixed is None:
        assert not result.changed and result.error is None
        return
    assert (result.text, result.error) == (fixed, None)
    again = _occurrences(fixed, options)
    assert [o.image for o in again] == [f"{o.image.split('@')[0]}@{D1}" for o in occurrences]
    assert not fix_text("values.yaml", fixed, [Pin(o, D1) for o in again], options).changed


def test_an_update_replaces_the_digest_in_a_tag() -> None:
    text = f"image: {{repository: nginx, tag: '1.27@{D2}'}}\n"
    (occurrence,) = _occurrences(text)
    result = fix_text("values.yaml", text, [Pin(occurrence, D1)], AS_VALUES)
    assert result.text == text.replace(D2, D1)


def _chart(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


CHART = {
    "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\nappVersion: 2.4.1\n",
    "chart/values.yaml": (
        "global: {imageRegistry: ''}\n"
        "image:\n  registry: docker.io\n  repository: bitnami/nginx\n  tag: 1.27.3\n  digest: ''\n"
        "app:\n  image:\n    repository: ghcr.io/acme/web\n    tag: ''\n"
    ),
}


@pytest.mark.parametrize(
    ("path", "kinds"),
    [
        ("chart/values.yaml", ("helm-values",)),
        ("chart/values-prod.yaml", ("helm-values",)),
        ("chart/values.staging.yml", ("helm-values",)),
        ("chart/prod-values.yaml", ("other",)),
        ("chart/templates/values.yaml", ("other",)),
        ("elsewhere/values.yaml", ("other",)),
    ],
)
def test_values_files_are_those_next_to_a_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str, kinds: tuple[str, ...]
) -> None:
    _chart(tmp_path, CHART)
    monkeypatch.chdir(tmp_path)
    assert extract(path, "image: {repository: a, tag: b}\n").kinds == kinds


def test_the_chart_fills_in_what_a_values_file_leaves_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _chart(tmp_path, CHART)
    monkeypatch.chdir(tmp_path)
    defaults = extract("chart/values.yaml", CHART["chart/values.yaml"]).occurrences
    assert [(o.line, o.image, o.note) for o in defaults] == [
        (
            5,
            "docker.io/bitnami/nginx:1.27.3",
            "read as registry + repository + tag; the fix sets digest",
        ),
        (
            10,
            "ghcr.io/acme/web:2.4.1",
            "read as repository + tag from Chart.yaml appVersion; no digest field in the chart "
            "(helm-digest-in-tag writes the digest into tag)",
        ),
    ]
    text = "global:\n  imageRegistry: mirror.local\nimage:\n  tag: 1.27.4  # prod\napp:\n  image: {tag: '2.5.0'}\n"
    image, app = extract("chart/values-prod.yaml", text).occurrences
    assert (image.image, image.note) == (
        "mirror.local/bitnami/nginx:1.27.4",
        "read as global.imageRegistry + repository from values.yaml + tag; the fix adds digest",
    )
    assert app.image == "ghcr.io/acme/web:2.5.0"
    result = fix_text("chart/values-prod.yaml", text, [Pin(image, D1), Pin(app, D1)])
    # The chart has a digest field for ``image``, not for ``app.image``.
    assert result.text == text.replace("# prod\n", f"# prod\n  digest: {D1}\n")
    assert [s.occurrence for s in result.skipped] == [app]
