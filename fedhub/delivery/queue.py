"""The delivery queue's queries: enqueue a fan-out, claim due rows under a lease, record results."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.delivery import hosts
from fedhub.delivery.policy import Outcome, SendResult, classify, next_attempt_at
from fedhub.domain.audience import inbox_host
from fedhub.store.tables import (
    Delivery,
    Follower,
    LocalActor,
    OutboxActivity,
    RemoteActor,
    utcnow,
)
from fedhub.uris import Uris

# A claim is a lease, not a state: the row stays `pending`, its `next_attempt_at` moves to the
# end of the lease and its `attempts` goes up by one. A worker killed mid-send therefore needs no
# recovery pass (the row falls due again when the lease ends, and the crash counted as an
# attempt, so a row that kills every worker is dropped in time), and every claim reads only the
# partial index on pending rows. `attempts` doubles as the lease's fence: a retry is written
# only if the row still carries the count its claim gave it.
PENDING, DELIVERED, FAILED, GONE = "pending", "delivered", "failed", "gone"

_deliveries = cast(Table, Delivery.__table__)
# Inline, not a bound parameter, so a prepared (generic) plan can still prove the partial
# index's predicate `state = 'pending'` and use `ix_deliveries_pending`.
_IS_PENDING = _deliveries.c.state == literal_column(f"'{PENDING}'")


@dataclass(frozen=True)
class Claimed:
    """A leased delivery with everything needed to sign and send it, and its fence."""

    delivery_id: int
    activity_id: int
    inbox: str
    host: str
    attempts: int
    body: bytes
    key_id: str
    private_key_pem: str


def signer_key_id(uris: Uris, kind: str, slug: str) -> str:
    """The key id a local actor signs with; groups, members' persons and the instance actor
    live at different IRIs."""
    if kind == "person":
        return uris.person_key(slug)
    return uris.instance_key() if kind == "application" else uris.group_key(slug)


def encode_payload(payload: dict[str, Any]) -> bytes:
    """The body sent for an activity: compact UTF-8 JSON, encoded once per activity per claim."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- enqueue ------------------------------------------------------------------------------


async def enqueue(
    session: AsyncSession,
    activity_id: int,
    inboxes: Sequence[str],
    now: datetime | None = None,
) -> int:
    """Queue one row per inbox, due now; an inbox already queued for the activity is skipped.

    Returns how many rows were new, so queueing the same activity twice sends nothing twice.
    Inboxes come from `delivery_inboxes`, which has already grouped shared inboxes. The rows go
    as one executemany, which SQLAlchemy batches into multi-row INSERTs within each driver's
    parameter limit (5x faster than building one big VALUES list here).
    """
    now = now or utcnow()
    if not inboxes:
        return 0
    rows = [
        {
            "activity_id": activity_id,
            "inbox": inbox,
            "host": inbox_host(inbox),
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for inbox in inboxes
    ]
    stmt = (
        (postgresql.insert if _is_postgresql(session) else sqlite.insert)(_deliveries)
        .on_conflict_do_nothing(index_elements=["activity_id", "inbox"])
        .returning(_deliveries.c.id)
    )
    inserted = len((await session.execute(stmt, rows)).all())
    return inserted


# --- claim --------------------------------------------------------------------------------


async def claim(
    session: AsyncSession, limit: int, now: datetime, lease: timedelta, uris: Uris
) -> list[Claimed]:
    """Lease up to `limit` due rows, oldest due first, and load what sending them needs.

    One UPDATE…RETURNING whose subquery walks the pending index; on PostgreSQL the subquery
    locks with SKIP LOCKED, so concurrent workers take disjoint rows without waiting. On SQLite
    the statement is a write from its first step, so it queues behind other writers instead of
    failing. Rows of paused hosts are handed straight back, due when the pause ends.
    """
    due = (
        select(_deliveries.c.id)
        .where(_IS_PENDING, _deliveries.c.next_attempt_at <= now)
        .order_by(_deliveries.c.next_attempt_at)
        .limit(limit)
    )
    if _is_postgresql(session):
        due = due.with_for_update(skip_locked=True)
    leased = (
        await session.execute(
            update(_deliveries)
            .where(_deliveries.c.id.in_(due.scalar_subquery()))
            .values(next_attempt_at=now + lease, attempts=_deliveries.c.attempts + 1)
            .returning(
                _deliveries.c.id,
                _deliveries.c.activity_id,
                _deliveries.c.inbox,
                _deliveries.c.host,
                _deliveries.c.attempts,
            )
        )
    ).all()
    if not leased:
        return []

    paused = await hosts.paused_hosts(session, {row.host for row in leased}, now)
    if paused:
        await _hand_back(
            session,
            [(row.id, row.attempts, paused[row.host]) for row in leased if row.host in paused],
        )

    signers = await _activities(session, {row.activity_id for row in leased}, uris)
    return [
        Claimed(
            delivery_id=row.id,
            activity_id=row.activity_id,
            inbox=row.inbox,
            host=row.host,
            attempts=row.attempts,
            body=signers[row.activity_id][0],
            key_id=signers[row.activity_id][1],
            private_key_pem=signers[row.activity_id][2],
        )
        for row in sorted(leased, key=lambda row: row.id)
        if row.host not in paused and row.activity_id in signers
    ]


async def _activities(
    session: AsyncSession, activity_ids: set[int], uris: Uris
) -> dict[int, tuple[bytes, str, str]]:
    """Body, key id and private key per activity: one query however many rows share them."""
    rows = await session.execute(
        select(
            OutboxActivity.id,
            OutboxActivity.payload,
            LocalActor.kind,
            LocalActor.slug,
            LocalActor.private_key_pem,
        )
        .join(LocalActor, OutboxActivity.actor_id == LocalActor.id)
        .where(OutboxActivity.id.in_(activity_ids))
    )
    return {
        row.id: (
            encode_payload(row.payload),
            signer_key_id(uris, row.kind, row.slug),
            row.private_key_pem,
        )
        for row in rows
    }


async def release(session: AsyncSession, items: Sequence[Claimed], due: datetime) -> None:
    """Hand leased rows back unsent, due at `due`; the attempt their claim counted is undone."""
    await _hand_back(session, [(item.delivery_id, item.attempts, due) for item in items])


async def _hand_back(session: AsyncSession, rows: Sequence[tuple[int, int, datetime]]) -> None:
    if not rows:
        return
    await session.execute(
        update(_deliveries)
        .where(
            _deliveries.c.id == bindparam("b_id"),
            _deliveries.c.attempts == bindparam("b_attempts"),
            _deliveries.c.state == PENDING,
        )
        .values(attempts=_deliveries.c.attempts - 1, next_attempt_at=bindparam("b_due")),
        [{"b_id": id_, "b_attempts": attempts, "b_due": due} for id_, attempts, due in rows],
    )


# --- record -------------------------------------------------------------------------------


def _describe(result: SendResult) -> str:
    if result.status is None:
        return result.error or "no response"
    return f"HTTP {result.status}" + (f": {result.error}" if result.error else "")


async def record(
    session: AsyncSession,
    results: Sequence[tuple[Claimed, SendResult]],
    now: datetime,
    rng: random.Random,
) -> dict[str, datetime]:
    """Write a batch of results with a handful of statements; returns hosts paused by it.

    Delivered, refused and gone rows are final whatever their fence says (a late answer is still
    the truth). A retry is written only if the row still carries its claim's attempt count, so a
    worker whose lease ran out cannot overwrite the claim that replaced it. A 410 stops every
    pending delivery to that inbox, not just this one.
    """
    final: list[dict[str, Any]] = []
    delivered: list[int] = []
    gone_inboxes: dict[tuple[str, str], str] = {}
    retries: list[dict[str, Any]] = []
    for item, result in results:
        outcome = classify(result.status, result.error, refused=result.refused)
        if outcome is Outcome.DELIVERED:
            delivered.append(item.delivery_id)
        elif outcome is Outcome.GONE:
            gone_inboxes[item.host, item.inbox] = _describe(result)
        elif outcome is Outcome.GIVE_UP:
            final.append(
                {"b_id": item.delivery_id, "b_state": FAILED, "b_error": _describe(result)}
            )
        else:
            when = next_attempt_at(item.attempts, now, result.retry_after, rng)
            if when is None:
                error = f"gave up after {item.attempts} attempts: {_describe(result)}"
                final.append({"b_id": item.delivery_id, "b_state": FAILED, "b_error": error})
            else:
                retries.append(
                    {
                        "b_id": item.delivery_id,
                        "b_attempts": item.attempts,
                        "b_due": when,
                        "b_error": _describe(result),
                    }
                )

    pending = _deliveries.c.state == PENDING
    if delivered:
        await session.execute(
            update(_deliveries)
            .where(_deliveries.c.id.in_(delivered), pending)
            .values(state=DELIVERED, last_error=None)
        )
    for (host, inbox), error in gone_inboxes.items():
        await session.execute(  # `host` is indexed; `inbox` alone is not
            update(_deliveries)
            .where(_deliveries.c.host == host, _deliveries.c.inbox == inbox, pending)
            .values(state=GONE, last_error=error)
        )
        # An actor whose own inbox is gone for good stops being a follower (a shared inbox
        # answering 410 says less about any one actor, so it does not).
        gone_actors = select(RemoteActor.id).where(RemoteActor.inbox == inbox)
        await session.execute(delete(Follower).where(Follower.remote_actor_id.in_(gone_actors)))
    if final:
        await session.execute(
            update(_deliveries)
            .where(_deliveries.c.id == bindparam("b_id"), pending)
            .values(state=bindparam("b_state"), last_error=bindparam("b_error")),
            final,
        )
    if retries:
        await session.execute(
            update(_deliveries)
            .where(
                _deliveries.c.id == bindparam("b_id"),
                _deliveries.c.attempts == bindparam("b_attempts"),
                pending,
            )
            .values(next_attempt_at=bindparam("b_due"), last_error=bindparam("b_error")),
            retries,
        )
    return await hosts.record_results(
        session, [(item.host, result) for item, result in results], now
    )


# --- inspection ---------------------------------------------------------------------------


async def pending_count(session: AsyncSession) -> int:
    """Rows not yet finished, leased or not: zero means every delivery has been settled."""
    count = await session.scalar(
        select(func.count()).select_from(_deliveries).where(_deliveries.c.state == PENDING)
    )
    return int(count or 0)


async def state_counts(session: AsyncSession, activity_id: int | None = None) -> dict[str, int]:
    """How many rows are in each state, overall or for one activity."""
    stmt = select(_deliveries.c.state, func.count()).group_by(_deliveries.c.state)
    if activity_id is not None:
        stmt = stmt.where(_deliveries.c.activity_id == activity_id)
    return {state: int(count) for state, count in (await session.execute(stmt)).all()}


async def purge_finished(session: AsyncSession, before: datetime) -> int:
    """Delete settled rows created before `before`; pending ones are never touched.

    Settled rows are kept a while because they make `enqueue` idempotent; this scans the table
    (nothing indexes `created_at`), which an hourly purge of a bounded table can afford.
    """
    result = await session.execute(
        _deliveries.delete()
        .where(_deliveries.c.state != PENDING, _deliveries.c.created_at < before)
        .returning(_deliveries.c.id)
    )
    return len(result.all())
