"""The guarded client against real aiohttp servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDict, CIMultiDictProxy

from fedhub.activitypub.keys import KeyPair, generate_key_pair
from fedhub.activitypub.signatures import Rejected, Verified, verify_request
from fedhub.errors import FedhubError
from fedhub.net.client import (
    ACTIVITY_ACCEPT,
    BlockedAddress,
    Fetched,
    FetchError,
    GuardedClient,
    GuardedResolver,
    Signer,
    parse_retry_after,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
KEY_ID = "http://fedhub.test/groups/climate#main-key"
ACTOR = {"id": "http://peer.test/users/alice", "type": "Person"}


@dataclass(frozen=True)
class Seen:
    method: str
    target: str
    headers: CIMultiDictProxy[str]
    body: bytes


@dataclass
class Peer:
    """A real server on 127.0.0.1 that records every request it is sent."""

    routes: dict[str, Handler]
    seen: list[Seen] = field(default_factory=list)
    port: int = 0
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.seen.append(Seen(request.method, request.raw_path, request.headers, body))
        return await self.routes[request.path](request)


Serve = Callable[[dict[str, Handler]], Awaitable[Peer]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    runners: list[tuple[web.AppRunner, Peer]] = []

    async def start(routes: dict[str, Handler]) -> Peer:
        peer = Peer(routes)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", peer.handle)
        runner = web.AppRunner(app, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        peer.port = runner.addresses[0][1]
        runners.append((runner, peer))
        return peer

    yield start
    for runner, peer in runners:
        peer.released.set()
        await runner.cleanup()


@pytest.fixture(scope="module")
def group_key() -> KeyPair:
    return generate_key_pair()


@pytest.fixture
def signer(group_key: KeyPair) -> Signer:
    return Signer(key_id=KEY_ID, private_key_pem=group_key.private_pem)


@pytest.fixture
async def client() -> AsyncIterator[GuardedClient]:
    async with GuardedClient(allow_private=True, user_agent="fedhub-test/1") as guarded:
        yield guarded


@pytest.fixture
async def production_client() -> AsyncIterator[GuardedClient]:
    async with GuardedClient(allow_private=False, user_agent="fedhub-test/1") as guarded:
        yield guarded


async def actor(request: web.Request) -> web.Response:
    return web.json_response(ACTOR, content_type="application/activity+json")


async def accepted(request: web.Request) -> web.Response:
    return web.Response(status=202, text="queued")


def redirect_to(location: str, status: int = 302) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": location})

    return handler


def verify_seen(seen: Seen, key: KeyPair) -> Verified | Rejected:
    return verify_request(
        method=seen.method,
        target=seen.target,
        headers=seen.headers,
        body=seen.body,
        public_key_pem=key.public_pem,
        now=datetime.now(UTC),
        scheme="http",
    )


# --- the address policy, before any connection --------------------------------------------


async def test_a_loopback_literal_is_refused_before_connecting(
    serve: Serve, production_client: GuardedClient
) -> None:
    peer = await serve({"/actor": actor})
    with pytest.raises(BlockedAddress, match=r"127\.0\.0\.1 is a loopback address"):
        await production_client.get_activity(peer.url("/actor"), signer=None)
    assert peer.seen == []


async def test_a_name_that_resolves_to_loopback_is_refused(
    serve: Serve, production_client: GuardedClient
) -> None:
    """The check runs on resolved addresses, so DNS cannot smuggle a private address in."""
    peer = await serve({"/actor": actor})
    with pytest.raises(BlockedAddress, match="localhost resolves to no allowed address"):
        await production_client.get_activity(f"http://localhost:{peer.port}/actor", signer=None)
    assert peer.seen == []


@pytest.mark.parametrize(
    "host", ["[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "2130706433", "127.1", "0x7f.1"]
)
async def test_other_spellings_of_loopback_are_refused(
    serve: Serve,
    production_client: GuardedClient,
    host: str,
) -> None:
    peer = await serve({"/actor": actor})
    with pytest.raises(FetchError):
        await production_client.get_activity(f"http://{host}:{peer.port}/actor", signer=None)
    assert peer.seen == []


async def test_the_unspecified_address_is_refused_even_for_development(
    serve: Serve, client: GuardedClient
) -> None:
    """0.0.0.0 would reach this very machine."""
    peer = await serve({"/actor": actor})
    with pytest.raises(BlockedAddress, match="unspecified"):
        await client.get_activity(f"http://0.0.0.0:{peer.port}/actor", signer=None)
    assert peer.seen == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://127.0.0.1/actor", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("/relative", "only http and https"),
        ("http://user:secret@127.0.0.1/actor", "credentials"),
    ],
)
async def test_urls_that_are_not_plain_http_are_refused(
    client: GuardedClient, url: str, reason: str
) -> None:
    with pytest.raises(FetchError, match=reason):
        await client.get_activity(url, signer=None)


class ListResolver(AbstractResolver):
    """Answers every name with fixed addresses, as a rebinding DNS server would."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=0,
            )
            for address in self.addresses
        ]

    async def close(self) -> None:
        pass


async def test_the_resolver_keeps_only_allowed_addresses() -> None:
    inner = ListResolver(["10.0.0.7", "93.184.215.14", "::1", "2606:4700::1111"])
    resolver = GuardedResolver(allow_private=False, inner=inner)
    kept = await resolver.resolve("peer.example", 443)
    assert [result["host"] for result in kept] == ["93.184.215.14", "2606:4700::1111"]


async def test_the_resolver_refuses_a_name_with_only_refused_addresses() -> None:
    resolver = GuardedResolver(allow_private=False, inner=ListResolver(["10.0.0.7", "::1"]))
    with pytest.raises(
        BlockedAddress, match=r"10\.0\.0\.7 is a private address; ::1 is a loopback"
    ):
        await resolver.resolve("rebind.example", 443)
    development = GuardedResolver(allow_private=True, inner=ListResolver(["169.254.169.254"]))
    with pytest.raises(BlockedAddress, match="link-local"):
        await development.resolve("metadata.example", 80)


# --- fetching -------------------------------------------------------------------------------


async def test_a_signed_get_arrives_and_verifies(
    serve: Serve,
    client: GuardedClient,
    signer: Signer,
    group_key: KeyPair,
) -> None:
    peer = await serve({"/users/alice": actor})
    fetched = await client.get_activity(peer.url("/users/alice?page=1"), signer=signer)
    assert fetched.status == 200
    assert fetched.url == peer.url("/users/alice?page=1")
    assert fetched.json() == ACTOR
    assert fetched.headers["content-type"].startswith("application/activity+json")
    [seen] = peer.seen
    assert seen.headers["Accept"] == ACTIVITY_ACCEPT
    assert seen.headers["User-Agent"] == "fedhub-test/1"
    assert seen.headers["Host"] == f"127.0.0.1:{peer.port}"
    assert 'headers="(request-target) host date"' in seen.headers["Signature"]
    assert verify_seen(seen, group_key) == Verified(KEY_ID, "cavage")


async def test_an_unsigned_get_carries_no_signature(serve: Serve, client: GuardedClient) -> None:
    peer = await serve({"/.well-known/webfinger": actor})
    fetched = await client.get(peer.url("/.well-known/webfinger"), accept="application/jrd+json")
    assert fetched.status == 200
    [seen] = peer.seen
    assert "Signature" not in seen.headers
    assert seen.headers["Accept"] == "application/jrd+json"


async def test_a_status_other_than_2xx_is_a_fetch_error_with_the_status(
    serve: Serve, client: GuardedClient
) -> None:
    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=410, text="x" * 10_000_000)

    peer = await serve({"/gone": gone})
    with pytest.raises(FetchError) as raised:
        await client.get_activity(peer.url("/gone"), signer=None)
    assert raised.value.remote_status == 410


async def test_a_body_that_is_not_json() -> None:
    fetched = Fetched("http://peer.test/x", 200, CIMultiDict(), b"<html>")
    with pytest.raises(FetchError, match="did not answer with JSON"):
        fetched.json()


async def test_an_endless_body_is_cut_off_at_the_cap(serve: Serve, client: GuardedClient) -> None:
    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/activity+json"})
        await response.prepare(request)
        chunk = b"x" * 65536
        try:
            for _ in range(160):  # 10 MiB, sent without a Content-Length
                await response.write(chunk)
        except (ConnectionError, RuntimeError):
            pass
        return response

    peer = await serve({"/endless": endless})
    started = time.monotonic()
    with pytest.raises(FetchError, match=f"sent more than {2 * 1024 * 1024} bytes"):
        await client.get_activity(peer.url("/endless"), signer=None)
    assert time.monotonic() - started < 5


async def test_a_declared_length_over_the_cap_is_refused_before_reading(
    serve: Serve,
) -> None:
    async def large(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 2048, content_type="application/activity+json")

    peer = await serve({"/large": large})
    async with GuardedClient(allow_private=True, user_agent="t", max_bytes=1024) as small:
        with pytest.raises(FetchError, match="sent more than 1024 bytes"):
            await small.get_activity(peer.url("/large"), signer=None)


async def test_a_compressed_body_is_capped_after_decompression(
    serve: Serve, client: GuardedClient
) -> None:
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024))  # about 20 KiB that inflate to 20 MiB

    async def compressed(request: web.Request) -> web.Response:
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/activity+json"}
        return web.Response(body=bomb, headers=headers)

    peer = await serve({"/bomb": compressed})
    with pytest.raises(FetchError, match="sent more than"):
        await client.get_activity(peer.url("/bomb"), signer=None)


async def test_a_slow_server_is_a_timeout(
    serve: Serve,
) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.wait_for(peer.released.wait(), timeout=10)
        return web.json_response(ACTOR)

    peer = await serve({"/slow": slow})
    started = time.monotonic()
    async with GuardedClient(allow_private=True, user_agent="t", timeout=0.5) as impatient:
        with pytest.raises(FetchError, match=r"took longer than 0\.5s"):
            await impatient.get_activity(peer.url("/slow"), signer=None)
    assert time.monotonic() - started < 3


async def test_a_refused_connection_is_a_fetch_error(client: GuardedClient) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(FetchError, match="failed"):
        await client.get_activity(f"http://127.0.0.1:{port}/actor", signer=None)


# --- redirects ------------------------------------------------------------------------------


async def test_a_redirect_to_another_origin_is_signed_again_for_the_new_url(
    serve: Serve,
    client: GuardedClient,
    signer: Signer,
    group_key: KeyPair,
) -> None:
    landing = await serve({"/landing": actor})
    start = await serve({"/start": redirect_to(landing.url("/landing?x=1"))})
    fetched = await client.get_activity(start.url("/start"), signer=signer)
    assert fetched.url == landing.url("/landing?x=1")
    assert fetched.json() == ACTOR
    [first], [second] = start.seen, landing.seen
    assert verify_seen(first, group_key) == Verified(KEY_ID, "cavage")
    assert verify_seen(second, group_key) == Verified(KEY_ID, "cavage")
    assert second.headers["Signature"] != first.headers["Signature"]
    assert second.headers["Host"] == f"127.0.0.1:{landing.port}"
    # The second signature is bound to the new URL: replayed at the old one, it fails.
    replayed = Seen("GET", first.target, CIMultiDictProxy(CIMultiDict(second.headers)), b"")
    assert isinstance(verify_seen(replayed, group_key), Rejected)
    moved = CIMultiDict(second.headers)
    moved["Host"] = first.headers["Host"]
    replayed = Seen("GET", second.target, CIMultiDictProxy(moved), b"")
    assert verify_seen(replayed, group_key) == Rejected("signature does not verify")


async def test_a_redirect_is_checked_against_the_address_policy(
    serve: Serve, client: GuardedClient, signer: Signer
) -> None:
    landing = await serve({"/landing": actor})
    start = await serve({"/start": redirect_to(f"http://0.0.0.0:{landing.port}/landing")})
    with pytest.raises(BlockedAddress, match="unspecified"):
        await client.get_activity(start.url("/start"), signer=signer)
    assert len(start.seen) == 1
    assert landing.seen == []


async def test_a_redirect_to_another_scheme_is_refused(serve: Serve, client: GuardedClient) -> None:
    start = await serve({"/start": redirect_to("file:///etc/passwd")})
    with pytest.raises(FetchError, match="only http and https"):
        await client.get_activity(start.url("/start"), signer=None)


async def test_a_redirect_loop_is_capped(serve: Serve, client: GuardedClient) -> None:
    peer = await serve({"/loop": redirect_to("/loop", status=301)})
    with pytest.raises(FetchError, match="more than 3 redirects"):
        await client.get_activity(peer.url("/loop"), signer=None)
    assert len(peer.seen) == 4


# --- delivering -----------------------------------------------------------------------------


async def test_a_signed_post_arrives_and_verifies(
    serve: Serve,
    client: GuardedClient,
    signer: Signer,
    group_key: KeyPair,
) -> None:
    peer = await serve({"/inbox": accepted})
    body = json.dumps({"type": "Follow"}).encode()
    posted = await client.post_activity(peer.url("/inbox"), body, signer=signer)
    assert posted.status == 202
    assert posted.retry_after is None
    assert posted.body_excerpt == "queued"
    [seen] = peer.seen
    assert seen.body == body
    assert seen.headers["Content-Type"] == "application/activity+json"
    assert 'headers="(request-target) host date digest"' in seen.headers["Signature"]
    assert verify_seen(seen, group_key) == Verified(KEY_ID, "cavage")


@pytest.mark.parametrize("status", [400, 401, 410, 500, 301])
async def test_any_status_comes_back_to_the_delivery_worker(
    serve: Serve,
    client: GuardedClient,
    signer: Signer,
    status: int,
) -> None:
    async def answer(request: web.Request) -> web.Response:
        return web.Response(status=status, text="y" * 5000, headers={"Location": "/elsewhere"})

    peer = await serve({"/inbox": answer})
    posted = await client.post_activity(peer.url("/inbox"), b"{}", signer=signer)
    assert posted.status == status
    assert posted.body_excerpt == "y" * 1024
    # A refused signature is tried once more with the other scheme (double-knocking).
    assert len(peer.seen) == (2 if status in (400, 401) else 1)


async def test_a_post_follows_307_and_is_signed_for_the_new_inbox(
    serve: Serve,
    client: GuardedClient,
    signer: Signer,
    group_key: KeyPair,
) -> None:
    landing = await serve({"/inbox": accepted})
    start = await serve({"/inbox": redirect_to(landing.url("/inbox"), status=307)})
    posted = await client.post_activity(start.url("/inbox"), b'{"type":"Like"}', signer=signer)
    assert posted.status == 202
    [seen] = landing.seen
    assert seen.body == b'{"type":"Like"}'
    assert verify_seen(seen, group_key) == Verified(KEY_ID, "cavage")


async def test_retry_after_in_seconds(serve: Serve, client: GuardedClient, signer: Signer) -> None:
    async def busy(request: web.Request) -> web.Response:
        return web.Response(status=429, headers={"Retry-After": "120"})

    peer = await serve({"/inbox": busy})
    before = datetime.now(UTC)
    posted = await client.post_activity(peer.url("/inbox"), b"{}", signer=signer)
    assert posted.status == 429
    assert posted.retry_after is not None
    assert before + timedelta(seconds=119) <= posted.retry_after
    assert posted.retry_after <= datetime.now(UTC) + timedelta(seconds=121)


async def test_posting_to_a_refused_address_raises(
    production_client: GuardedClient, signer: Signer
) -> None:
    with pytest.raises(BlockedAddress):
        await production_client.post_activity("http://10.0.0.1/inbox", b"{}", signer=signer)


NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("0", NOW),
        ("120", NOW + timedelta(seconds=120)),
        (" 3600 ", NOW + timedelta(hours=1)),
        ("Sat, 01 Mar 2025 12:30:00 GMT", NOW + timedelta(minutes=30)),
        ("soon", None),
        ("-5", None),
        ("9" * 40, NOW + timedelta(days=366)),
        ("Fri, 01 Mar 2030 12:00:00 GMT", NOW + timedelta(days=366)),
    ],
)
def test_parse_retry_after(value: str | None, expected: datetime | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_fetch_errors_map_to_http_statuses() -> None:
    assert issubclass(FetchError, FedhubError)
    assert FetchError("x").status == 502
    assert BlockedAddress("x").status == 400
