"""Who boosted what, and whether a boosted object is still wanted in the network view."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.store.follows import is_followed_by_anyone_here
from fedhub.store.tables import Following, OutboxActivity, RemoteBoost, RemoteObject


async def record_boost(
    session: AsyncSession, announce_uri: str, actor_id: int, object_uri: str
) -> None:
    """Remember an Announce, so that only its own Undo takes this one boost back."""
    known = await session.scalar(
        select(RemoteBoost.id).where(RemoteBoost.announce_uri == announce_uri)
    )
    if known is None:
        session.add(
            RemoteBoost(announce_uri=announce_uri, actor_id=actor_id, object_uri=object_uri)
        )
        await session.flush()


async def take_back(session: AsyncSession, announce_uri: str, actor_id: int) -> str | None:
    """Forget this actor's Announce; the object it boosted, or None if it sent no such boost."""
    row = await session.scalar(
        select(RemoteBoost).where(
            RemoteBoost.announce_uri == announce_uri, RemoteBoost.actor_id == actor_id
        )
    )
    if row is None:
        return None
    await session.delete(row)
    await session.flush()
    return row.object_uri


async def take_back_all(session: AsyncSession, actor_id: int) -> set[str]:
    """Forget every boost of an actor that is gone; the objects they boosted."""
    removed = await session.scalars(
        delete(RemoteBoost)
        .where(RemoteBoost.actor_id == actor_id)
        .returning(RemoteBoost.object_uri)
    )
    return set(removed.all())


async def is_boosted_by_someone_followed(session: AsyncSession, object_uri: str) -> bool:
    found = await session.scalar(
        select(RemoteBoost.id)
        .join(Following, Following.remote_actor_id == RemoteBoost.actor_id)
        .where(RemoteBoost.object_uri == object_uri, Following.state == "accepted")
        .limit(1)
    )
    return found is not None


async def is_shared_here(session: AsyncSession, object_uri: str) -> bool:
    """Whether some local actor's latest Announce or Undo of the object is an Announce."""
    rows = await session.execute(
        select(OutboxActivity.actor_id, OutboxActivity.type)
        .where(
            OutboxActivity.object_uri == object_uri,
            OutboxActivity.type.in_(("Announce", "Undo")),
        )
        .order_by(OutboxActivity.id)
    )
    latest = {actor_id: kind for actor_id, kind in rows.all()}
    return "Announce" in latest.values()


async def release(session: AsyncSession, object_uri: str) -> bool:
    """Drop an object no boost keeps any more; True if it left the network view.

    It stays while someone here follows its author, a followed actor still boosts it, or a
    local group shares it: it is in the view on any of those accounts.
    """
    row = await session.scalar(select(RemoteObject).where(RemoteObject.uri == object_uri))
    if row is None:
        return False
    if await is_followed_by_anyone_here(session, row.actor_id):
        return False
    if await is_boosted_by_someone_followed(session, object_uri):
        return False
    if await is_shared_here(session, object_uri):
        return False
    await session.delete(row)
    await session.flush()
    return True
