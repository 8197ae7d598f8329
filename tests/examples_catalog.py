"""The images that examples/ names, built deterministically, and how to serve them locally.

The pinned digests written in examples/ are these images' digests, so the
examples verify cleanly against a test registry that serves this catalog
behind the ``mirrors`` configuration (the files keep their public names).
"""

from __future__ import annotations

from registry_server import Image, Registry, build_image, multi_platform

EXAMPLE_IMAGES: dict[str, Image] = {
    "docker.io/library/nginx:1.27.3": multi_platform(
        "nginx 1.27.3", ("linux/amd64", "linux/arm64")
    ),
    "docker.io/prom/statsd-exporter:latest": build_image("statsd-exporter latest"),
    "docker.io/library/python:3.12-slim": multi_platform("python 3.12-slim"),
    "docker.io/library/busybox:1.36": multi_platform("busybox 1.36"),
    "docker.io/library/postgres:16.4": multi_platform("postgres 16.4"),
    "docker.io/library/redis:7.4": build_image("redis 7.4"),
    "docker.io/library/redis:7.4.1": build_image("redis 7.4.1"),
    "ghcr.io/acme/web-migrate:2.4.1": build_image("web-migrate 2.4.1"),
    "ghcr.io/acme/web-migrate:2.4.2": build_image("web-migrate 2.4.2"),
    "ghcr.io/acme/web:2.4.1": multi_platform("web 2.4.1", ("linux/amd64", "linux/arm64")),
    "registry.k8s.io/ingress-nginx/controller:v1.11.3": multi_platform("controller v1.11.3"),
}
MIRRORED = ("docker.io", "ghcr.io", "registry.k8s.io")


def serve_examples(registry: Registry) -> None:
    """Push the catalog under ``<registry>/<original domain>/<path>``."""
    registry.push_many(
        (name.rsplit(":", 1)[0], name.rsplit(":", 1)[1], image)
        for name, image in EXAMPLE_IMAGES.items()
    )


def mirrors_toml(registry: Registry) -> str:
    entries = ", ".join(f'"{domain}" = ["{registry.host}/{domain}"]' for domain in MIRRORED)
    return f"mirrors = {{ {entries} }}\n"
