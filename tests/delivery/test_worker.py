"""The worker against real inbox servers on loopback: every inbox once, retries, a paused host."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web

from fedhub.activitypub.keys import KeyPair
from fedhub.delivery import hosts, queue
from fedhub.delivery.policy import SendResult
from fedhub.delivery.worker import DeliveryWorker, Send
from fedhub.domain.audience import delivery_inboxes, inbox_host
from fedhub.store.database import Database
from tests.delivery.conftest import START, URIS, Clock, add_activity
from tests.delivery.loopback import Receiver, http_send, listen, serve

# 30 "hosts": loopback addresses, each its own breaker, all served by one receiver app.
HOSTS = [f"127.0.0.{n}" for n in range(10, 40)]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(
        timeout=timeout, connector=aiohttp.TCPConnector(limit=64)
    ) as session:
        yield session


async def publish(database: Database, activity: int, targets: list[str]) -> None:
    async with database.transaction() as session:
        await queue.enqueue(session, activity, targets, START)


async def counts(database: Database) -> dict[str, int]:
    async with database.reading() as session:
        return await queue.state_counts(session)


def counting(send: Send, calls: Counter[str]) -> Send:
    """Wrap `send` to count attempts per host, answered or not."""

    async def wrapped(inbox: str, body: bytes, key_id: str, pem: str) -> SendResult:
        calls[inbox_host(inbox)] += 1
        return await send(inbox, body, key_id, pem)

    return wrapped


async def test_one_activity_reaches_300_inboxes_on_30_hosts_exactly_once(
    database: Database, group_key: KeyPair, http: aiohttp.ClientSession, clock: Clock
) -> None:
    receiver = Receiver()
    runner, port = await serve(receiver.app(), HOSTS)
    try:
        # 3,000 followers, ten per personal inbox, grouped down to 300 inboxes.
        followers = [
            (f"http://{host}:{port}/users/{n}/inbox", f"http://{host}:{port}/inbox/{n % 10}")
            for host in HOSTS
            for n in range(100)
        ]
        targets = delivery_inboxes(followers)
        assert len(targets) == 300
        activity = await add_activity(database, group_key, slug="climate")
        worker = DeliveryWorker(
            database, http_send(http), URIS, concurrency=32, batch=64, clock=clock
        )
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        await publish(database, activity, targets)
        worker.wake()
        async with asyncio.timeout(30):
            while await counts(database) != {"delivered": 300}:
                await asyncio.sleep(0.05)
        stop.set()
        await task
    finally:
        await runner.cleanup()
    assert sorted(receiver.received) == sorted(targets)
    assert set(receiver.received.values()) == {1}
    assert receiver.key_ids == {URIS.group_key("climate")}
    assert len(set(receiver.bodies)) == 1


async def test_run_once_steps_through_the_queue(
    database: Database, group_key: KeyPair, http: aiohttp.ClientSession, clock: Clock
) -> None:
    receiver = Receiver()
    runner, port = await serve(receiver.app(), HOSTS[:3])
    try:
        targets = [f"http://{host}:{port}/inbox/{n}" for host in HOSTS[:3] for n in range(20)]
        await publish(database, await add_activity(database, group_key), targets)
        worker = DeliveryWorker(database, http_send(http), URIS, batch=25, clock=clock)
        assert [await worker.run_once() for _ in range(4)] == [25, 25, 10, 0]
    finally:
        await runner.cleanup()
    assert sorted(receiver.received) == sorted(targets)
    assert set(receiver.received.values()) == {1}


async def test_a_receiver_that_was_down_gets_it_after_a_retry(
    database: Database, group_key: KeyPair, http: aiohttp.ClientSession, clock: Clock
) -> None:
    down = "127.0.0.50"
    sock = listen(down)  # reserve a port, then leave nothing listening on it
    port = sock.getsockname()[1]
    sock.close()
    up_receiver = Receiver()
    up_runner, up_port = await serve(up_receiver.app(), ["127.0.0.51"])
    late = Receiver()
    late_runner: web.AppRunner | None = None
    try:
        targets = [f"http://{down}:{port}/inbox/{n}" for n in range(3)]
        targets += [f"http://127.0.0.51:{up_port}/inbox/{n}" for n in range(2)]
        await publish(database, await add_activity(database, group_key), targets)
        worker = DeliveryWorker(database, http_send(http), URIS, clock=clock)

        assert await worker.run_once() == 5
        assert await counts(database) == {"delivered": 2, "pending": 3}
        assert await worker.run_once() == 0  # the retries are not due yet

        late_runner, _ = await serve(late.app(), [down], port)
        clock.advance(timedelta(minutes=1))
        assert await worker.run_once() == 3
    finally:
        await up_runner.cleanup()
        if late_runner is not None:
            await late_runner.cleanup()
    assert await counts(database) == {"delivered": 5}
    assert sorted(late.received) == targets[:3]
    assert set(late.received.values()) == set(up_receiver.received.values()) == {1}


async def test_a_dead_host_is_paused_and_tried_again_when_the_pause_ends(
    database: Database, group_key: KeyPair, http: aiohttp.ClientSession, clock: Clock
) -> None:
    dead = "127.0.0.60"
    sock = listen(dead)
    port = sock.getsockname()[1]
    sock.close()
    calls: Counter[str] = Counter()
    targets = [f"http://{dead}:{port}/inbox/{n}" for n in range(15)]
    await publish(database, await add_activity(database, group_key), targets)
    worker = DeliveryWorker(database, counting(http_send(http), calls), URIS, clock=clock)

    assert await worker.run_once() == 15  # 15 failures in a row: paused for a minute
    async with database.reading() as session:
        assert await hosts.host_paused(session, f"{dead}:{port}", clock())
    clock.advance(timedelta(seconds=50))  # the retries fall due, but the host is paused
    assert await worker.run_once() == 0
    assert calls[f"{dead}:{port}"] == 15

    receiver = Receiver()
    runner, _ = await serve(receiver.app(), [dead], port)
    try:
        clock.advance(timedelta(minutes=1))
        assert await worker.run_once() == 15
    finally:
        await runner.cleanup()
    assert calls[f"{dead}:{port}"] == 30
    assert sorted(receiver.received) == sorted(targets)
    async with database.reading() as session:
        health = await hosts.host_health(session, f"{dead}:{port}")
    assert (health.consecutive_failures, health.paused_until) == (0, None)


async def test_stopping_hands_back_unsent_rows_and_records_the_sent(
    database: Database, group_key: KeyPair, http: aiohttp.ClientSession, clock: Clock
) -> None:
    receiver = Receiver(delay=0.2)
    runner, port = await serve(receiver.app(), ["127.0.0.70"])
    try:
        targets = [f"http://127.0.0.70:{port}/inbox/{n}" for n in range(40)]
        await publish(database, await add_activity(database, group_key), targets)
        worker = DeliveryWorker(
            database, http_send(http), URIS, concurrency=4, batch=8, clock=clock
        )
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        async with asyncio.timeout(10):
            while sum(receiver.received.values()) < 6:
                await asyncio.sleep(0.01)
        stop.set()
        await task
    finally:
        await runner.cleanup()
    state = await counts(database)
    assert state["delivered"] == sum(receiver.received.values())
    async with database.reading() as session:
        # nothing is left leased: a restarted worker can send the rest at once
        claimed = await queue.claim(session, 100, clock(), timedelta(minutes=5), URIS)
        await session.rollback()
    assert len(claimed) == state["pending"] == 40 - state["delivered"]
    assert {item.attempts for item in claimed} == {1}


async def test_a_send_that_raises_costs_a_retry_not_the_worker(
    database: Database, group_key: KeyPair, clock: Clock
) -> None:
    async def broken(inbox: str, body: bytes, key_id: str, pem: str) -> SendResult:
        raise RuntimeError("bug in the client")

    await publish(database, await add_activity(database, group_key), ["https://a.example/inbox"])
    worker = DeliveryWorker(database, broken, URIS, clock=clock)
    assert await worker.run_once() == 1
    async with database.reading() as session:
        assert await queue.state_counts(session) == {"pending": 1}
