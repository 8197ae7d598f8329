"""The format suites of tests/fixtures/formats, end to end: findings offline, fixes online.

Each suite has ``input/`` (a small repository), ``findings.txt`` (what ``check
--offline -v`` reports: ``path:line:column RULE image``, one per line) and
``fixed/`` (the repository after ``imagepin fix`` against a real registry on
loopback that serves FORMAT_IMAGES behind ``mirrors``). An ``input/.imagepin.toml``
is the suite's configuration (``marker-files``…); the fix adds the mirrors to it.
SOURCES.md says which fixtures come from real projects.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import RegistryEnv
from registry_server import Image, Registry, build_image, multi_platform

from linter.cli import main
from linter.configfile import load_file
from linter.extract import extract
from linter.extract.options import FormatOptions

SUITES_DIR = Path(__file__).parent / "fixtures" / "formats"
SUITES = sorted(p.name for p in SUITES_DIR.iterdir() if p.is_dir())
CONFIG = ".imagepin.toml"

#: Every image the suites fix, by full name; deterministic, so fixed/ holds their digests.
FORMAT_IMAGES: dict[str, Image] = {
    name: (multi_platform(name, ("linux/amd64", "linux/arm64")) if index % 3 else build_image(name))
    for index, name in enumerate(
        [
            # dockerfile
            "gcr.io/distroless/static-debian12:nonroot",
            "docker.io/library/golang:1.22-alpine",
            "docker.io/library/alpine:3.20",
            "docker.io/library/busybox:1.36",
            "docker.io/library/node:22.11",
            "docker.io/library/node:22.11-slim",
            "mcr.microsoft.com/windows/servercore:ltsc2022",
            "mcr.microsoft.com/powershell:lts-7.4-windowsservercore-ltsc2022",
            # github-actions
            "docker.io/library/node:20-bookworm",
            "docker.io/library/postgres:16.4",
            "docker.io/hadolint/hadolint:v2.12.0",
            "docker.io/golangci/golangci-lint:v1.61",
            "ghcr.io/acme/notifier:2.1",
            # gitlab-ci
            "docker.io/library/ruby:3.3",
            "docker.io/library/docker:27.3",
            "docker.io/library/docker:27.3-dind",
            "docker.io/library/golang:1.22",
            "registry.gitlab.com/gitlab-org/gitlab-build-images:golangci-lint-alpine",
            "docker.io/library/redis:7.4",
            # helm-values
            "docker.io/bitnami/nginx:1.27.3-debian-12-r0",
            "docker.io/bitnami/nginx:1.27.3-debian-12-r1",
            "docker.io/bitnami/nginx-exporter:1.3.0-debian-12-r2",
            "ghcr.io/acme/web:2.4.1",
            "ghcr.io/acme/web-migrate:2.4.1",
            "registry.k8s.io/ingress-nginx/controller:v1.11.3",
            "registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.4.4",
            "docker.io/library/nginx:1.27",
            # crds
            "docker.io/library/docker:latest",
            "docker.io/library/docker:dind",
            "docker.io/library/python:3.6",
            "docker.io/library/alpine:latest",
            "docker.io/library/alpine:3.8",
            "docker.io/argoproj/argosay:v2",
            "docker.io/argoproj/rollouts-demo:blue",
            "gcr.io/knative-samples/autoscale-go:0.1",
            "gcr.io/knative-releases/knative.dev/eventing-contrib/cmd/event_display:latest",
            "docker.io/myregistry/node-heartbeat-source:v1",
            "ghcr.io/stefanprodan/podinfo:6.7.0",
            "xpkg.upbound.io/upbound/provider-aws-s3:v2.3.0",
            "xpkg.crossplane.io/crossplane-contrib/function-patch-and-transform:v0.8.2",
            "xpkg.crossplane.io/crossplane/changelogs-sidecar:v0.0.1",
            # helm-templates
            "docker.io/library/alpine:3.11",
            "docker.io/stefanprodan/grpc_health_probe:v0.3.0",
            "docker.io/giantswarm/tiny-tools:latest",
            "docker.io/curlimages/curl:7.69.0",
            "docker.io/library/busybox:latest",
            "docker.io/bitnami/kubectl:latest",
            "docker.io/library/redis:7.2",
            # dockerfile, dockerfile-args
            "docker.io/docker/dockerfile:1.7",
            "docker.io/docker/dockerfile:1",
            "docker.io/docker/dockerfile-upstream:master",
            "docker.io/tonistiigi/xx:1.9.0",
            "docker.io/library/golang:1.26-alpine3.23",
            "docker.elastic.co/logstash/logstash:9.5.1",
            "docker.io/library/python:3.12",
            "ghcr.io/acme/base:1.4",
            "docker.io/library/debian:bookworm-slim",
            # compose-env
            "docker.io/library/postgres:18.4",
            "docker.io/confluentinc/cp-kafka:7.7.1",
            "docker.io/library/python:3.12-slim",
            "ghcr.io/acme/search:9.5.1",
            "docker.io/axllent/mailpit:v1.21",
            "docker.io/library/postgres:16",
            "docker.io/temporalio/auto-setup:1.29.1",
            "docker.io/temporalio/admin-tools:1.29.1-tctl-1.18.4-cli-1.5.0",
            "docker.io/temporalio/ui:2.34.0",
            "docker.io/library/elasticsearch:7.17.27",
            # crds: a HelmRelease's values
            "public.ecr.aws/docker/library/redis:8.6.2",
            # ci-systems
            "mcr.microsoft.com/dotnet-buildtools/prereqs:azurelinux-3.0-net10.0-fpm-amd64",
            "mcr.microsoft.com/dotnet/sdk:8.0",
            "docker.io/atlassian/default-image:4",
            "docker.io/cyberark/conjur-bitbucket-pipe:edge",
            "docker.io/cimg/python:3.10.1",
            "docker.io/circleci/postgres:9.6.2",
            "docker.io/cimg/go:1.23",
            "docker.io/cimg/postgres:17.0",
            "docker.io/cimg/base:2024.12",
            "docker.io/cimg/node:22.11",
            "gcr.io/cloud-builders/wget:latest",
            "gcr.io/cloud-builders/docker:latest",
            "docker.io/library/golang:1.20",
            "docker.io/plugins/docker:latest",
            "docker.io/plugins/github-release:latest",
            "docker.io/plugins/manifest:latest",
            "docker.io/library/mysql:8.4",
            "docker.io/hadolint/hadolint:v2.12.1-beta-alpine",
            "docker.io/davidanson/markdownlint-cli2:v0.13.0",
            "docker.io/mstruebing/editorconfig-checker:2.7.2",
            "docker.io/woodpeckerci/plugin-docker-buildx:3.2.1",
            "docker.io/woodpeckerci/plugin-gitea-release:0.3.1",
            # ko-tekton-values
            "gcr.io/distroless/static:nonroot",
            "registry.access.redhat.com/ubi9/ubi-minimal:latest",
            "ghcr.io/acme/pipelines/release:1.0",
            "gcr.io/kaniko-project/executor:v1.5.1",
            "gcr.io/tekton-releases/catalog/upstream/git-clone:0.7",
            "ghcr.io/tektoncd/catalog/upstream/tasks/git-batch-merge:0.2",
            "ghcr.io/tektoncd/catalog/upstream/tasks/golang-test:0.2",
            # units
            "mcr.microsoft.com/devcontainers/python:1-3.12-bookworm",
            "mcr.microsoft.com/devcontainers/base:bullseye",
            "mcr.microsoft.com/devcontainers/go:1-1.22-bookworm",
            "docker.io/library/caddy:latest",
            "docker.io/traefik/whoami:latest",
            "quay.io/fedora/fedora-minimal:41",
            "ghcr.io/acme/static-site:3.0",
            # text-markers
            "docker.io/kindest/node:v1.31.0",
            "docker.io/library/registry:2.8",
        ]
    )
}
MIRRORED = sorted({name.split("/", 1)[0] for name in FORMAT_IMAGES})
#: Pinned in a real manifest (the Tekton catalog) to a digest only Docker Hub has: not resolved.
UNRESOLVED = [
    "docker.io/library/bash",
    "gcr.io/k8s-staging-test-infra/gcb-docker-gcloud",
    "ghcr.io/tektoncd/plumbing/static-base",
    "ghcr.io/home-operations/echo",
    "localhost/imagename",
]


def config_toml(registry: Registry) -> str:
    """Resolve every domain through the test registry, where FORMAT_IMAGES are."""
    mirrors = ", ".join(f'"{d}" = ["{registry.host}/formats/{d}"]' for d in MIRRORED)
    return f"mirrors = {{ {mirrors} }}\nignore-images = {json.dumps(UNRESOLVED)}\n"


def add_mirrors(copy: Path, registry: Registry) -> None:
    """The suite's configuration with every domain resolved through ``registry``: first,
    before any ``[[table]]`` of the suite's."""
    config = copy / CONFIG
    config.write_text(config_toml(registry) + (config.read_text() if config.exists() else ""))


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != CONFIG
    }


def copy_suite(suite: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / suite
    shutil.copytree(SUITES_DIR / suite / "input", copy)
    monkeypatch.chdir(copy)
    return copy


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main([*argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def rows(report: dict[str, object]) -> list[str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return [f"{f['path']}:{f['line']}:{f['column']} {f['rule']} {f['image']}" for f in findings]


@pytest.mark.parametrize("suite", SUITES)
def test_offline_findings(
    suite: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_suite(suite, tmp_path, monkeypatch)
    _, report = run_json(capsys, "check", "--offline", "-v")
    expected = (SUITES_DIR / suite / "findings.txt").read_text().splitlines()
    assert rows(report) == expected
    assert report["errors"] == []


VARIANTS = {
    "crlf": lambda text: text.replace("\n", "\r\n"),
    "bom": lambda text: "\ufeff" + text,
}
INPUTS = sorted(
    (suite, p.relative_to(SUITES_DIR / suite / "input").as_posix())
    for suite in SUITES
    for p in (SUITES_DIR / suite / "input").rglob("*")
    if p.is_file()
)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize(("suite", "path"), INPUTS)
def test_spans_are_exact_in_every_variant(
    suite: str, path: str, variant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(SUITES_DIR / suite / "input")
    options = suite_options(suite)
    plain = Path(path).read_text(encoding="utf-8")
    text = VARIANTS[variant](plain)
    found = extract(path, text, options).occurrences
    for occurrence in found:
        assert text[occurrence.start : occurrence.end] == occurrence.raw
        if occurrence.edit is not None and occurrence.fix_path is None:  # else: in .env
            assert text[occurrence.edit.start : occurrence.edit.end] == occurrence.image
    assert [(o.line, o.column, o.image, o.yaml_path) for o in found] == [
        (o.line, o.column, o.image, o.yaml_path) for o in extract(path, plain, options).occurrences
    ]


def suite_options(suite: str) -> FormatOptions:
    """What the suite's configuration says about formats (the defaults without one)."""
    config = SUITES_DIR / suite / "input" / CONFIG
    return FormatOptions.from_config(load_file(config)) if config.exists() else FormatOptions()


@pytest.fixture
def catalog(plain_registry: Registry, registry_env: RegistryEnv) -> Registry:
    plain_registry.push_many(
        (f"formats/{name.rsplit(':', 1)[0]}", name.rsplit(":", 1)[1], image)
        for name, image in FORMAT_IMAGES.items()
    )
    return plain_registry


@pytest.mark.parametrize("suite", SUITES)
def test_fixed_files(
    suite: str,
    catalog: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    copy = copy_suite(suite, tmp_path, monkeypatch)
    add_mirrors(copy, catalog)

    main(["fix", "-q", "--color", "never"])
    capsys.readouterr()
    assert tree(copy) == tree(SUITES_DIR / suite / "fixed")

    # A second run changes nothing: every pin written is found and reads as pinned.
    _, again = run_json(capsys, "fix")
    assert again["fixed_files"] == []
    assert tree(copy) == tree(SUITES_DIR / suite / "fixed")
