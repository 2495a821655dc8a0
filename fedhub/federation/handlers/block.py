"""Block: a remote actor blocks one of ours. As Mastodon does, both follows between them end.

The blocker stops being a follower (nothing more is delivered to it), and our actor's follow of
the blocker is marked rejected, as the blocker's server has dropped it too. Nothing else is kept:
an `Undo` of the Block restores no follow, on Mastodon either.
"""

from __future__ import annotations

from fedhub.federation.from_ap import id_of
from fedhub.federation.inbox import Delivered
from fedhub.federation.local_actors import local_actor_by_iri
from fedhub.store import follows


async def handle(incoming: Delivered) -> None:
    target = id_of(incoming.activity.get("object"))
    async with incoming.once() as session:
        if session is None or target is None:
            return
        local = await local_actor_by_iri(session, incoming.ctx.uris, target)
        if local is None:
            return  # not about one of ours: nothing to end
        await follows.remove_follower(session, local.id, incoming.actor.id)
        following = await follows.get_following(session, local.id, incoming.actor.id)
        if following is not None:
            following.state = "rejected"
