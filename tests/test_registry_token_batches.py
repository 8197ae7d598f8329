"""Token requests shared by many repositories (linter/registry/auth/tokens.py), and the fallback to
one scope per token for registries and token servers that do not honour them."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator

import httpx
import pytest
from registry_server import FakeRegistry, build_image, resolve_offline

from linter.model import ErrorKind
from linter.reference import Reference
from linter.registry.auth.credentials import ANONYMOUS
from linter.registry.auth.tokens import BATCH_SCOPES, TokenService
from linter.registry.errors import RegistryError
from linter.registry.stats import RunStats

REALM = "https://auth.example/token"
HOST = "registry.example"


class Server:
    """A token endpoint: a token naming the scopes granted; ``refuse_several`` answers 400
    to a request for more than one scope."""

    def __init__(self, *, refuse_several: bool = False) -> None:
        self.refuse_several = refuse_several
        self.requests: list[list[str]] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        scopes = request.url.params.get_list("scope")
        self.requests.append(scopes)
        await asyncio.sleep(0)
        if self.refuse_several and len(scopes) > 1:
            return httpx.Response(400, json={"errors": [{"code": "X", "message": "one scope"}]})
        return httpx.Response(200, json={"token": "t:" + "|".join(scopes), "expires_in": 300})


def scope(index: int) -> str:
    return f"repository:app/{index:03d}:pull"


async def ask_all(tokens: TokenService, indexes: range) -> list[str]:
    return await asyncio.gather(
        *(tokens.token(REALM, "s", (scope(i),), ANONYMOUS, "r") for i in indexes)
    )


@pytest.mark.parametrize("count", [1, 2, BATCH_SCOPES, BATCH_SCOPES + 1, 40, 200])
def test_requests_at_the_same_moment_share_token_requests(count: int) -> None:
    server = Server()
    tokens = TokenService(server, RunStats())
    got = asyncio.run(ask_all(tokens, range(count)))
    assert len(server.requests) == math.ceil(count / BATCH_SCOPES)
    assert sorted(s for asked in server.requests for s in asked) == [scope(i) for i in range(count)]
    # Each caller gets a token that names its own scope.
    assert all(scope(i) in token for i, token in enumerate(got))
    # Shared: granted for several scopes (this server's tokens list them, "|"-separated).
    assert [tokens.shared(token) for token in got] == ["|" in token for token in got]


def test_requests_one_after_the_other_are_not_held_back() -> None:
    server = Server()
    tokens = TokenService(server, RunStats())

    async def one_by_one() -> None:
        for index in range(3):
            await tokens.token(REALM, "s", (scope(index),), ANONYMOUS, "r")
        # Already granted: no new request.
        await tokens.token(REALM, "s", (scope(1),), ANONYMOUS, "r")

    asyncio.run(one_by_one())
    assert server.requests == [[scope(0)], [scope(1)], [scope(2)]]


def test_a_refused_batch_falls_back_to_one_scope_per_token() -> None:
    server = Server(refuse_several=True)
    stats = RunStats()
    tokens = TokenService(server, stats)

    async def run() -> list[str]:
        first = await ask_all(tokens, range(3))
        return [*first, *(await ask_all(tokens, range(3, 5)))]

    got = asyncio.run(run())
    assert got == [f"t:{scope(i)}" for i in range(5)]
    # One refused batch, then each scope alone, also for the requests that came later.
    assert server.requests == [[scope(0), scope(1), scope(2)], *([scope(i)] for i in range(5))]
    assert stats.token_requests == 6


def test_a_rejected_shared_token_is_replaced_by_one_of_its_own() -> None:
    server = Server()
    tokens = TokenService(server, RunStats())

    async def run() -> tuple[str, str, str]:
        shared, _ = await ask_all(tokens, range(2))
        own = await tokens.token(REALM, "s", (scope(0),), ANONYMOUS, "r", rejected=shared)
        later = (await ask_all(tokens, range(2, 4)))[0]
        return shared, own, later

    shared, own, later = asyncio.run(run())
    assert tokens.shared(shared) and not tokens.shared(own)
    assert own == f"t:{scope(0)}"
    # From then on this registry gets one scope per token.
    assert later == f"t:{scope(2)}"
    assert server.requests[-2:] == [[scope(2)], [scope(3)]]


def test_an_unreachable_token_server_is_not_asked_scope_by_scope() -> None:
    async def down(request: httpx.Request) -> httpx.Response:
        raise RegistryError(ErrorKind.UNREACHABLE, "connection refused", "auth.example")

    stats = RunStats()
    tokens = TokenService(down, stats)

    async def run() -> list[BaseException | str]:
        return await asyncio.gather(
            *(tokens.token(REALM, "s", (scope(i),), ANONYMOUS, "r") for i in range(5)),
            return_exceptions=True,
        )

    assert all(isinstance(result, RegistryError) for result in asyncio.run(run()))
    assert stats.token_requests == 1


# --- through the client, against a registry -------------------------------------------------


@pytest.fixture
def fake() -> FakeRegistry:
    registry = FakeRegistry(HOST)
    for index in range(40):
        registry.push(f"app/{index:03d}", "1.0", build_image(f"batch-{index}"))
    return registry


def refs(count: int) -> list[str]:
    return [f"{HOST}/app/{index:03d}:1.0" for index in range(count)]


@pytest.mark.parametrize("count", [1, 5, 40])
def test_one_refused_request_then_one_head_each_and_few_token_requests(
    fake: FakeRegistry, count: int
) -> None:
    answers, stats = resolve_offline(refs(count), fake)
    assert all(answer.digest for answer in answers.values())
    registry = [p for p in fake.paths() if f" {HOST}/" in p]
    assert len(registry) == count + 1  # the first one, bare, learns the challenge
    assert stats.token_requests == math.ceil(count / BATCH_SCOPES)


def test_a_registry_honouring_only_the_first_scope_still_resolves_everything(
    fake: FakeRegistry,
) -> None:
    def first_scope_only(request: httpx.Request) -> httpx.Response | None:
        if request.url.host != "auth.example":
            return None
        fake.tokens_issued += 1
        first = request.url.params.get_list("scope")[0].split(":")[1]
        return httpx.Response(200, json={"token": f"tok:{fake.tokens_issued}:{first}"})

    fake.hooks.append(first_scope_only)
    answers, stats = resolve_offline(refs(5), fake)
    assert all(answer.digest for answer in answers.values())
    # One batch, then a token of its own for each repository it did not cover.
    assert stats.token_requests == 1 + 4


def test_lookups_start_while_the_references_are_still_read(fake: FakeRegistry) -> None:
    """The engine hands the resolver an iterator that reads a file per step: the first group
    of references is asked about while the later ones are still being read, and the token
    requests stay grouped (as many as when every reference is known at once)."""
    from registry_server import offline_client_factory

    from linter.reference import parse
    from linter.registry import RegistryOptions
    from linter.registry.resolution.resolver import resolve_references

    seen_when_read: list[int] = []

    def reading() -> Iterator[Reference]:
        for text in refs(40):
            # A file is read here: answers to the first group may come meanwhile.
            seen_when_read.append(len([p for p in fake.paths() if f" {HOST}/" in p]))
            yield parse(text)

    stats = RunStats()
    factory = offline_client_factory(fake, insecure=(), deadline=RegistryOptions().deadline)
    answers = asyncio.run(resolve_references(reading(), RegistryOptions(), stats, factory))
    assert len(answers) == 40 and all(answer.digest for answer in answers.values())
    assert seen_when_read[0] == 0
    assert seen_when_read[-1] > 0, "nothing was asked before the last reference was read"
    assert stats.token_requests == math.ceil(40 / BATCH_SCOPES)
