"""Queries on follow relations in both directions, and on the activities local actors sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.store.tables import Follower, Following, OutboxActivity, RemoteActor


async def get_follower(
    session: AsyncSession, local_actor_id: int, remote_actor_id: int
) -> Follower | None:
    return await session.scalar(
        select(Follower).where(
            Follower.local_actor_id == local_actor_id, Follower.remote_actor_id == remote_actor_id
        )
    )


async def put_follower(
    session: AsyncSession, local_actor_id: int, remote_actor_id: int, state: str, follow_uri: str
) -> Follower:
    row = await get_follower(session, local_actor_id, remote_actor_id)
    if row is None:
        row = Follower(local_actor_id=local_actor_id, remote_actor_id=remote_actor_id)
        session.add(row)
    row.state = state
    row.follow_activity_uri = follow_uri
    await session.flush()
    return row


async def remove_follower(session: AsyncSession, local_actor_id: int, remote_actor_id: int) -> bool:
    result = await session.execute(
        delete(Follower).where(
            Follower.local_actor_id == local_actor_id, Follower.remote_actor_id == remote_actor_id
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def list_followers(
    session: AsyncSession, local_actor_id: int, state: str | None = None
) -> list[tuple[RemoteActor, Follower]]:
    query = (
        select(RemoteActor, Follower)
        .join(Follower, Follower.remote_actor_id == RemoteActor.id)
        .where(Follower.local_actor_id == local_actor_id)
        .order_by(Follower.id)
    )
    if state is not None:
        query = query.where(Follower.state == state)
    return [(actor, follower) for actor, follower in (await session.execute(query)).all()]


async def page_followers(
    session: AsyncSession, local_actor_id: int, state: str, *, before_id: int | None, limit: int
) -> tuple[list[tuple[RemoteActor, Follower]], int | None]:
    """One page of followers in `state`, newest first, and the id the next page starts
    before (None on the last page): a group may have thousands, a spammer may send thousands."""
    query = (
        select(RemoteActor, Follower)
        .join(Follower, Follower.remote_actor_id == RemoteActor.id)
        .where(Follower.local_actor_id == local_actor_id, Follower.state == state)
        .order_by(Follower.id.desc())
        .limit(limit + 1)
    )
    if before_id is not None:
        query = query.where(Follower.id < before_id)
    rows = [(actor, follower) for actor, follower in (await session.execute(query)).all()]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1][1].id if more else None


async def follower_inboxes(
    session: AsyncSession, local_actor_id: int
) -> list[tuple[str, str | None]]:
    """(inbox, shared inbox) of every accepted follower, for fan-out."""
    rows = await session.execute(
        select(RemoteActor.inbox, RemoteActor.shared_inbox)
        .join(Follower, Follower.remote_actor_id == RemoteActor.id)
        .where(
            Follower.local_actor_id == local_actor_id,
            Follower.state == "accepted",
            RemoteActor.deleted_at.is_(None),
        )
    )
    return [(inbox, shared) for inbox, shared in rows.all()]


async def get_following(
    session: AsyncSession, local_actor_id: int, remote_actor_id: int
) -> Following | None:
    return await session.scalar(
        select(Following).where(
            Following.local_actor_id == local_actor_id,
            Following.remote_actor_id == remote_actor_id,
        )
    )


async def get_following_by_follow(session: AsyncSession, follow_uri: str) -> Following | None:
    return await session.scalar(
        select(Following).where(Following.follow_activity_uri == follow_uri)
    )


async def list_following(
    session: AsyncSession, local_actor_id: int
) -> list[tuple[RemoteActor, Following]]:
    rows = await session.execute(
        select(RemoteActor, Following)
        .join(Following, Following.remote_actor_id == RemoteActor.id)
        .where(Following.local_actor_id == local_actor_id)
        .order_by(Following.id)
    )
    return [(actor, following) for actor, following in rows.all()]


async def is_followed_by_anyone_here(session: AsyncSession, remote_actor_id: int) -> bool:
    """Whether some local actor follows this remote actor (so its posts belong in the network)."""
    found = await session.scalar(
        select(Following.id).where(
            Following.remote_actor_id == remote_actor_id, Following.state == "accepted"
        )
    )
    return found is not None


async def add_outbox_activity(
    session: AsyncSession,
    actor_id: int,
    document: dict[str, Any],
    object_uri: str | None = None,
) -> OutboxActivity:
    row = OutboxActivity(
        uri=document["id"],
        actor_id=actor_id,
        type=document["type"],
        object_uri=object_uri,
        payload=document,
    )
    session.add(row)
    await session.flush()
    return row


async def get_outbox_activity(session: AsyncSession, uri: str) -> OutboxActivity | None:
    return await session.scalar(select(OutboxActivity).where(OutboxActivity.uri == uri))


async def get_follower_by_follow(
    session: AsyncSession, follow_uri: str, remote_actor_id: int
) -> Follower | None:
    return await session.scalar(
        select(Follower).where(
            Follower.follow_activity_uri == follow_uri, Follower.remote_actor_id == remote_actor_id
        )
    )
