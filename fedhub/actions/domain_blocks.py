"""The admin's domain blocks: a hostile server is cut off, and what it left here goes.

Blocking a domain does what Mastodon's "suspend" does: its actors' follows both ways end (no
group delivers to them any more), their objects and boosts leave the network view, and what is
still queued for their inboxes is dropped. From then on the server's requests are refused
before any key is fetched, and nothing on it is fetched (`federation/blocklist.py`).
Unblocking forgets the block only: follows do not come back by themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update

from fedhub.delivery.queue import FAILED, PENDING
from fedhub.errors import Conflict, NotFound
from fedhub.federation.blocklist import blocked_by, normalise_domain
from fedhub.federation.context import FederationContext
from fedhub.federation.handlers.delete import forget_actor
from fedhub.store.tables import Delivery, DomainBlock, RemoteActor

MAX_REASON = 1000


@dataclass(frozen=True)
class Blocked:
    """One block as the admin sees it, with what blocking it removed."""

    domain: str
    reason: str
    created_at: datetime
    actors_removed: int = 0
    deliveries_dropped: int = 0


async def block_domain(ctx: FederationContext, text: str, reason: str = "") -> Blocked:
    domain = normalise_domain(text)
    reason = " ".join(reason.split())[:MAX_REASON]
    now = datetime.now(UTC)
    async with ctx.database.transaction() as session:
        if await session.get(DomainBlock, domain) is not None:
            raise Conflict(f"{domain} is already blocked")
        session.add(DomainBlock(domain=domain, reason=reason, created_at=now))
        actors = (
            await session.scalars(
                select(RemoteActor).where(
                    RemoteActor.domain.contains(domain.partition(":")[0], autoescape=True),
                    RemoteActor.deleted_at.is_(None),
                )
            )
        ).all()
        removed = [a for a in actors if blocked_by([domain], f"//{a.domain}")]
        for actor in removed:
            await forget_actor(session, actor, now)
        pending = await session.execute(
            select(Delivery.id, Delivery.host).where(Delivery.state == PENDING)
        )
        dropped = [id_ for id_, host in pending.all() if blocked_by([domain], f"//{host}")]
        if dropped:
            await session.execute(
                update(Delivery)
                .where(Delivery.id.in_(dropped))
                .values(state=FAILED, last_error=f"{domain} is blocked")
            )
    ctx.resolver.blocklist.forget()
    return Blocked(domain, reason, now, len(removed), len(dropped))


async def unblock_domain(ctx: FederationContext, text: str) -> str:
    domain = normalise_domain(text)
    async with ctx.database.transaction() as session:
        row = await session.get(DomainBlock, domain)
        if row is None:
            raise NotFound(f"{domain} is not blocked")
        await session.delete(row)
    ctx.resolver.blocklist.forget()
    return domain


async def list_blocks(ctx: FederationContext) -> list[Blocked]:
    async with ctx.database.reading() as session:
        rows = await session.scalars(select(DomainBlock).order_by(DomainBlock.domain))
        return [Blocked(row.domain, row.reason, row.created_at) for row in rows]
