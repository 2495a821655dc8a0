"""Delete: an author removes an object, or an actor deletes itself."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete

from fedhub.federation.from_ap import id_of
from fedhub.federation.inbox import Delivered
from fedhub.store import remote
from fedhub.store.tables import Follower, Following


async def handle(incoming: Delivered) -> None:
    actor = incoming.actor
    target = id_of(incoming.activity.get("object"))
    async with incoming.once() as session:
        if session is None or target is None:
            return
        now = datetime.now(UTC)
        if target == actor.uri:
            actor.deleted_at = now
            await session.merge(actor)
            await session.execute(delete(Follower).where(Follower.remote_actor_id == actor.id))
            await session.execute(delete(Following).where(Following.remote_actor_id == actor.id))
            await remote.delete_remote_objects_of(session, actor)
            return
        row = await remote.get_remote_object(session, target)
        if row is None or row.actor_id != actor.id:
            return  # not ours to delete, or never seen: no change
        row.deleted_at = now
