"""The GitOps repository under test: one Deployment and its Service per image, tag-only."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from benchmarks.rig import PushedImage

FILES_PER_DIRECTORY = 20

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: {name}
          image: {image}  # bumped by the release pipeline
          ports:
            - containerPort: 8080
          resources:
            requests: {{cpu: 50m, memory: 64Mi}}
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {name}}}
  ports:
    - port: 80
      targetPort: 8080
"""


def reference(host: str, image: PushedImage) -> str:
    return f"{host}/{image.repository}:{image.tag}"


def pinned(host: str, image: PushedImage) -> str:
    return f"{reference(host, image)}@{image.digest}"


def _path(directory: Path, index: int) -> Path:
    group = f"group-{index // FILES_PER_DIRECTORY:03d}"
    return directory / "apps" / group / f"app-{index:04d}.yaml"


def write(directory: Path, host: str, images: Sequence[PushedImage]) -> None:
    """(Re)create ``directory`` with every manifest tag-only, as before any fix."""
    shutil.rmtree(directory, ignore_errors=True)
    for index, image in enumerate(images):
        path = _path(directory, index)
        path.parent.mkdir(parents=True, exist_ok=True)
        name = image.repository.rsplit("/", 1)[-1]
        path.write_text(MANIFEST.format(name=name, image=reference(host, image)))
    # On disk before the measured run starts: fix fsyncs what it writes, and must not be
    # charged for flushing these files too.
    os.sync()


def unpinned(directory: Path, host: str, images: Sequence[PushedImage]) -> list[str]:
    """The images whose manifest does not hold the pinned reference (empty after a good fix)."""
    return [
        reference(host, image)
        for index, image in enumerate(images)
        if f"image: {pinned(host, image)}  #" not in _path(directory, index).read_text()
    ]
