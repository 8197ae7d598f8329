"""``inspect --field PATH``: one value of the JSON document as plain text, for shell use.

``PATH`` is keys and list indexes joined by dots: ``digest``, ``image.created``,
``image.layers.0.digest``, ``image.layers.-1.size``. A key that holds dots itself
(``image.labels.org.opencontainers.image.version``) is found as the longest key that
matches. The first key (and, in imagepin's document, the key under ``image``) must
be one the document has: a typo is a usage error before any request. Below that, a
key or index the image does not have is null, as in ``jq``.

Printed: a string as it is, a number or ``true``/``false`` as JSON writes them, null
as an empty line, a list of those one per line, anything else as one line of JSON.
Text from the registry has its control characters escaped (``\\x1b``): one value per
line stays one line, and nothing reaches the terminal as a control sequence.
"""

from __future__ import annotations

import json
from typing import Any

from linter.registry.details import IMAGE_KEYS, JSON_PARTS, SKOPEO_PARTS
from linter.report.escape import printable


class FieldError(ValueError):
    """A ``--field`` path the document cannot have: a usage error."""


def needs(path: str | None, skopeo: bool) -> set[str]:
    """The parts of the document (``image``, ``signatures``, ``tags``) ``path`` reads; all
    but the tags for the whole document. FieldError for a path no document has."""
    parts = SKOPEO_PARTS if skopeo else JSON_PARTS
    if path is None:
        return {part for part in parts.values() if part not in (None, "tags")}
    keys = path.split(".")
    if "" in keys:
        raise FieldError(f"--field {path!r}: an empty key")
    top = keys[0]
    if top not in parts:
        raise FieldError(f"--field {path!r}: no field {top!r}; fields: {', '.join(parts)}")
    if not skopeo and top == "image" and len(keys) > 1 and keys[1] not in IMAGE_KEYS:
        raise FieldError(
            f"--field {path!r}: no field {keys[1]!r} in image; fields: {', '.join(IMAGE_KEYS)}"
        )
    part = parts[top]
    return set() if part is None else {part}


def find(document: dict[str, Any], path: str) -> Any:
    """The value at ``path``; FieldError when the path goes below a string or number."""
    value: Any = document
    rest, walked = path, ""
    while rest:
        if value is None:
            return None
        if isinstance(value, dict):
            matches = [key for key in value if rest == key or rest.startswith(key + ".")]
            if not matches:
                return None
            key = max(matches, key=len)
        elif isinstance(value, list):
            key = rest.split(".", 1)[0]
            try:
                index = int(key)
            except ValueError:
                raise FieldError(
                    f"--field {path!r}: {walked!r} is a list: {key!r} is not an index"
                ) from None
            if not -len(value) <= index < len(value):
                return None
        else:
            kind = "a string" if isinstance(value, str) else "a number or boolean"
            raise FieldError(f"--field {path!r}: {walked!r} is {kind}: nothing is below it")
        value = value[index] if isinstance(value, list) else value[key]
        walked = f"{walked}.{key}" if walked else key
        rest = rest[len(key) + 1 :]
    return value


def text(value: Any) -> str:
    """``value`` as lines of plain text (see the module's docstring)."""
    if isinstance(value, list) and not any(isinstance(v, (dict, list)) for v in value):
        return "".join(text(item) for item in value)
    if value is None:
        return "\n"
    if isinstance(value, str):
        return printable(value) + "\n"
    return json.dumps(value, separators=(",", ":")) + "\n"
