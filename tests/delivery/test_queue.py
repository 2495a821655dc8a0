"""The queue's queries on SQLite and PostgreSQL: idempotent fan-out, disjoint leases, outcomes."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from fedhub.activitypub.keys import KeyPair
from fedhub.delivery import hosts, queue
from fedhub.delivery.policy import BREAKER_THRESHOLD, MAX_ATTEMPTS, SendResult
from fedhub.delivery.queue import Claimed
from fedhub.store.database import Database
from fedhub.store.tables import Delivery, Follower, LocalActor, RemoteActor
from tests.delivery.conftest import START, URIS, add_activity

LEASE = timedelta(minutes=5)


def inboxes(count: int, host: str = "peer.example") -> list[str]:
    return [f"https://{host}/users/{n}/inbox" for n in range(count)]


async def enqueue(database: Database, activity_id: int, targets: Sequence[str]) -> int:
    async with database.transaction() as session:
        return await queue.enqueue(session, activity_id, targets, START)


async def claim(database: Database, now: datetime = START, limit: int = 1000) -> list[Claimed]:
    async with database.transaction() as session:
        return await queue.claim(session, limit, now, LEASE, URIS)


async def record(
    database: Database, results: Sequence[tuple[Claimed, SendResult]], now: datetime = START
) -> dict[str, datetime]:
    async with database.transaction() as session:
        return await queue.record(session, results, now, random.Random(5))


async def rows(database: Database) -> dict[str, Delivery]:
    async with database.reading() as session:
        return {row.inbox: row for row in await session.scalars(select(Delivery))}


async def test_enqueue_is_idempotent_per_activity_and_inbox(
    database: Database, group_key: KeyPair
) -> None:
    activity = await add_activity(database, group_key)
    assert await enqueue(database, activity, inboxes(3)) == 3
    assert await enqueue(database, activity, inboxes(4)) == 1
    assert await enqueue(database, activity, []) == 0
    async with database.reading() as session:
        assert await queue.pending_count(session) == 4
    stored = await rows(database)
    assert {row.host for row in stored.values()} == {"peer.example"}
    assert {row.attempts for row in stored.values()} == {0}


async def test_enqueue_handles_a_large_fan_out_in_chunks(
    database: Database, group_key: KeyPair
) -> None:
    activity = await add_activity(database, group_key)
    assert await enqueue(database, activity, inboxes(2500)) == 2500
    async with database.reading() as session:
        assert await queue.state_counts(session, activity) == {"pending": 2500}


async def test_a_claim_carries_the_body_and_the_signer(
    database: Database, group_key: KeyPair
) -> None:
    activity = await add_activity(database, group_key, slug="tenants")
    await enqueue(database, activity, inboxes(1))
    [item] = await claim(database)
    assert json.loads(item.body)["type"] == "Create"
    assert "✊".encode() in item.body  # UTF-8 as is, not \u-escaped
    assert item.key_id == URIS.group_key("tenants")
    assert item.private_key_pem == group_key.private_pem
    assert item.attempts == 1
    assert item.host == "peer.example"


async def test_claims_take_disjoint_batches(database: Database, group_key: KeyPair) -> None:
    activity = await add_activity(database, group_key)
    await enqueue(database, activity, inboxes(50))
    batches = [await claim(database, limit=20) for _ in range(4)]
    assert [len(batch) for batch in batches] == [20, 20, 10, 0]
    ids = [item.delivery_id for batch in batches for item in batch]
    assert len(set(ids)) == 50


async def test_concurrent_claimers_never_share_a_row(
    database: Database, group_key: KeyPair
) -> None:
    activity = await add_activity(database, group_key)
    await enqueue(database, activity, inboxes(400))

    async def claimer() -> list[int]:
        mine: list[int] = []
        while batch := await claim(database, limit=7):
            mine += [item.delivery_id for item in batch]
            await asyncio.sleep(0)
        return mine

    taken = await asyncio.gather(*(claimer() for _ in range(8)))
    every = [id_ for ids in taken for id_ in ids]
    assert len(every) == len(set(every)) == 400


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_postgresql_skips_rows_another_claim_holds(
    database: Database, group_key: KeyPair
) -> None:
    """A claim still open in one transaction neither blocks a second claimer nor is shared.

    PostgreSQL only: SQLite has one writer at a time, so there is no held row to skip.
    """
    activity = await add_activity(database, group_key)
    await enqueue(database, activity, inboxes(60))
    async with database.transaction() as first:
        held = await queue.claim(first, 30, START, LEASE, URIS)
        second = await asyncio.wait_for(claim(database, limit=60), timeout=5)
    assert len(held) == len(second) == 30
    assert not {i.delivery_id for i in held} & {i.delivery_id for i in second}


async def test_an_expired_lease_is_claimed_again(database: Database, group_key: KeyPair) -> None:
    activity = await add_activity(database, group_key)
    await enqueue(database, activity, inboxes(5))
    first = await claim(database)
    assert await claim(database, START + LEASE - timedelta(seconds=1)) == []
    again = await claim(database, START + LEASE + timedelta(seconds=1))
    assert {i.delivery_id for i in again} == {i.delivery_id for i in first}
    assert {i.attempts for i in again} == {2}  # the lost attempt counts


async def test_a_late_result_from_an_expired_lease_cannot_reschedule(
    database: Database, group_key: KeyPair
) -> None:
    activity = await add_activity(database, group_key)
    await enqueue(database, activity, inboxes(1))
    [stale] = await claim(database)
    later = START + LEASE + timedelta(seconds=1)
    [fresh] = await claim(database, later)
    await record(database, [(stale, SendResult(status=500))], later)
    [row] = (await rows(database)).values()
    assert row.next_attempt_at == later + LEASE  # still the fresh claim's lease
    await record(database, [(stale, SendResult(status=202))], later)
    await record(database, [(fresh, SendResult(status=500))], later)
    [row] = (await rows(database)).values()
    assert row.state == "delivered"


async def test_delivered_rows_are_done(database: Database, group_key: KeyPair) -> None:
    activity = await add_activity(database, group_key)
    await enqueue(database, activity, inboxes(3))
    claimed = await claim(database)
    await record(database, [(item, SendResult(status=202)) for item in claimed])
    async with database.reading() as session:
        assert await queue.state_counts(session) == {"delivered": 3}
        assert await queue.pending_count(session) == 0
    assert await claim(database, START + timedelta(days=9)) == []


async def test_410_gone_stops_every_delivery_to_that_inbox(
    database: Database, group_key: KeyPair
) -> None:
    first = await add_activity(database, group_key, slug="first")
    second = await add_activity(database, group_key, slug="second")
    await enqueue(database, first, inboxes(2))
    [gone, other] = await claim(database)
    await enqueue(database, second, [gone.inbox])
    await record(database, [(gone, SendResult(status=410)), (other, SendResult(status=202))])
    async with database.reading() as session:
        assert await queue.state_counts(session, first) == {"gone": 1, "delivered": 1}
        assert await queue.state_counts(session, second) == {"gone": 1}


async def test_410_gone_removes_the_follower_behind_that_inbox(
    database: Database, group_key: KeyPair
) -> None:
    activity = await add_activity(database, group_key)
    targets = inboxes(2)
    async with database.transaction() as session:
        group = await session.scalar(select(LocalActor))
        assert group is not None
        for n, inbox in enumerate(targets):
            actor = RemoteActor(
                uri=f"https://peer.example/users/{n}",
                type="Person",
                domain="peer.example",
                inbox=inbox,
                shared_inbox="https://peer.example/inbox",
                raw={},
            )
            session.add(actor)
            await session.flush()
            session.add(
                Follower(
                    local_actor_id=group.id,
                    remote_actor_id=actor.id,
                    state="accepted",
                    follow_activity_uri=f"{actor.uri}/f",
                )
            )
    await enqueue(database, activity, targets)
    [gone, alive] = await claim(database)
    await record(database, [(gone, SendResult(status=410)), (alive, SendResult(status=202))])
    async with database.reading() as session:
        left = await session.scalars(
            select(RemoteActor.inbox).join(Follower, Follower.remote_actor_id == RemoteActor.id)
        )
        assert list(left) == [alive.inbox]


@pytest.mark.parametrize("status", [400, 403, 404, 422, 501])
async def test_other_4xx_give_up_at_once(
    database: Database, group_key: KeyPair, status: int
) -> None:
    activity = await add_activity(database, group_key)
    await enqueue(database, activity, inboxes(1))
    [item] = await claim(database)
    await record(database, [(item, SendResult(status=status, error="refused"))])
    [row] = (await rows(database)).values()
    assert row.state == "failed"
    assert row.last_error == f"HTTP {status}: refused"
    async with database.reading() as session:  # the host answered: no breaker row
        assert (await hosts.host_health(session, "peer.example")).consecutive_failures == 0


@pytest.mark.parametrize("result", [SendResult(503), SendResult(None, error="timeout")])
async def test_5xx_and_network_errors_retry_later(
    database: Database, group_key: KeyPair, result: SendResult
) -> None:
    activity = await add_activity(database, group_key)
    await enqueue(database, activity, inboxes(1))
    [item] = await claim(database)
    await record(database, [(item, result)])
    [row] = (await rows(database)).values()
    assert row.state == "pending"
    assert START + timedelta(seconds=15) <= row.next_attempt_at <= START + timedelta(seconds=45)
    assert row.last_error in ("HTTP 503", "timeout")
    assert await claim(database, START + timedelta(seconds=14)) == []
    [again] = await claim(database, START + timedelta(seconds=46))
    assert again.attempts == 2


async def test_429_retry_after_is_honoured_for_the_row_and_the_host(
    database: Database, group_key: KeyPair
) -> None:
    activity = await add_activity(database, group_key)
    await enqueue(database, activity, inboxes(2))
    [limited, waiting] = await claim(database)
    await queue_release(database, [waiting])
    until = START + timedelta(minutes=10)
    paused = await record(database, [(limited, SendResult(status=429, retry_after=until))])
    assert paused == {"peer.example": until}
    assert (await rows(database))[limited.inbox].next_attempt_at == until
    assert await claim(database, START + timedelta(minutes=9)) == []
    assert len(await claim(database, until)) == 2


async def queue_release(database: Database, items: Sequence[Claimed]) -> None:
    async with database.transaction() as session:
        await queue.release(session, items, START)


async def test_release_hands_a_claim_back_without_counting_it(
    database: Database, group_key: KeyPair
) -> None:
    activity = await add_activity(database, group_key)
    await enqueue(database, activity, inboxes(1))
    [item] = await claim(database)
    await queue_release(database, [item])
    [again] = await claim(database)
    assert again.attempts == 1


async def test_retries_give_up_after_about_two_days(database: Database, group_key: KeyPair) -> None:
    activity = await add_activity(database, group_key)
    await enqueue(database, activity, inboxes(1))
    now = START
    attempts = 0
    while True:
        [item] = await claim(database, now)
        attempts += 1
        await record(database, [(item, SendResult(status=502))], now)
        [row] = (await rows(database)).values()
        if row.state != "pending":
            break
        now = row.next_attempt_at
    assert attempts == MAX_ATTEMPTS
    assert row.state == "failed"
    assert row.last_error == f"gave up after {MAX_ATTEMPTS} attempts: HTTP 502"
    assert timedelta(hours=44) < now - START < timedelta(hours=52)


async def test_a_failing_host_is_paused_then_resumed(
    database: Database, group_key: KeyPair
) -> None:
    first = await add_activity(database, group_key, slug="first")
    await enqueue(database, first, inboxes(BREAKER_THRESHOLD, "down.example") + inboxes(3))
    claimed = await claim(database)
    results = [
        (item, SendResult(None, error="connection refused"))
        if item.host == "down.example"
        else (item, SendResult(status=202))
        for item in claimed
    ]
    paused = await record(database, results)
    resumes = START + timedelta(minutes=1)
    assert paused == {"down.example": resumes}
    async with database.reading() as session:
        assert await hosts.host_paused(session, "down.example", START)
        assert not await hosts.host_paused(session, "down.example", resumes)
        assert not await hosts.host_paused(session, "peer.example", START)

    # New work for the paused host waits for the pause to end, other hosts go on.
    second = await add_activity(database, group_key, slug="second")
    await enqueue(database, second, [*inboxes(1, "down.example"), *inboxes(1, "up.example")])
    [up] = await claim(database)
    assert up.host == "up.example"
    await record(database, [(up, SendResult(status=202))])
    [deferred] = (
        row
        for row in (await rows(database)).values()
        if row.activity_id == second and row.host == "down.example"
    )
    assert deferred.next_attempt_at == resumes
    assert deferred.attempts == 0  # a skip is not an attempt

    # The pause ends: the host is tried again, and one answer closes the breaker.
    retried = await claim(database, resumes + timedelta(minutes=5))
    assert {item.host for item in retried} == {"down.example"}
    assert len(retried) == BREAKER_THRESHOLD + 1
    await record(database, [(item, SendResult(status=202)) for item in retried], resumes)
    async with database.reading() as session:
        health = await hosts.host_health(session, "down.example")
        assert (health.consecutive_failures, health.paused_until) == (0, None)
        assert await queue.pending_count(session) == 0


async def test_failures_accumulate_across_batches(database: Database, group_key: KeyPair) -> None:
    activity = await add_activity(database, group_key)
    await enqueue(database, activity, inboxes(BREAKER_THRESHOLD, "flaky.example"))
    paused: dict[str, datetime] = {}
    for item in await claim(database):
        paused |= await record(database, [(item, SendResult(status=500))])
    assert set(paused) == {"flaky.example"}
    async with database.reading() as session:
        health = await hosts.host_health(session, "flaky.example")
    assert health.consecutive_failures == BREAKER_THRESHOLD


async def test_purge_keeps_pending_rows(database: Database, group_key: KeyPair) -> None:
    activity = await add_activity(database, group_key)
    await enqueue(database, activity, inboxes(3))
    [done, *_] = await claim(database)
    await record(database, [(done, SendResult(status=202))])
    async with database.transaction() as session:
        assert await queue.purge_finished(session, START + timedelta(days=1)) == 1
    async with database.reading() as session:
        assert await queue.state_counts(session) == {"pending": 2}
