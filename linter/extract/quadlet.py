"""Podman Quadlet units: ``Image=`` of ``*.container``, ``*.image`` and ``*.volume`` units.

A unit is read as systemd reads it: ``[Section]`` headers, ``Key=Value`` lines
(spaces around the ``=`` ignored), ``#`` and ``;`` comment lines, a trailing
backslash continuing a value on the next line, and a value in double quotes
(Quadlet drops them). ``Image=`` in ``[Container]``, ``[Image]`` and
``[Volume]`` names an image, unless it names another unit (``Image=web.build``,
``Image=base.image``): that unit is read on its own. A ``*.build`` unit's
``ImageTag=`` names what it builds, not an image it uses. systemd specifiers
(``%h``, ``%i``) make an image dynamic (IMG006).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from linter.extract.occurrence import TextScan, dynamic_part
from linter.model import Occurrence, Span

#: Sections whose ``Image=`` names an image to pull.
IMAGE_SECTIONS = frozenset({"Container", "Image", "Volume"})
#: An ``Image=`` that names a unit, not an image.
UNIT_SUFFIXES = (".image", ".build")
_SECTION = re.compile(r"\[([^\]]+)\]")
_KEY = re.compile(r"([A-Za-z][A-Za-z0-9]*)[ \t]*=[ \t]*")
_SPECIFIER = re.compile(r"%[a-zA-Z%]")


def extract(scan: TextScan) -> Iterator[Occurrence]:
    section = ""
    lines = scan.lines()
    number = 0
    while number < len(lines):
        offset, content = lines[number]
        number += 1
        stripped = content.strip()
        header = _SECTION.fullmatch(stripped)
        if header is not None:
            section = header.group(1)
            continue
        indent = len(content) - len(content.lstrip())
        key = _KEY.match(content, indent)
        if key is None or stripped.startswith(("#", ";")):
            continue
        continued = content.endswith("\\")
        while continued and number < len(lines):
            continued = lines[number][1].endswith("\\")
            number += 1
        if key.group(1) == "Image" and section in IMAGE_SECTIONS:
            value = content[key.end() :].rstrip()
            found = _image(
                scan, offset + key.end(), value, section, continued=content.endswith("\\")
            )
            if found is not None:
                yield found


def _image(
    scan: TextScan, start: int, value: str, section: str, *, continued: bool
) -> Occurrence | None:
    image = value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value
    if not image or image.endswith(UNIT_SUFFIXES):
        return None
    inner = start + (1 if image is not value else 0)
    specifier = _SPECIFIER.search(image)
    dynamic = specifier.group() if specifier else dynamic_part(image)
    plain = not continued and "\\" not in image and '"' not in image
    return scan.occurrence(
        Span(start, start + len(value)),
        image=image,
        yaml_path=f"{section}.Image",
        context=f"[{section}] Image=",
        edit=Span(inner, inner + len(image)) if plain and dynamic is None else None,
        dynamic=dynamic,
    )
