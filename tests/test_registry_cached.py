"""References the cache answers before the event loop (linter/registry/resolution/cached.py).

Each case is answered twice from the same cache: by ``cached.answer`` and by the resolver
itself, with a registry that fails the test if it is asked anything. Where ``cached``
answers, the two answers are equal; where it declines, the resolver goes on (and the
registry is asked, or another cached fact is read).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from registry_server import offline_client_factory

from linter.model import Resolution
from linter.reference import parse
from linter.registry import RegistryOptions, RunStats
from linter.registry.api.manifests import DOCKER_MANIFEST, OCI_INDEX
from linter.registry.cache.store import Cache, TagFacts
from linter.registry.resolution import cached
from linter.registry.resolution.resolver import resolve_references

HOST = "registry.example"
INDEX = "sha256:" + "a" * 64
IMAGE = "sha256:" + "b" * 64
OTHER = "sha256:" + "c" * 64


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the registry was asked: {request.method} {request.url}")


def _resolved(ref: Any, options: RegistryOptions) -> Resolution:
    stats = RunStats()
    factory = offline_client_factory(_refuse, deadline=5.0)
    return asyncio.run(resolve_references([ref], options, stats, factory))[ref]


@pytest.mark.parametrize(
    ("text", "settings", "answered"),
    [
        (f"{HOST}/app:1.0", {}, True),
        (f"{HOST}/index:1.0", {}, True),
        (f"{HOST}/app", {}, True),  # latest
        (f"{HOST}/app:1.0@{IMAGE}", {}, True),  # pinned, and the pin is current
        (f"{HOST}/index:1.0@{INDEX}", {}, True),
        (f"{HOST}/app:1.0@{OTHER}", {}, False),  # the pin moved: is it still there?
        (f"{HOST}/app@{IMAGE}", {}, False),  # no tag: the digest is asked about
        (f"{HOST}/app:2.0", {}, False),  # not cached
        (f"{HOST}/index:1.0", {"platform": "linux/amd64"}, False),
        (f"{HOST}/index:1.0", {"need_platforms": True}, False),
        (f"{HOST}/app:1.0", {"need_created": True}, False),
        (f"{HOST}/app:1.0", {"need_signatures": True}, False),
    ],
)
def test_the_cache_answers_as_the_resolver_would(
    tmp_path: Path, text: str, settings: dict[str, Any], answered: bool
) -> None:
    cache = Cache(tmp_path, ttl=600)
    cache.put_tag(f"{HOST}/app", "1.0", TagFacts(IMAGE, DOCKER_MANIFEST))
    cache.put_tag(f"{HOST}/app", "latest", TagFacts(IMAGE, DOCKER_MANIFEST))
    cache.put_tag(f"{HOST}/index", "1.0", TagFacts(INDEX, OCI_INDEX))
    cache.flush()
    options = RegistryOptions(cache_dir=tmp_path)._replace(**settings)
    ref = parse(text)
    stats = RunStats()
    found = cached.answer(ref, options, Cache(tmp_path, ttl=600), stats)
    assert (found is not None) == answered
    if found is None:
        assert stats.cache_hits == 0
        return
    assert stats.cache_hits == 1
    assert found == _resolved(ref, options)
