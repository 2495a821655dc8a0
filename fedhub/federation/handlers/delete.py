"""Delete: an author (or its group's member) removes an object, or an actor deletes itself."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.federation.attribution import may_delete
from fedhub.federation.from_ap import id_of
from fedhub.federation.inbox import Delivered
from fedhub.store import boosts, remote
from fedhub.store.tables import Follower, Following, RemoteActor


async def handle(incoming: Delivered) -> None:
    actor = incoming.actor
    target = id_of(incoming.activity.get("object"))
    async with incoming.once() as session:
        if session is None or target is None:
            return
        now = datetime.now(UTC)
        if target == actor.uri:
            await forget_actor(session, await session.merge(actor), now)
            return
        await remove_object(session, actor, target, now)


async def forget_actor(session: AsyncSession, actor: RemoteActor, now: datetime) -> None:
    """An actor gone (deleted, or its domain blocked): its follows both ways, its objects and
    its boosts go; what its boosts alone kept in the network view leaves it."""
    actor.deleted_at = now
    await session.execute(delete(Follower).where(Follower.remote_actor_id == actor.id))
    await session.execute(delete(Following).where(Following.remote_actor_id == actor.id))
    await remote.delete_remote_objects_of(session, actor)
    for boosted in await boosts.take_back_all(session, actor.id):
        await boosts.release(session, boosted)


async def remove_object(
    session: AsyncSession, sender: RemoteActor, target: str, now: datetime, *, gone: bool = False
) -> None:
    """Mark a stored object deleted if it is `sender`'s to delete, or `gone` (its own server
    says so, `Resolver.is_gone`); else change nothing."""
    row = await remote.get_remote_object(session, target)
    if row is None:
        return  # never seen: no change
    owner = sender if row.actor_id == sender.id else await session.get(RemoteActor, row.actor_id)
    if not gone and (owner is None or not may_delete(owner, sender, target)):
        return  # not the sender's to delete: no change
    row.deleted_at = now
