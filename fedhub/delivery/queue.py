"""The delivery queue's queries: enqueue a fan-out, claim due rows under a lease, record results.

A claim is a lease, not a state: the row stays `pending`, its `next_attempt_at` moves to the end
of the lease and its `attempts` goes up by one. A worker killed mid-send therefore needs no
recovery pass (the row simply falls due again when the lease ends, and the crash counted as an
attempt, so a row that kills every worker is dropped in time), and every claim reads only the
partial index on pending rows. `attempts` doubles as the lease's fence: a result is written only
if the row still carries the count its claim gave it.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.delivery.policy import (
    HostHealth,
    Outcome,
    SendResult,
    breaker_after_failure,
    breaker_after_success,
    classify,
    counts_against_host,
    next_attempt_at,
    pause_for_retry_after,
)
from fedhub.domain.audience import inbox_host
from fedhub.store.tables import Delivery, Host, LocalActor, OutboxActivity, utcnow
from fedhub.uris import Uris

PENDING, DELIVERED, FAILED, GONE = "pending", "delivered", "failed", "gone"
_FINAL_STATE = {Outcome.DELIVERED: DELIVERED, Outcome.GIVE_UP: FAILED, Outcome.GONE: GONE}

# Rows per INSERT: well under SQLite's and asyncpg's bind-parameter limits.
_INSERT_CHUNK = 1000

_deliveries = cast(Table, Delivery.__table__)
_hosts = cast(Table, Host.__table__)


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
    """The key id a local actor signs with; groups and the instance actor live at different IRIs."""
    return uris.instance_key() if kind == "application" else uris.group_key(slug)


def encode_payload(payload: dict[str, Any]) -> bytes:
    """The body sent for an activity: compact UTF-8 JSON, encoded once per activity per claim."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _dialect_insert(session: AsyncSession, table: Table) -> Any:
    name = session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(table)


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
    Inboxes come from `delivery_inboxes`, which has already grouped shared inboxes.
    """
    now = now or utcnow()
    inserted = 0
    for start in range(0, len(inboxes), _INSERT_CHUNK):
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
            for inbox in inboxes[start : start + _INSERT_CHUNK]
        ]
        stmt = (
            _dialect_insert(session, _deliveries)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["activity_id", "inbox"])
            .returning(_deliveries.c.id)
        )
        inserted += len((await session.execute(stmt)).all())
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
        .where(_deliveries.c.state == PENDING, _deliveries.c.next_attempt_at <= now)
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

    paused = await paused_hosts(session, {row.host for row in leased}, now)
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
        if row.host not in paused
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


async def paused_hosts(
    session: AsyncSession, hosts: Iterable[str], now: datetime
) -> dict[str, datetime]:
    """The hosts among `hosts` whose breaker is open at `now`, with when each one reopens."""
    wanted = set(hosts)
    if not wanted:
        return {}
    rows = await session.execute(
        select(Host.host, Host.paused_until).where(
            Host.host.in_(wanted), Host.paused_until.is_not(None), Host.paused_until > now
        )
    )
    return {row.host: row.paused_until for row in rows}


async def host_paused(session: AsyncSession, host: str, now: datetime) -> bool:
    return host in await paused_hosts(session, [host], now)


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
    gone_inboxes: dict[str, str] = {}
    retries: list[dict[str, Any]] = []
    for item, result in results:
        outcome = classify(result.status, result.error)
        if outcome is Outcome.DELIVERED:
            delivered.append(item.delivery_id)
        elif outcome is Outcome.GONE:
            gone_inboxes[item.inbox] = _describe(result)
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
    for inbox, error in gone_inboxes.items():
        await session.execute(
            update(_deliveries)
            .where(_deliveries.c.inbox == inbox, pending)
            .values(state=GONE, last_error=error)
        )
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
    return await _update_hosts(session, results, now)


async def _update_hosts(
    session: AsyncSession, results: Sequence[tuple[Claimed, SendResult]], now: datetime
) -> dict[str, datetime]:
    """The breaker's bookkeeping: a host that answered is reset, one that did not is counted.

    Only hosts in trouble get a row, so a healthy fan-out writes nothing here. Failures are added
    in the database (an upsert), so two workers failing on one host both count.
    """
    answered: set[str] = set()
    failures: Counter[str] = Counter()
    asked_to_wait: dict[str, datetime] = {}
    for item, result in results:
        outcome = classify(result.status, result.error)
        if counts_against_host(outcome):
            failures[item.host] += 1
        else:
            answered.add(item.host)
        wait = pause_for_retry_after(result.retry_after, now)
        if wait is not None and outcome is Outcome.RETRY:
            asked_to_wait[item.host] = max(wait, asked_to_wait.get(item.host, wait))

    if answered:
        reset = breaker_after_success()
        await session.execute(
            update(_hosts)
            .where(
                _hosts.c.host.in_(answered),
                or_(_hosts.c.consecutive_failures > 0, _hosts.c.paused_until.is_not(None)),
            )
            .values(
                consecutive_failures=reset.consecutive_failures, paused_until=reset.paused_until
            )
        )
    failing = {host: count for host, count in failures.items() if host not in answered}
    paused: dict[str, datetime] = {}
    if failing:
        stmt = _dialect_insert(session, _hosts).values(
            [{"host": host, "consecutive_failures": n} for host, n in sorted(failing.items())]
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["host"],
            set_={
                "consecutive_failures": _hosts.c.consecutive_failures
                + stmt.excluded.consecutive_failures
            },
        ).returning(_hosts.c.host, _hosts.c.consecutive_failures, _hosts.c.paused_until)
        for row in (await session.execute(stmt)).all():
            until = breaker_after_failure(row.consecutive_failures, now)
            wait = asked_to_wait.get(row.host)
            if wait is not None:
                until = max(until, wait) if until is not None else wait
            if until is not None and (row.paused_until is None or until > row.paused_until):
                paused[row.host] = until
    for host, until in paused.items():
        await session.execute(
            update(_hosts).where(_hosts.c.host == host).values(paused_until=until)
        )
    return paused


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
    """Delete settled rows created before `before`; pending ones are never touched."""
    result = await session.execute(
        _deliveries.delete()
        .where(_deliveries.c.state != PENDING, _deliveries.c.created_at < before)
        .returning(_deliveries.c.id)
    )
    return len(result.all())


async def host_health(session: AsyncSession, host: str) -> HostHealth:
    """A host's breaker state; a host never in trouble has no row and reads as healthy."""
    row = (
        await session.execute(
            select(Host.consecutive_failures, Host.paused_until).where(Host.host == host)
        )
    ).first()
    if row is None:
        return breaker_after_success()
    return HostHealth(row.consecutive_failures, row.paused_until)
