"""The per-host circuit breaker's rows: count failures, pause a host, reset it when it answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, or_, select, update
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
    pause_for_retry_after,
)
from fedhub.store.tables import Host

_hosts = cast(Table, Host.__table__)


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


async def record_results(
    session: AsyncSession, results: Sequence[tuple[str, SendResult]], now: datetime
) -> dict[str, datetime]:
    """The breaker's bookkeeping: a host that answered is reset, one that did not is counted.

    Only hosts in trouble get a row, so a healthy fan-out writes nothing here. Failures are added
    in the database (an upsert), so two workers failing on one host both count.
    """
    answered: set[str] = set()
    failures: Counter[str] = Counter()
    asked_to_wait: dict[str, datetime] = {}
    for host, result in results:
        outcome = classify(result.status, result.error, refused=result.refused)
        if counts_against_host(outcome):
            failures[host] += 1
        else:
            answered.add(host)
        wait = pause_for_retry_after(result.retry_after, now)
        if wait is not None and outcome is Outcome.RETRY:
            asked_to_wait[host] = max(wait, asked_to_wait.get(host, wait))

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
        stmt = _insert(session).values(
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


def _insert(session: AsyncSession) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(_hosts)
