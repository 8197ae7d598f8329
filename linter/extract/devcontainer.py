"""Dev Containers (``.devcontainer.json``, ``.devcontainer/**/devcontainer.json``): ``image``.

The file is JSONC (comments, trailing commas: linter.extract.jsonc). Its
``image`` is the image the dev container runs. A Compose-based dev container
names its images in the Compose files (read as such); a Dockerfile-based one in
its Dockerfile. ``features`` are OCI artifacts of install scripts, not images,
and the Dev Container tools do not accept a tag and a digest together there.
``${localEnv:X}`` and template options (``${templateOption:x}``) are dynamic.
"""

from __future__ import annotations

from collections.abc import Iterator

from linter.extract.jsonc import Object, String, parse
from linter.extract.occurrence import TextScan, dynamic_part
from linter.model import Occurrence


def extract(scan: TextScan) -> Iterator[Occurrence]:
    """The image of the dev container; raise JsoncError when the file is not JSONC."""
    document = parse(scan.text)
    image = document.get("image") if isinstance(document, Object) else None
    if isinstance(image, String) and image.value.strip():
        dynamic = dynamic_part(image.value)
        yield scan.occurrence(
            image.span,
            image=image.value,
            yaml_path="image",
            context="dev container",
            edit=image.edit if dynamic is None else None,
            dynamic=dynamic,
        )
