"""The registries' answers for one run: each question asked once, remembered in the cache.

What does this tag point to, does this digest exist, what are this index's
children, what does this image's config say, is this digest signed: each is
asked once per run however many references need it, through the reference's
mirrors, and the answers are kept in the persistent cache (docs/registry.md says
what and for how long). The resolver (and ``inspect``, and the policy facts) ask;
nothing here knows who asks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from linter.model import ErrorKind, PlatformEntry, SignatureState, SignatureStatus
from linter.reference import Reference
from linter.registry import trace
from linter.registry.api.client import ClientSettings, RegistryClient
from linter.registry.api.manifests import ImageFacts, ManifestError, checked_digest, parse_config
from linter.registry.api.tags import TagList, list_tags
from linter.registry.api.target import Target, first_origin
from linter.registry.cache.bodies import BodyStore
from linter.registry.cache.store import LAYOUT, ManifestFacts, TagFacts, run_cache
from linter.registry.errors import RegistryError, display_host
from linter.registry.http import netio
from linter.registry.options import RegistryOptions
from linter.registry.resolution import fetch
from linter.registry.resolution.ahead import HeadStart, token_origins
from linter.registry.resolution.fetch import Fetched
from linter.registry.resolution.mirrors import mirror_targets, via_mirrors
from linter.registry.stats import RunStats
from linter.registry.tasks import Once

V = TypeVar("V")
ClientFactory = Callable[[RunStats], RegistryClient]


def default_client(options: RegistryOptions, connector: netio.Connector) -> ClientFactory:
    settings = ClientSettings(
        concurrency=options.concurrency,
        per_registry=options.per_registry,
        insecure=options.insecure,
        timeout=options.timeout,
        deadline=options.deadline,
    )
    return lambda stats: RegistryClient(settings, stats, connector=connector)


class Answers:
    def __init__(
        self,
        options: RegistryOptions,
        stats: RunStats,
        client: ClientFactory | None = None,
        head: HeadStart | None = None,
    ) -> None:
        self._options = options
        self._stats = stats
        if head is None:
            head = HeadStart(run_cache(options), None)
        self._cache = head.cache
        self._bodies = (
            BodyStore(options.cache_dir / LAYOUT / "bodies") if options.cache_dir else None
        )
        #: The run's connections are opened here; some before the client is made.
        self._connector = netio.Connector(head.sent)
        #: The origin the run's first request went to before the loop ran (``ahead``).
        self._sent_to = head.sent.origin if head.sent is not None else None
        self._make_client = client or default_client(options, self._connector)
        self._own_client = client is None
        self._client: RegistryClient | None = None
        #: Hosts a connection was opened to ahead of the client (connect_ahead).
        self._ahead: set[str] = set()
        self._tags: Once[TagFacts] = Once()
        self._exists: Once[ManifestFacts | None] = Once()
        self._fetched: Once[ManifestFacts] = Once()
        self._images: Once[ImageFacts] = Once()
        self._signatures: Once[SignatureStatus] = Once()
        self._bodies_read: Once[Fetched] = Once()
        self._blobs: Once[bytes] = Once()
        #: Manifest facts learnt this run (also when the persistent cache is off).
        self._known: dict[tuple[str, str], ManifestFacts] = {}

    @property
    def client(self) -> RegistryClient:
        """Made on first use: a run answered from the cache opens no connection at all."""
        if self._client is None:
            self._client = self._make_client(self._stats)
            if self._cache is not None:
                self._client.recall_with(self._cache.challenges)
            for authority in self._ahead:
                self._client.opened_ahead(authority)
        return self._client

    async def aclose(self) -> None:
        for questions in (
            self._tags,
            self._exists,
            self._fetched,
            self._images,
            self._signatures,
            self._bodies_read,
            self._blobs,
        ):
            await questions.cancel()
        if self._client is not None:
            await self._client.aclose()
            if self._cache is not None:
                for authority, challenges in self._client.challenges_taught().items():
                    self._cache.put_challenges(authority, challenges)
        await self._connector.close_spares()
        if self._cache is not None:
            self._cache.flush()
        if self._bodies is not None:
            self._bodies.flush()

    def connect_ahead(self, refs: Iterable[Reference]) -> None:
        """Open a connection to each registry that an uncached tag will be asked of (and to
        its token server, when its challenge is cached) before the client is made: the
        handshakes happen while the HTTP stack loads (tens of milliseconds of CPU), not
        after it. Nothing is sent on them but what the client sends anyway."""
        if self._client is not None or not self._own_client:
            return
        origins: set[tuple[str, int]] = set()
        for ref in refs:
            tag = ref.effective_tag
            if tag is None or (self._cache is not None and self._cache.tag(ref.name, tag)):
                continue
            authority = mirror_targets(ref, self._options.mirrors)[0].authority
            first = first_origin(authority, self._options.insecure)
            if first is None or authority in self._ahead:
                continue
            self._ahead.add(authority)
            if first[1:] != self._sent_to:  # that one has its connection
                origins.add(first[1:])
            remembered = self._cache.challenges(authority) if self._cache is not None else None
            origins.update(token_origins(remembered or ()))
        for host, port in origins:
            self._connector.warm(host, port, 1)

    async def tag(self, ref: Reference, tag: str) -> TagFacts:
        """What ``tag`` points to now (HEAD, or GET and hash when the HEAD is not enough)."""

        async def compute() -> TagFacts:
            if self._cache is not None:
                cached = self._cache.tag(ref.name, tag)
                if self._stats.tracer is not None:
                    answer = (cached.digest, cached.age) if cached else (None, None)
                    self._stats.tracer(trace.CacheAnswer(f"{ref.name}:{tag}", *answer))
                if cached is not None:
                    self._stats.cache_hits += 1
                    return cached
            facts = await self._via_mirrors(ref, lambda target: self._fetch_tag(ref, target, tag))
            if self._cache is not None:
                self._cache.put_tag(ref.name, tag, facts)
            return facts

        return await self._tags.run((ref.name, tag), compute)

    async def exists(self, ref: Reference, digest: str) -> ManifestFacts | None:
        """Facts about ``digest`` in ``ref``'s repository, or None when the registry lacks it."""

        async def compute() -> ManifestFacts | None:
            known = self._remembered(ref.name, digest)
            if known is not None:
                return known
            try:
                return await self._via_mirrors(ref, lambda t: self._fetch_exists(ref, t, digest))
            except RegistryError as exc:
                if exc.kind is ErrorKind.NOT_FOUND:
                    return None
                raise

        return await self._exists.run((ref.name, digest), compute)

    async def fetched(self, ref: Reference, digest: str) -> ManifestFacts:
        """Facts read from the manifest body itself, its hash checked against ``digest``."""

        async def compute() -> ManifestFacts:
            known = self._remembered(ref.name, digest)
            if known is not None and known.verified:
                return known

            async def ask(target: Target) -> ManifestFacts:
                return (await self._get(ref, target, digest)).facts

            return await self._via_mirrors(ref, ask)

        return await self._fetched.run((ref.name, digest), compute)

    async def children(self, ref: Reference, digest: str) -> tuple[PlatformEntry, ...]:
        return (await self.fetched(ref, digest)).children or ()

    async def manifest_body(self, ref: Reference, reference: str) -> Fetched:
        """A manifest by tag or digest with its exact bytes (``inspect``), checked against
        its digest: from the body store when the repository is known to have it, else by
        GET. A tag's digest comes from the cache while it is fresh; otherwise the tag is
        read with one GET (not HEAD, then GET)."""
        tag = checked_digest(reference) is None
        if tag and self._cache is not None:
            cached = self._cache.tag(ref.name, reference)
            if cached is not None:
                self._stats.cache_hits += 1
                reference, tag = cached.digest, False

        async def compute() -> Fetched:
            known = None if tag else self._remembered(ref.name, reference)
            stored = self._bodies.get(reference) if self._bodies and known else None
            if known is not None and stored is not None:
                return Fetched(reference, known, stored)
            fetched = await self._via_mirrors(ref, lambda t: self._get(ref, t, reference))
            if self._bodies is not None:
                self._bodies.put(fetched.digest, fetched.body)
            if tag and self._cache is not None:
                facts = TagFacts(fetched.digest, fetched.facts.media_type)
                self._cache.put_tag(ref.name, reference, facts)
            return fetched

        return await self._bodies_read.run((ref.name, reference), compute)

    async def blob(self, ref: Reference, digest: str) -> bytes:
        """A blob's exact bytes (an image config, for ``inspect``), checked against its
        digest; from the body store when it holds them."""

        async def compute() -> bytes:
            stored = self._bodies.get(digest) if self._bodies is not None else None
            if stored is not None:
                self._stats.cache_hits += 1
                return stored
            body = await self._via_mirrors(ref, lambda t: fetch.blob(self.client, t, digest))
            if self._bodies is not None:
                self._bodies.put(digest, body)
            return body

        return await self._blobs.run(digest, compute)

    async def tag_list(self, ref: Reference, limit: int) -> TagList:
        """The repository's tags, at most ``limit`` (never cached: tags come and go)."""
        return await self._via_mirrors(ref, lambda target: list_tags(self.client, target, limit))

    async def image(self, ref: Reference, config: str) -> ImageFacts:
        """What an image's config blob says, the blob checked against its digest."""

        async def compute() -> ImageFacts:
            cached = self._cache.image(config) if self._cache is not None else None
            if cached is not None:
                self._stats.cache_hits += 1
                return cached
            body = await self._via_mirrors(ref, lambda t: fetch.blob(self.client, t, config))
            try:
                facts = parse_config(body)
            except ManifestError as exc:
                raise RegistryError(
                    ErrorKind.INVALID, str(exc), display_host(ref.api_host)
                ) from None
            if self._cache is not None:
                self._cache.put_image(config, facts)
            return facts

        return await self._images.run(config, compute)

    async def signatures(
        self, ref: Reference, digest: str, *, complete: bool = False
    ) -> SignatureStatus:
        """The signatures of ``digest`` and the verdict on them (registry/facts/signatures.py).

        Signatures are tags and referrers: they come and go. A verdict that the digest
        is signed is cached for ``cache-ttl`` and for these keys only; "unsigned" is
        asked again next run, so signing the image fixes the run. ``complete`` looks
        everywhere (for ``inspect``) instead of stopping at the first good signature.
        """
        keys = self._options.signature_keys

        async def compute() -> SignatureStatus:
            # Imported here: only a run that checks signatures needs them (start-up cost).
            from linter.registry.facts import signatures
            from linter.signatures import fingerprint

            keyring = fingerprint(keys)
            if self._cache is not None and not complete:
                cached = self._cache.signature(ref.name, digest, keyring)
                if cached is not None:
                    self._stats.cache_hits += 1
                    return cached
            status = await self._via_mirrors(
                ref,
                lambda target: signatures.find(
                    self.client, target, digest, repository=ref.name, keys=keys, complete=complete
                ),
            )
            trusted = status.state in (SignatureState.VERIFIED, SignatureState.FOUND)
            if self._cache is not None and trusted:
                self._cache.put_signature(ref.name, keyring, status)
            return status

        return await self._signatures.run((ref.name, digest, complete), compute)

    def _remembered(self, name: str, digest: str) -> ManifestFacts | None:
        known = self._known.get((name, digest))
        if known is None and self._cache is not None:
            known = self._cache.manifest(name, digest)
            if known is not None:
                self._stats.cache_hits += 1
                self._known[(name, digest)] = known
        return known

    def _remember(self, name: str, digest: str, facts: ManifestFacts) -> None:
        self._known[(name, digest)] = facts
        if self._cache is not None:
            self._cache.put_manifest(name, digest, facts)

    async def _via_mirrors(self, ref: Reference, ask: Callable[[Target], Awaitable[V]]) -> V:
        return await via_mirrors(mirror_targets(ref, self._options.mirrors), self._stats, ask)

    async def _fetch_tag(self, ref: Reference, target: Target, tag: str) -> TagFacts:
        facts = await fetch.tag_head(self.client, target, tag)
        if facts is not None:
            return facts
        # No usable digest header (or no HEAD support): GET the body and hash it ourselves.
        fetched = await self._get(ref, target, tag)
        return TagFacts(fetched.digest, fetched.facts.media_type)

    async def _fetch_exists(self, ref: Reference, target: Target, digest: str) -> ManifestFacts:
        facts = await fetch.digest_head(self.client, target, digest)
        if facts is None:  # the registry does not do HEAD
            return (await self._get(ref, target, digest)).facts
        self._remember(ref.name, digest, facts)
        return facts

    async def _get(self, ref: Reference, target: Target, reference: str) -> Fetched:
        fetched = await fetch.manifest(self.client, target, reference)
        self._remember(ref.name, fetched.digest, fetched.facts)
        return fetched
