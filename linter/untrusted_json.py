"""JSON that someone else wrote (a registry's answer, a credential file, a report): read
with the one failure callers expect.

``json.loads`` recurses once per nesting level and raises RecursionError for a
document nested some thousand levels deep (``[[[[…``, a few kilobytes): that is bad
JSON like any other here, a ValueError, never an error that ends the run.
"""

from __future__ import annotations

import json
from typing import Any


def loads(data: str | bytes) -> Any:
    """``json.loads(data)``; ValueError for anything that is not JSON, nesting too deep
    included (UnicodeDecodeError, a ValueError, for bytes that are not UTF-8)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("nested too deeply") from None
