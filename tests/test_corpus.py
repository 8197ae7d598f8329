"""The shared corpus: real repositories' YAML, scanned whole, with spot-checked findings."""

from __future__ import annotations

import pytest
from shared_data import CORPUS, needs

from linter import discovery, source
from linter.extract import Extraction, extract

pytestmark = needs(CORPUS)

MS = "GoogleCloudPlatform__microservices-demo"
BOUTIQUE = "us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo"
ROLLOUTS = "argoproj__argo-rollouts"
COMPOSE = "docker__awesome-compose"
VOTING = "dockersamples__example-voting-app"
ISTIO = "istio__istio"
INJECT = f"{ISTIO}/pkg/kube/inject/testdata/inject"
EXAMPLES = "kubernetes__examples"
INGRESS = "kubernetes__ingress-nginx"
CONTROLLER = (
    "registry.k8s.io/ingress-nginx/controller:v1.15.1"
    "@sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1"
)
CERTGEN = (
    "registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.6.9"
    "@sha256:01038e7de14b78d702d2849c3aad72fd25903c4765af63cf16aa3398f5d5f2dd"
)
PROMETHEUS = "prometheus-operator__kube-prometheus/manifests"
BUSYBOX = "busybox:1.38.0@sha256:fd8d9aa63ba2f0982b5304e1ee8d3b90a210bc1ffb5314d980eb6962f1a9715d"

#: Every occurrence of these files, as (line, image): what a careful reader finds.
EXPECTED: dict[str, list[tuple[int, str]]] = {
    # Skaffold placeholders in the raw manifests are images too (docker.io/library/frontend).
    f"{MS}/kubernetes-manifests/frontend.yaml": [(47, "frontend")],
    f"{MS}/kustomize/base/loadgenerator.yaml": [
        (67, BUSYBOX),
        (80, f"{BOUTIQUE}/loadgenerator:v0.10.6"),
    ],
    f"{MS}/kustomize/components/container-images-tag/kustomization.yaml": [
        (19, f"{BOUTIQUE}/adservice:CONTAINER_IMAGES_TAG"),
        (21, f"{BOUTIQUE}/cartservice:CONTAINER_IMAGES_TAG"),
        (23, f"{BOUTIQUE}/checkoutservice:CONTAINER_IMAGES_TAG"),
        (25, f"{BOUTIQUE}/currencyservice:CONTAINER_IMAGES_TAG"),
        (27, f"{BOUTIQUE}/emailservice:CONTAINER_IMAGES_TAG"),
        (29, f"{BOUTIQUE}/frontend:CONTAINER_IMAGES_TAG"),
        (31, f"{BOUTIQUE}/loadgenerator:CONTAINER_IMAGES_TAG"),
        (33, f"{BOUTIQUE}/paymentservice:CONTAINER_IMAGES_TAG"),
        (35, f"{BOUTIQUE}/productcatalogservice:CONTAINER_IMAGES_TAG"),
        (37, f"{BOUTIQUE}/recommendationservice:CONTAINER_IMAGES_TAG"),
        (39, f"{BOUTIQUE}/shippingservice:CONTAINER_IMAGES_TAG"),
    ],
    # build.artifacts[].image names what Skaffold builds.
    f"{MS}/skaffold.yaml": [],
    f"{ROLLOUTS}/examples/rollout-canary.yaml": [(21, "argoproj/rollouts-demo:blue")],
    f"{ROLLOUTS}/examples/analysis-templates.yaml": [(23, "alpine:3.8"), (49, "alpine:3.8")],
    f"{ROLLOUTS}/examples/experiment-with-analysis.yaml": [
        (24, "argoproj/rollouts-demo:purple"),
        (37, "argoproj/rollouts-demo:orange"),
    ],
    f"{ROLLOUTS}/manifests/base/kustomization.yaml": [
        (13, "quay.io/argoproj/argo-rollouts:latest")
    ],
    "bitnami-labs__sealed-secrets/carvel/package.yaml": [
        (
            427,
            "ghcr.io/bitnami-labs/sealed-secrets-carvel"
            "@sha256:9dd602e7653ef7979a67eeab60bd58fe1059de8cc208d40d5293279bd80f6478",
        )
    ],
    "bitnami-labs__sealed-secrets/docs/examples/config-template/deployment.yaml": [
        (19, "bitnami/minideb:buster")
    ],
    # The etl service has build: its image is the build's own name.
    f"{COMPOSE}/wasmedge-kafka-mysql/compose.yml": [
        (3, "docker.redpanda.com/vectorized/redpanda:v22.2.2"),
        (34, "mariadb:10.9"),
    ],
    f"{COMPOSE}/nginx-flask-mongo/compose.yaml": [(3, "nginx"), (29, "mongo")],
    f"{COMPOSE}/postgresql-pgadmin/compose.yaml": [
        (4, "postgres:latest"),
        (15, "dpage/pgadmin4:latest"),
    ],
    f"{VOTING}/docker-compose.yml": [(55, "redis:alpine"), (65, "postgres:15-alpine")],
    f"{VOTING}/docker-stack.yml": [
        (10, "redis:alpine"),
        (15, "postgres:15-alpine"),
        (25, "dockersamples/examplevotingapp_vote"),
        (34, "dockersamples/examplevotingapp_result"),
        (41, "dockersamples/examplevotingapp_worker"),
    ],
    f"{VOTING}/k8s-specifications/worker-deployment.yaml": [
        (18, "dockersamples/examplevotingapp_worker")
    ],
    f"{ISTIO}/samples/bookinfo/platform/kube/bookinfo.yaml": [
        (75, "registry.istio.io/release/examples-bookinfo-details-v1:1.20.3"),
        (126, "registry.istio.io/release/examples-bookinfo-ratings-v1:1.20.3"),
        (177, "registry.istio.io/release/examples-bookinfo-reviews-v1:1.20.3"),
        (217, "registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3"),
        (257, "registry.istio.io/release/examples-bookinfo-reviews-v3:1.20.3"),
        (325, "registry.istio.io/release/examples-bookinfo-productpage-v1:1.20.3"),
    ],
    # An init container added by an IstioOperator overlay patch.
    f"{ISTIO}/samples/security/spire/istio-spire-config.yaml": [
        (52, "docker.io/library/busybox:1.28")
    ],
    # `image: auto` is filled in by the sidecar injector.
    f"{INJECT}/proxy-override.yaml": [
        (20, "fake/custom-image"),
        (23, "fake.docker.io/google-samples/hello-go-gke:1.0"),
    ],
    f"{INJECT}/gateway.yaml": [],
    f"{ISTIO}/manifests/charts/base/files/crd-all.gen.yaml": [],
    "kubernetes__dashboard/hack/test-resources/init-container-pod.yaml": [
        (27, "busybox"),
        (31, "busybox"),
        (34, "busybox"),
    ],
    "kubernetes__dashboard/hack/docker/docker.compose.yaml": [(18, "kong/kong-gateway:3.8")],
    f"{EXAMPLES}/_archived/javaweb-tomcat-sidecar/javaweb.yaml": [
        (7, "resouer/sample:v1"),
        (14, "resouer/mytomcat:7.0"),
    ],
    f"{EXAMPLES}/_archived/cockroachdb/cockroachdb-statefulset.yaml": [
        (101, "cockroachdb/cockroach-k8s-init:0.2"),
        (128, "cockroachdb/cockroach:v1.1.0"),
    ],
    # The rbd volume's `image: foo` is a Ceph block device.
    f"{EXAMPLES}/_archived/volumes/rbd/rbd.yaml": [(7, "kubernetes/pause")],
    f"{INGRESS}/deploy/static/provider/kind/deploy.yaml": [
        (446, CONTROLLER),
        (558, CERTGEN),
        (614, CERTGEN),
    ],
    f"{PROMETHEUS}/prometheus-prometheus.yaml": [(21, "quay.io/prometheus/prometheus:v3.13.2")],
    f"{PROMETHEUS}/alertmanager-alertmanager.yaml": [
        (14, "quay.io/prometheus/alertmanager:v0.33.1")
    ],
    f"{PROMETHEUS}/prometheusOperator-deployment.yaml": [
        (40, "quay.io/prometheus-operator/prometheus-operator:v0.93.1"),
        (62, "quay.io/brancz/kube-rbac-proxy:v0.22.1"),
    ],
    f"{PROMETHEUS}/setup/0prometheusCustomResourceDefinition.yaml": [],
    f"{PROMETHEUS}/grafana-dashboardDefinitions.yaml": [],
    # Templated with {{ }} in strings but valid YAML: its literal image is read.
    "_templates/kubernetes__examples/_archived/storage/vitess/etcd-controller-template.yaml": [
        (19, "vitess/etcd:v2.0.13-lite")
    ],
}


@pytest.fixture(scope="module")
def scanned() -> dict[str, Extraction]:
    files, problems = discovery.discover(["."], cwd=CORPUS)
    assert problems == []
    return {file.display: extract(file.display, source.read(file.path).text) for file in files}


def test_enough_spot_checks() -> None:
    assert sum(len(rows) for rows in EXPECTED.values()) >= 40
    repos = {path.split("/")[0] for path in EXPECTED}
    assert repos >= {p.name for p in CORPUS.iterdir() if p.is_dir() and p.name != "_templates"} - {
        "fluxcd__flux2-kustomize-helm-example"
    }


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_spot_checks(scanned: dict[str, Extraction], path: str) -> None:
    result = scanned[path]
    assert result.syntax_error is None
    assert [(o.line, o.image) for o in result.occurrences] == EXPECTED[path]


def test_the_whole_corpus_is_read(scanned: dict[str, Extraction]) -> None:
    assert len(scanned) >= 900
    assert [path for path, result in scanned.items() if result.syntax_error] == []
    for path, result in scanned.items():
        text = source.read(CORPUS / path).text
        for found in result.occurrences:
            assert text[found.start : found.end] == found.raw, path
            if found.edit is not None:
                assert text[found.edit.start : found.edit.end] == found.image, path


def test_helm_templates_are_skipped(scanned: dict[str, Extraction]) -> None:
    skipped = sorted(path for path, result in scanned.items() if result.skipped)
    # Every template outside a chart's templates/ that is not YAML, and only those (all
    # under _templates/); those in templates/ are read line by line.
    assert len(skipped) == 3
    assert all(path.startswith("_templates/") for path in skipped)
    templates = [p for p, r in scanned.items() if "helm-template" in r.kinds and not r.skipped]
    assert len(templates) == 14
    found = [o for path in templates for o in scanned[path].occurrences]
    assert sum(o.dynamic is None for o in found) == 1  # microservices-demo's pinned redis


def test_flux_helm_releases_and_kustomizations(
    scanned: dict[str, Extraction],
) -> None:
    flux = {p: r for p, r in scanned.items() if p.startswith("fluxcd__")}
    assert len(flux) == 22
    # The one image in a HelmRelease's values: redis, split into repository and tag.
    found = [(o.path, o.line, o.image) for result in flux.values() for o in result.occurrences]
    assert found == [
        (
            "fluxcd__flux2-kustomize-helm-example/apps/base/podinfo/release.yaml",
            27,
            "public.ecr.aws/docker/library/redis:8.6.2",
        )
    ]
    assert (
        "kubernetes"
        in flux["fluxcd__flux2-kustomize-helm-example/apps/base/podinfo/release.yaml"].kinds
    )
