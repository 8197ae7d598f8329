from __future__ import annotations

import pytest

from linter.extract import extract
from linter.extract.github_actions import is_action, is_workflow
from linter.fixer import Pin, fix_text

D1 = "sha256:" + "1" * 64
WORKFLOW = ".github/workflows/ci.yml"

Row = tuple[int, int, str, str, str, str | None]


def _rows(path: str, text: str) -> list[Row]:
    """(line, column, image, YAML path, context, dynamic) of every occurrence."""
    result = extract(path, text)
    for found in result.occurrences:
        assert text[found.start : found.end] == found.raw
        if found.edit is not None:
            assert text[found.edit.start : found.edit.end] == found.image
    return [
        (o.line, o.column, o.image, o.yaml_path, o.context, o.dynamic) for o in result.occurrences
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".github/workflows/ci.yml", True),
        (".github/workflows/release.yaml", True),
        ("repo/.github/workflows/ci.yml", True),
        ("/abs/repo/.github/workflows/ci.yml", True),
        (".github/workflows/nested/ci.yml", False),
        (".github/ci.yml", False),
        ("workflows/ci.yml", False),
        ("x.github/workflows/ci.yml", False),
    ],
)
def test_is_workflow(path: str, expected: bool) -> None:
    assert is_workflow(path) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("action.yml", True),
        ("a/b/action.yaml", True),
        ("actions.yml", False),
        ("my-action.yml", False),
    ],
)
def test_is_action(path: str, expected: bool) -> None:
    assert is_action(path) is expected


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        (
            "jobs:\n  build:\n    container: node:20\n",
            [(3, 16, "node:20", "jobs.build.container", "job build container", None)],
        ),
        (
            "jobs:\n  build:\n    container:\n      image: 'node:20'\n      options: --cpus 1\n",
            [(4, 14, "node:20", "jobs.build.container.image", "job build container", None)],
        ),
        (
            "jobs:\n  t:\n    services:\n      db: {image: postgres:16, ports: ['5432:5432']}\n      cache:\n        image: redis\n",
            [
                (4, 19, "postgres:16", "jobs.t.services.db.image", "job t service db", None),
                (6, 16, "redis", "jobs.t.services.cache.image", "job t service cache", None),
            ],
        ),
        (
            "jobs:\n  t:\n    steps:\n      - uses: actions/checkout@v4\n      - name: lint\n        uses: docker://hadolint/hadolint:v2.12.0\n      - uses: 'docker://alpine'\n",
            [
                (
                    6,
                    15,
                    "hadolint/hadolint:v2.12.0",
                    "jobs.t.steps[1].uses",
                    "job t step lint",
                    None,
                ),
                (7, 15, "alpine", "jobs.t.steps[2].uses", "job t step 2", None),
            ],
        ),
        # Expressions are dynamic, whole.
        (
            "jobs:\n  t:\n    container: ${{ matrix.image }}\n    services:\n      s:\n        image: ghcr.io/acme/${{ inputs.name }}:1\n",
            [
                (
                    3,
                    16,
                    "${{ matrix.image }}",
                    "jobs.t.container",
                    "job t container",
                    "${{ matrix.image }}",
                ),
                (
                    6,
                    16,
                    "ghcr.io/acme/${{ inputs.name }}:1",
                    "jobs.t.services.s.image",
                    "job t service s",
                    "${{ inputs.name }}",
                ),
            ],
        ),
        # Not images: actions, reusable workflows, a job without a container, empty values.
        (
            "on: push\njobs:\n  call:\n    uses: acme/repo/.github/workflows/build.yml@v1\n  t:\n    runs-on: ubuntu-latest\n    container: ''\n    services: ~\n    steps:\n      - run: docker run nginx:1.27\n",
            [],
        ),
        # Anchors: reported once, where written.
        (
            "jobs:\n  a:\n    container: &c node:20\n  b:\n    container: *c\n",
            [(3, 19, "node:20", "jobs.a.container", "job a container", None)],
        ),
        ("jobs: [a, b]\n", []),
        ("name: not a workflow\n", []),
    ],
)
def test_workflow(text: str, rows: list[Row]) -> None:
    assert _rows(WORKFLOW, text) == rows


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        (
            "runs:\n  using: docker\n  image: docker://ghcr.io/acme/tool:2\n",
            [(3, 10, "ghcr.io/acme/tool:2", "runs.image", "action", None)],
        ),
        # Built from the action's own Dockerfile: no image to pin.
        ("runs:\n  using: docker\n  image: Dockerfile\n", []),
        (
            "runs:\n  using: composite\n  steps:\n    - uses: docker://alpine:3.20\n      name: hi\n",
            [(4, 13, "alpine:3.20", "runs.steps[0].uses", "action step hi", None)],
        ),
        ("runs:\n  using: node20\n  main: index.js\n", []),
    ],
)
def test_action(text: str, rows: list[Row]) -> None:
    assert _rows("action.yml", text) == rows


def test_an_action_file_that_is_a_manifest_is_a_manifest() -> None:
    text = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{image: 'a:1'}]\n"
    result = extract("deploy/action.yaml", text)
    assert (result.kinds, [o.image for o in result.occurrences]) == (("kubernetes",), ["a:1"])


def test_a_docker_uri_is_fixed_after_the_scheme() -> None:
    text = 'jobs:\n  t:\n    steps:\n      - uses: "docker://alpine:3.20"  # pinned\n'
    pins = [Pin(o, D1) for o in extract(WORKFLOW, text).occurrences]
    result = fix_text(WORKFLOW, text, pins)
    assert (
        result.text
        == f'jobs:\n  t:\n    steps:\n      - uses: "docker://alpine:3.20@{D1}"  # pinned\n'
    )
