from __future__ import annotations

import pytest

from linter.extract import extract
from linter.extract.crds import names_no_image


@pytest.mark.parametrize(
    ("api_version", "kind", "expected"),
    [
        ("image.toolkit.fluxcd.io/v1beta2", "ImageRepository", True),
        ("image.toolkit.fluxcd.io/v1", "ImageRepository", True),
        ("image.toolkit.fluxcd.io/v1beta2", "ImagePolicy", False),
        ("example.com/v1", "ImageRepository", False),
        ("apps/v1", "Deployment", False),
    ],
)
def test_names_no_image(api_version: str, kind: str, expected: bool) -> None:
    assert names_no_image(api_version, kind) is expected


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        # Crossplane packages are OCI images the package manager pulls.
        (
            "apiVersion: pkg.crossplane.io/v1\nkind: Provider\nmetadata: {name: aws}\nspec:\n  package: xpkg.upbound.io/upbound/provider-aws-s3:v2.3.0\n",
            [
                (
                    "spec.package",
                    "xpkg.upbound.io/upbound/provider-aws-s3:v2.3.0",
                    "Provider/aws package",
                )
            ],
        ),
        (
            "apiVersion: pkg.crossplane.io/v1\nkind: Function\nspec: {package: 'xpkg.crossplane.io/f:v1'}\n",
            [("spec.package", "xpkg.crossplane.io/f:v1", "Function package")],
        ),
        (
            "apiVersion: pkg.crossplane.io/v1\nkind: Configuration\nspec:\n  package: ${PKG}\n",
            [("spec.package", "${PKG}", "Configuration package")],
        ),
        # ``package`` means nothing elsewhere.
        ("apiVersion: acme.io/v1\nkind: Provider\nspec:\n  package: npm-left-pad\n", []),
        # Flux image automation watches a repository's tags: no image runs.
        (
            "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImageRepository\nspec:\n  image: ghcr.io/stefanprodan/podinfo\n",
            [],
        ),
        # Tekton steps, sidecars and step templates; parameters are dynamic.
        (
            "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  stepTemplate: {image: 'ubuntu:24.04'}\n  steps:\n    - {name: s, image: $(params.builder)}\n  sidecars:\n    - {name: d, image: 'docker:dind'}\n",
            [
                ("spec.stepTemplate.image", "ubuntu:24.04", "Task/t"),
                ("spec.steps[0].image", "$(params.builder)", "Task/t step s"),
                ("spec.sidecars[0].image", "docker:dind", "Task/t sidecar d"),
            ],
        ),
        # Argo Workflows: container, script, containerSet, parameters.
        (
            "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata: {name: w}\nspec:\n  templates:\n    - {name: a, container: {image: 'alpine:3.20'}}\n    - {name: b, script: {image: 'python:3.12', source: x}}\n    - name: c\n      containerSet:\n        containers: [{name: m, image: 'argoproj/argosay:v2'}]\n    - {name: d, container: {image: '{{inputs.parameters.image}}'}}\n",
            [
                ("spec.templates[0].container.image", "alpine:3.20", "WorkflowTemplate/w"),
                ("spec.templates[1].script.image", "python:3.12", "WorkflowTemplate/w"),
                (
                    "spec.templates[2].containerSet.containers[0].image",
                    "argoproj/argosay:v2",
                    "WorkflowTemplate/w container m",
                ),
                (
                    "spec.templates[3].container.image",
                    "{{inputs.parameters.image}}",
                    "WorkflowTemplate/w",
                ),
            ],
        ),
    ],
)
def test_custom_resources(text: str, rows: list[tuple[str, str, str]]) -> None:
    result = extract("resource.yaml", text)
    assert result.kinds == ("kubernetes",)
    assert [(o.yaml_path, o.image, o.context) for o in result.occurrences] == rows
