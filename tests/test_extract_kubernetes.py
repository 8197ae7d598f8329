from __future__ import annotations

from pathlib import Path

import pytest

from linter.extract import extract
from linter.model import Form, Occurrence

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def _occurrences(name: str) -> tuple[Occurrence, ...]:
    result = extract(name, (FIXTURES / name).read_text(encoding="utf-8"))
    assert result.syntax_error is None
    return result.occurrences


def _rows(name: str) -> list[tuple[int, int, str, str, str, str | None]]:
    return [
        (o.line, o.column, o.image, o.yaml_path, o.context, o.dynamic) for o in _occurrences(name)
    ]


WORKLOADS = [
    (9, 14, "busybox:1.36", "spec.initContainers[0].image", "Pod/pod init container init", None),
    (12, 14, "nginx:1.27", "spec.containers[0].image", "Pod/pod container app", None),
    (
        15,
        14,
        "alpine:3.20",
        "spec.ephemeralContainers[0].image",
        "Pod/pod ephemeral container debug",
        None,
    ),
    (
        19,
        20,
        "ghcr.io/acme/models:v2",
        "spec.volumes[0].image.reference",
        "Pod/pod volume models",
        None,
    ),
    (
        30,
        18,
        "ghcr.io/acme/web:1.0",
        "spec.template.spec.containers[0].image",
        "Deployment/web container app",
        None,
    ),
    (
        38,
        38,
        "postgres:16",
        "spec.template.spec.containers[0].image",
        "StatefulSet/db container db",
        None,
    ),
    (
        47,
        32,
        "datadog/agent:7",
        "spec.template.spec.containers[0].image",
        "DaemonSet/agent container agent",
        None,
    ),
    (
        57,
        18,
        "registry.k8s.io/pause:3.9",
        "spec.template.spec.containers[0].image",
        "ReplicaSet/rs container app",
        None,
    ),
    (
        67,
        18,
        "redis:7",
        "spec.template.spec.containers[0].image",
        "ReplicationController/rc container app",
        None,
    ),
    (
        77,
        18,
        "flyway/flyway:10",
        "spec.template.spec.containers[0].image",
        "Job/migrate container migrate",
        None,
    ),
    (
        90,
        22,
        "restic/restic:0.16.4",
        "spec.jobTemplate.spec.template.spec.containers[0].image",
        "CronJob/nightly container backup",
        None,
    ),
    (
        99,
        16,
        "quay.io/prometheus/busybox:latest",
        "template.spec.containers[0].image",
        "PodTemplate/tpl container app",
        None,
    ),
    (110, 18, "mysql:8.4", "items[0].spec.containers[0].image", "Pod/listed container app", None),
    (
        122,
        26,
        "memcached:1.6",
        "items[1].items[0].spec.template.spec.containers[0].image",
        "Deployment/nested container app",
        None,
    ),
]

CUSTOM = [
    (
        10,
        18,
        "argoproj/rollouts-demo:blue",
        "spec.template.spec.containers[0].image",
        "Rollout/canary container app",
        None,
    ),
    (22, 12, "alpine:3.20", "spec.stepTemplate.image", "Task/build", None),
    (25, 14, "golang:1.22", "spec.steps[0].image", "Task/build step compile", None),
    (
        27,
        14,
        "$(params.builder)",
        "spec.steps[1].image",
        "Task/build step param",
        "$(params.builder)",
    ),
    (30, 14, "docker:dind", "spec.sidecars[0].image", "Task/build sidecar docker", None),
    (39, 16, "docker/whalesay:latest", "spec.templates[0].container.image", "Workflow/hello", None),
    (42, 16, "python:3.12", "spec.templates[1].script.image", "Workflow/hello", None),
    (
        53,
        18,
        "ko://github.com/acme/hello",
        "spec.template.spec.containers[0].image",
        "Service/hello",
        "ko://github.com/acme/hello",
    ),
    (62, 10, "quay.io/prometheus/prometheus:v2.53.0", "spec.image", "Prometheus/k8s", None),
    (85, 14, "curlimages/curl:8.8.0", "verify[0].container.image", "Config container smoke", None),
    (
        119,
        14,
        "gcr.io/acme/app:2.0",
        "spec.containers[0].image",
        "Pod/injected container app",
        None,
    ),
]

STYLES = [
    (9, 14, "nginx:1.27", "spec.containers[0].image", "Pod/styles container plain", None),
    (11, 14, "nginx:1.27-alpine", "spec.containers[1].image", "Pod/styles container single", None),
    (
        13,
        14,
        "ghcr.io/acme/app:1.0",
        "spec.containers[2].image",
        "Pod/styles container double",
        None,
    ),
    (14, 27, "redis:7.2", "spec.containers[3].image", "Pod/styles container flow", None),
    (
        16,
        14,
        "ghcr.io/acme/app:1.0",
        "spec.containers[4].image",
        "Pod/styles container escaped",
        None,
    ),
    (18, 14, "it's:1", "spec.containers[5].image", "Pod/styles container quote-escape", None),
    (
        20,
        14,
        "ghcr.io/acme/long-name:1.0",
        "spec.containers[6].image",
        "Pod/styles container folded",
        None,
    ),
    (
        23,
        14,
        "ghcr.io/acme/block:1.0",
        "spec.containers[7].image",
        "Pod/styles container block",
        None,
    ),
    (
        26,
        28,
        "quay.io/acme/tagged:2",
        "spec.containers[8].image",
        "Pod/styles container tagged",
        None,
    ),
    (
        28,
        14,
        "docker.io/library/tab:1",
        "spec.containers[9].image",
        "Pod/styles container tab\tin-name",
        None,
    ),
    (
        30,
        14,
        "ghcr.io/acme/ünicode:1",
        "spec.containers[10].image",
        "Pod/styles container unicode-ünïcode",
        None,
    ),
    # The anchor's position and path, once, whichever alias or merge reaches it again.
    (
        43,
        26,
        "busybox:1.36",
        "spec.template.spec.initContainers[0].image",
        "Deployment/anchors init container first",
        None,
    ),
    (
        50,
        24,
        "merged/list:1",
        "spec.template.spec.containers[3].image",
        "Deployment/anchors container merge-list",
        None,
    ),
    # Duplicate keys: both values, none lost.
    (60, 14, "first/image:1", "spec.containers[0].image", "Pod/duplicates container dup", None),
    (61, 14, "second/image:2", "spec.containers[0].image", "Pod/duplicates container dup", None),
    # A redefined anchor: the alias means the newer value, reported once.
    (70, 19, "one/image:1", "spec.containers[0].image", "Pod/redefined container one", None),
    (72, 19, "two/image:2", "spec.containers[1].image", "Pod/redefined container two", None),
]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("workloads.yaml", WORKLOADS), ("custom.yaml", CUSTOM), ("styles.yaml", STYLES)],
)
def test_occurrences(name: str, expected: list[tuple[int, int, str, str, str, str | None]]) -> None:
    assert _rows(name) == expected


@pytest.mark.parametrize(
    ("image", "edit"),
    [
        ("nginx:1.27", "nginx:1.27"),
        ("nginx:1.27-alpine", "nginx:1.27-alpine"),
        ("redis:7.2", "redis:7.2"),
        ("quay.io/acme/tagged:2", "quay.io/acme/tagged:2"),
        # A block scalar of one line is rewritten on that line (tests/test_extract_block_scalars.py).
        ("ghcr.io/acme/block:1.0", "ghcr.io/acme/block:1.0"),
        # Escapes, doubled quotes and line folding cannot be rewritten in place.
        ("ghcr.io/acme/long-name:1.0", None),
        ("it's:1", None),
    ],
)
def test_edit_spans(image: str, edit: str | None) -> None:
    text = (FIXTURES / "styles.yaml").read_text(encoding="utf-8")
    (found,) = [o for o in _occurrences("styles.yaml") if o.image == image]
    assert found.form is Form.SCALAR
    assert (text[found.edit.start : found.edit.end] if found.edit else None) == edit


@pytest.mark.parametrize(
    "text",
    [
        # Data and schemas.
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  image: nginx:1\n",
        "apiVersion: v1\nkind: Secret\nstringData:\n  image: nginx:1\n",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "spec:\n  x:\n    image: {default: nginx}\n    image2:\n      image: nginx\n",
        # Where pod specs are not.
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  image: nginx:1\n",
        "apiVersion: v1\nkind: Pod\nspec:\n  template:\n    spec:\n"
        "      containers: [{image: 'nginx:1'}]\n",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    image: nginx:1\n",
        # Not strings, empty, injected.
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: 1.5\n    - image:\n"
        "    - image: ''\n    - image: auto\n    - image: [nginx]\n    - image: true\n",
        # Custom resources: rbd volumes, metadata, Helm values, Skaffold artifacts.
        "apiVersion: x/v1\nkind: Thing\nspec:\n  volumes:\n    - rbd: {image: foo}\n",
        "apiVersion: x/v1\nkind: Thing\nmetadata:\n  annotations: {image: nginx}\n",
        # Helm values outside a HelmRelease or Argo CD Application (tests/test_extract_crds.py).
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n"
        "  values:\n    image: nginx:1\n",
        "apiVersion: skaffold/v4beta11\nkind: Config\nbuild:\n  artifacts:\n    - image: app\n"
        "profiles:\n  - build:\n      artifacts:\n        - image: app\n",
        # Not Kubernetes without both apiVersion and kind.
        "kind: Pod\nspec:\n  containers:\n    - image: nginx\n",
        # A list kind without items, a list of non-objects.
        "apiVersion: v1\nkind: List\nitems: [1, nginx, [x]]\n",
    ],
)
def test_not_images(text: str) -> None:
    result = extract("x.yaml", text)
    assert result.syntax_error is None
    assert result.occurrences == ()


def test_aliases_cycles_and_duplicated_paths_end() -> None:
    text = (
        "apiVersion: x/v1\nkind: Thing\nspec: &spec\n  self: *spec\n"
        "  list: &list [*list, {image: 'a:1'}]\n"
    )
    result = extract("x.yaml", text)
    assert [o.image for o in result.occurrences] == ["a:1"]


def test_a_list_inside_itself_and_a_list_bomb_end() -> None:
    cycle = (
        "apiVersion: v1\nkind: List\nitems: &items\n  - {apiVersion: v1, kind: List, items: *items}\n"
        "  - {apiVersion: v1, kind: Pod, spec: {containers: [{image: 'a:1'}]}}\n"
    )
    assert [o.image for o in extract("x.yaml", cycle).occurrences] == ["a:1"]
    # Each level lists the previous one twice: 2**60 pods through aliases, one pod written.
    levels = [
        f"  - &l{i} {{apiVersion: v1, kind: List, items: [*l{i - 1}, *l{i - 1}]}}"
        for i in range(1, 61)
    ]
    pod = "  - &l0 {apiVersion: v1, kind: Pod, spec: {containers: [{image: 'b:1'}]}}"
    bomb = "\n".join(["apiVersion: v1", "kind: List", "items:", pod, *levels]) + "\n"
    assert [o.image for o in extract("x.yaml", bomb).occurrences] == ["b:1"]


def test_flux_kustomization_images() -> None:
    text = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps}\n"
        "spec:\n  images:\n    - name: podinfo\n      newTag: 6.5.0\n"
    )
    (found,) = extract("apps.yaml", text).occurrences
    assert (found.image, found.yaml_path, found.form) == (
        "podinfo:6.5.0",
        "spec.images[0]",
        Form.KUSTOMIZE,
    )


@pytest.mark.parametrize(
    ("value", "dynamic"),
    [
        ("'{{ .Values.image }}'", "{{ .Values.image }}"),
        ("${REGISTRY}/app:1", "${REGISTRY}"),
        ("ghcr.io/app:$TAG", "$TAG"),
        ("$(params.image)", "$(params.image)"),
        ("ko://github.com/acme/app", "ko://github.com/acme/app"),
        ("nginx:1.27", None),
    ],
)
def test_dynamic_references(value: str, dynamic: str | None) -> None:
    text = f"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: {value}\n"
    (found,) = extract("pod.yaml", text).occurrences
    assert found.dynamic == dynamic
    assert found.image == value.strip("'")
