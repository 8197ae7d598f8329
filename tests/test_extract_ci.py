"""CI systems and tools known by their file names (suites in tests/fixtures/formats/ci-systems)."""

from __future__ import annotations

import pytest

from linter.extract import extract
from linter.extract.classify import file_kind
from linter.extract.options import FormatOptions


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (".circleci/config.yml", "circleci"),
        ("svc/.circleci/config.yaml", "circleci"),
        ("circleci/config.yml", None),
        ("bitbucket-pipelines.yml", "bitbucket-pipelines"),
        ("azure-pipelines.yml", "azure-pipelines"),
        ("ci/azure-pipelines-pr.yaml", "azure-pipelines"),
        (".azure-pipelines/templates/build.yml", "azure-pipelines"),
        (".azure-pipelines/readme.md", None),
        (".drone.yml", "drone"),
        (".woodpecker.yaml", "woodpecker"),
        (".woodpecker/test.yml", "woodpecker"),
        (".woodpecker/sub/test.yml", None),
        ("cloudbuild.yaml", "cloud-build"),
        ("cloudbuild-pr.yaml", None),
        (".ko.yaml", "ko"),
        ("ko.yaml", None),
    ],
)
def test_file_kinds(path: str, kind: str | None) -> None:
    assert file_kind(path, FormatOptions()) == kind


@pytest.mark.parametrize(
    ("path", "text", "images"),
    [
        # Woodpecker: steps as a mapping, services as a list, clone steps; anchors once.
        (
            ".woodpecker.yml",
            "variables:\n  - &go golang:1.22\nclone:\n  git: {image: woodpeckerci/plugin-git:2.5}\n"
            "steps:\n  test: {image: *go}\n  lint: {image: *go}\nservices:\n  - {name: db, image: mysql:8.4}\n",
            ["golang:1.22", "woodpeckerci/plugin-git:2.5", "mysql:8.4"],
        ),
        # Older Woodpecker: pipeline: as a mapping.
        (".woodpecker.yml", "pipeline:\n  build:\n    image: node:22\n", ["node:22"]),
        # CircleCI: a machine's image is a virtual machine; parameters without a default.
        (
            ".circleci/config.yml",
            "parameters:\n  img: {type: string}\njobs:\n  a:\n    machine: {image: ubuntu-2404:current}\n"
            "  b:\n    docker: [{image: << pipeline.parameters.img >>}]\n",
            ["<< pipeline.parameters.img >>"],
        ),
        # Azure: a container naming a resource is the resource; pool images are machines.
        (
            "azure-pipelines.yml",
            "resources:\n  containers: [{container: c, image: node:22}]\npool: {vmImage: ubuntu-22.04}\n"
            "container: c\nservices: {redis: redis:7.4, other: c}\nsteps: [{script: x}]\n",
            ["node:22", "redis:7.4"],
        ),
        # Cloud Build: images: is what the build pushes.
        (
            "cloudbuild.yaml",
            "steps:\n  - name: gcr.io/cloud-builders/docker:24.0.9\n    args: [build]\nimages: [gcr.io/p/app:1]\n",
            ["gcr.io/cloud-builders/docker:24.0.9"],
        ),
        # Cloud Build: a step running what an earlier step built runs the build's output.
        (
            "cloudbuild.yaml",
            "steps:\n- name: gcr.io/cloud-builders/docker\n  args: ['build', '--tag=version_file', '.']\n"
            "- name: version_file\n  args: ['VERSION']\n- name: alpine\n",
            ["gcr.io/cloud-builders/docker", "alpine"],
        ),
        # ... whatever spelling names the same image; a docker tag's target; buildx.
        (
            "cloudbuild.yaml",
            "steps:\n- {name: docker, args: [build, -t, app, -tother:2, .]}\n"
            "- {name: 'docker.io/library/app:latest'}\n- {name: other:2}\n"
            "- {name: 'gcr.io/cloud-builders/docker', args: [tag, app, gcr.io/p/app:1]}\n"
            "- {name: gcr.io/p/app:1}\n"
            "- {name: 'gcr.io/cloud-builders/docker', args: [buildx, build, --tag, x:1, .]}\n"
            "- {name: x:1}\n",
            ["docker", "gcr.io/cloud-builders/docker", "gcr.io/cloud-builders/docker"],
        ),
        # ... and a name with a substitution, compared as written.
        (
            "cloudbuild.yaml",
            "steps:\n- {name: docker, args: [build, -t, 'gcr.io/$PROJECT_ID/app', .]}\n"
            "- {name: 'gcr.io/$PROJECT_ID/app'}\n",
            ["docker"],
        ),
        # Cloud Build: used before it is built, by another tool, or in a script: an image
        # (with docker as the entrypoint, any builder counts).
        (
            "cloudbuild.yaml",
            "steps:\n- {name: app:1}\n- {name: docker, args: [build, -t, 'app:1', .]}\n"
            "- {name: gcr.io/kaniko-project/executor:v1.23.2, args: ['--destination=k:1']}\n"
            "- {name: k:1}\n"
            "- {name: docker, entrypoint: bash, args: [-c, 'docker build -t s:1 .']}\n"
            "- {name: s:1}\n- {name: docker, args: [build, --target, t, .]}\n- {name: t}\n"
            "- {name: gcr.io/cloud-builders/gcloud, entrypoint: docker, args: [build, -t, g, .]}\n"
            "- {name: g}\n",
            [
                "app:1",
                "docker",
                "gcr.io/kaniko-project/executor:v1.23.2",
                "k:1",
                "docker",
                "s:1",
                "docker",
                "t",
                "gcr.io/cloud-builders/gcloud",
            ],
        ),
        # Bitbucket: catalogue pipes are not images; a service without image neither.
        (
            "bitbucket-pipelines.yml",
            "definitions:\n  services:\n    docker: {memory: 3072}\npipelines:\n  default:\n"
            "    - step:\n        script:\n          - pipe: atlassian/aws-s3-deploy:1.1.0\n",
            [],
        ),
        # ko.
        (".ko.yaml", "baseImageOverrides:\n  example.com/cmd/x: alpine:3.20\n", ["alpine:3.20"]),
    ],
)
def test_images(path: str, text: str, images: list[str]) -> None:
    result = extract(path, text)
    assert result.syntax_error is None
    assert [o.image for o in result.occurrences] == images
