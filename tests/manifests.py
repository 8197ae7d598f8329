"""Small manifests for tests that need a file with images in it."""

from __future__ import annotations


def pod(*images: str) -> str:
    """A Pod with one container per image, the first image on line 6, the next on 8, …"""
    containers = "".join(
        f"    - name: c{index}\n      image: {image}\n" for index, image in enumerate(images)
    )
    return f"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n{containers}"
