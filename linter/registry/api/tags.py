"""A repository's tags (``GET /v2/<name>/tags/list``), page by page, up to a maximum count.

Each request asks for at most ``PAGE`` tags (``n``); a registry that pages its
answer says where the next page is in a ``Link`` header, which is followed on the
same host and only within the same repository's tag list. The listing stops at
``limit`` tags: a repository with tens of thousands of tags costs a bounded number
of requests, and the answer says whether it is complete. A page with no tags ends
the listing (so a registry that links forever to empty pages cannot hold us), and
so does a page that links back to one already read.
"""

from __future__ import annotations

import urllib.parse

from linter import untrusted_json
from linter.model import ErrorKind
from linter.records import Record
from linter.reference import is_tag, quoted
from linter.registry.api.client import RegistryClient
from linter.registry.api.pages import next_page
from linter.registry.api.target import Target
from linter.registry.errors import RegistryError, status_error

#: Tags asked for per request; ECR and others refuse more than 1000.
PAGE = 1000


class TagList(Record):
    tags: tuple[str, ...]
    #: False when ``limit`` cut the list short.
    complete: bool


async def list_tags(client: RegistryClient, target: Target, limit: int) -> TagList:
    """Up to ``limit`` tags of ``target``'s repository, in the registry's order."""
    base = f"/v2/{target.path}/tags/list"
    path: str | None = f"{base}?n={min(limit, PAGE)}"
    tags: dict[str, None] = {}
    seen: set[str] = set()
    while path is not None and path not in seen and len(tags) < limit:
        seen.add(path)
        response = await client.request(
            "GET", target.authority, path, {"Accept": "application/json"}
        )
        if not response.is_success:
            raise status_error(
                response.status_code, response.content, target.registry, f"{target.path} tags"
            )
        page = _page(response.content, target)
        if not page:
            path = None
            break
        tags.update(dict.fromkeys(page))
        path = next_page(response.headers.get("link"))
        if path is not None and urllib.parse.urlsplit(path).path != base:
            raise RegistryError(
                ErrorKind.INVALID,
                f"{target.path} tags: the next page's link {quoted(path)} leaves the tag list",
                target.registry,
            )
    names = tuple(tags)
    return TagList(names[:limit], len(names) <= limit and (path is None or path in seen))


def _page(body: bytes, target: Target) -> list[str]:
    """The tags of one page; RegistryError(INVALID) when it is not a tag list."""
    try:
        document = untrusted_json.loads(body)
    except ValueError:  # UnicodeDecodeError and nesting too deep included
        document = None
    tags = document.get("tags", ()) if isinstance(document, dict) else None
    if tags is None and isinstance(document, dict):
        return []  # distribution answers "tags": null for a repository without tags
    if not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags):
        raise RegistryError(
            ErrorKind.INVALID, f"{target.path} tags: the answer is not a tag list", target.registry
        )
    bad = next((t for t in tags if not is_tag(t)), None)
    if bad is not None:
        raise RegistryError(
            ErrorKind.INVALID,
            f"{target.path} tags: the registry lists {quoted(bad)}, which is not a tag",
            target.registry,
        )
    return list(tags)
