"""Double-knocking against strict receivers on 127.0.0.1 that check signatures with fedhub's own
verifier and accept only one scheme, as servers that know only one of the two do."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from aiohttp import web

from fedhub.activitypub.keys import KeyPair, generate_key_pair
from fedhub.activitypub.signatures import Rejected, Scheme, verify_request
from fedhub.delivery.policy import Outcome, classify
from fedhub.delivery.service import guarded_send
from fedhub.net.client import FetchError, GuardedClient, Signer
from fedhub.net.knocking import SchemeMemory

KEY_ID = "http://fedhub.test/groups/climate#main-key"
ACTOR = {"id": "http://peer.test/users/alice", "type": "Person"}


@dataclass
class StrictReceiver:
    """Verifies every request with `verify_request`; 401 unless it is valid and in `accepts`.

    `knocks` lists the scheme of every request it saw, accepted or not, in order.
    """

    public_pem: str
    accepts: frozenset[Scheme]
    refusal: int = 401
    knocks: list[Scheme] = field(default_factory=list)
    port: int = 0

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.origin}{path}"

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        scheme: Scheme = "rfc9421" if "Signature-Input" in request.headers else "cavage"
        self.knocks.append(scheme)
        verdict = verify_request(
            method=request.method,
            target=request.raw_path,
            headers=request.headers,
            body=body,
            public_key_pem=self.public_pem,
            now=datetime.now(UTC),
            host=request.host,
            scheme="http",
        )
        if scheme not in self.accepts or isinstance(verdict, Rejected):
            return web.Response(status=self.refusal, text=f"{scheme} signatures are not accepted")
        if request.path == "/gone":
            return web.Response(status=410)
        if request.method == "GET":
            return web.json_response(ACTOR, content_type="application/activity+json")
        return web.Response(status=202)


Start = Callable[..., Awaitable[StrictReceiver]]


@pytest.fixture(scope="module")
def group_key() -> KeyPair:
    return generate_key_pair()


@pytest.fixture
def signer(group_key: KeyPair) -> Signer:
    return Signer(key_id=KEY_ID, private_key_pem=group_key.private_pem)


@pytest.fixture
async def receiver(group_key: KeyPair) -> AsyncIterator[Start]:
    runners: list[web.AppRunner] = []

    async def start(*accepts: Scheme, refusal: int = 401) -> StrictReceiver:
        peer = StrictReceiver(group_key.public_pem, frozenset(accepts), refusal)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", peer.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        peer.port = sock.getsockname()[1]
        await web.SockSite(runner, sock).start()
        runners.append(runner)
        return peer

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def client() -> AsyncIterator[GuardedClient]:
    async with GuardedClient(allow_private=True, user_agent="fedhub-test/1") as guarded:
        yield guarded


async def test_the_first_knock_is_draft_cavage_and_one_request_when_accepted(
    receiver: Start, client: GuardedClient, signer: Signer
) -> None:
    both = await receiver("cavage", "rfc9421")
    posted = await client.post_activity(both.url("/inbox"), b"{}", signer=signer)
    assert posted.status == 202
    assert both.knocks == ["cavage"]


async def test_an_rfc9421_only_inbox_gets_a_second_knock_then_only_rfc9421(
    receiver: Start, client: GuardedClient, signer: Signer
) -> None:
    strict = await receiver("rfc9421")
    first = await client.post_activity(strict.url("/inbox"), b'{"n":1}', signer=signer)
    assert first.status == 202
    assert strict.knocks == ["cavage", "rfc9421"]
    # The origin's answer is remembered: the next request (any path) knocks once.
    second = await client.post_activity(strict.url("/other/inbox"), b'{"n":2}', signer=signer)
    assert second.status == 202
    assert strict.knocks == ["cavage", "rfc9421", "rfc9421"]
    assert client.schemes.scheme_for(strict.origin) == "rfc9421"


async def test_a_cavage_only_inbox_when_rfc9421_is_tried_first(
    receiver: Start, signer: Signer
) -> None:
    strict = await receiver("cavage")
    memory = SchemeMemory(first_try="rfc9421")
    async with GuardedClient(allow_private=True, user_agent="t", schemes=memory) as client:
        for n in range(3):
            posted = await client.post_activity(strict.url("/inbox"), b"{}", signer=signer)
            assert posted.status == 202, n
    assert strict.knocks == ["rfc9421", "cavage", "cavage", "cavage"]


@pytest.mark.parametrize("refusal", [400, 403])
async def test_400_and_403_are_read_as_refusals_too(
    receiver: Start, client: GuardedClient, signer: Signer, refusal: int
) -> None:
    strict = await receiver("rfc9421", refusal=refusal)
    posted = await client.post_activity(strict.url("/inbox"), b"{}", signer=signer)
    assert posted.status == 202
    assert strict.knocks == ["cavage", "rfc9421"]


async def test_signed_gets_double_knock_and_remember_too(
    receiver: Start, client: GuardedClient, signer: Signer
) -> None:
    strict = await receiver("rfc9421")
    for _ in range(2):
        fetched = await client.get_activity(strict.url("/users/alice"), signer=signer)
        assert fetched.json() == ACTOR
    assert strict.knocks == ["cavage", "rfc9421", "rfc9421"]


async def test_refused_twice_comes_back_as_refused_and_nothing_is_learned(
    receiver: Start, client: GuardedClient, signer: Signer
) -> None:
    nobody = await receiver()  # accepts neither scheme (or does not know our key)
    posted = await client.post_activity(nobody.url("/inbox"), b"{}", signer=signer)
    assert posted.status == 401
    assert posted.body_excerpt == "rfc9421 signatures are not accepted"  # the second answer
    assert nobody.knocks == ["cavage", "rfc9421"], "one more knock, never a loop"
    assert len(client.schemes) == 0
    with pytest.raises(FetchError) as refused:
        await client.get_activity(nobody.url("/users/alice"), signer=signer)
    assert refused.value.remote_status == 401
    assert nobody.knocks == ["cavage", "rfc9421"] * 2


async def test_the_delivery_worker_sees_the_final_answer_as_before(
    receiver: Start, client: GuardedClient, group_key: KeyPair
) -> None:
    """Queue semantics are unchanged: a 410 is not knocked again; a 401 after two knocks is
    retried later, as before (the peer may not have our key yet)."""
    send = guarded_send(client)
    strict = await receiver("rfc9421")
    delivered = await send(strict.url("/inbox"), b"{}", KEY_ID, group_key.private_pem)
    assert classify(delivered.status, delivered.error) is Outcome.DELIVERED
    gone = await receiver("cavage")
    result = await send(gone.url("/gone"), b"{}", KEY_ID, group_key.private_pem)
    assert classify(result.status, result.error) is Outcome.GONE
    assert gone.knocks == ["cavage"]
    nobody = await receiver()
    refused = await send(nobody.url("/inbox"), b"{}", KEY_ID, group_key.private_pem)
    assert refused.status == 401 and classify(refused.status, refused.error) is Outcome.RETRY
    assert nobody.knocks == ["cavage", "rfc9421"]


async def test_a_server_error_is_not_knocked_again_nor_learned(
    client: GuardedClient, signer: Signer
) -> None:
    seen: list[str] = []

    async def broken(request: web.Request) -> web.Response:
        seen.append("rfc9421" if "Signature-Input" in request.headers else "cavage")
        return web.Response(status=500)

    app = web.Application()
    app.router.add_post("/inbox", broken)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        posted = await client.post_activity(f"http://127.0.0.1:{port}/inbox", b"{}", signer=signer)
    finally:
        await runner.cleanup()
    assert posted.status == 500
    assert seen == ["cavage"]
    assert len(client.schemes) == 0


def test_the_memory_is_bounded_and_forgets_the_least_recently_used() -> None:
    memory = SchemeMemory(size=2)
    memory.remember("https://a.example", "rfc9421")
    memory.remember("https://b.example", "rfc9421")
    assert memory.scheme_for("https://a.example") == "rfc9421"  # a is now the most recent
    memory.remember("https://c.example", "cavage")
    assert len(memory) == 2
    assert memory.scheme_for("https://b.example") == "cavage", "b was forgotten: the default"
    assert memory.scheme_for("https://a.example") == "rfc9421"
    with pytest.raises(ValueError):
        SchemeMemory(size=0)
