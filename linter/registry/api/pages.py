"""Paginated registry answers: the ``Link: <…>; rel="next"`` header (RFC 8288).

Used by the referrers API and the tag list. Only the path and query of the link
are kept: the next page is always asked of the host that sent this one, so a link
to another host can never take a request (or its credentials) there.
"""

from __future__ import annotations

import urllib.parse


def next_page(header: str | None) -> str | None:
    """The path (and query) of a ``Link: <…>; rel="next"`` header, absolute URL or not."""
    for part in (header or "").split(","):
        target, _, params = part.partition(";")
        if 'rel="next"' in params.replace(" ", "") or "rel=next" in params.replace(" ", ""):
            url = urllib.parse.urlsplit(target.strip().strip("<>"))
            return url.path + (f"?{url.query}" if url.query else "")
    return None
