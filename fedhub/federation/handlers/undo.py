"""Undo: a remote actor takes back its Follow, or its Announce (the boost leaves the network)."""

from __future__ import annotations

from typing import Any

from fedhub.federation.from_ap import id_of
from fedhub.federation.inbox import Delivered
from fedhub.federation.local_actors import local_actor_by_iri
from fedhub.store import boosts, follows


async def handle(incoming: Delivered) -> None:
    undone: Any = incoming.activity.get("object")
    undone_id = id_of(undone)
    embedded = undone if isinstance(undone, dict) else {}
    kind = embedded.get("type")
    if id_of(embedded.get("actor")) not in (None, incoming.actor.uri):
        return  # one cannot undo another's activity
    if kind not in (None, "Follow", "Announce"):
        async with incoming.once():
            return  # Undo of a Like or anything else: nothing of it is kept here
    async with incoming.once() as session:
        if session is None or undone_id is None:
            return
        # An Announce is found by its id in the boosts this very actor sent, embedded or not
        # (an Undo naming only the id is one of those).
        if kind in (None, "Announce"):
            boosted = await boosts.take_back(session, undone_id, incoming.actor.id)
            if boosted is not None:
                await boosts.release(session, boosted)
                return
        if kind == "Announce":
            return  # never received, or someone else's: no change
        row = await follows.get_follower_by_follow(session, undone_id, incoming.actor.id)
        if row is None and embedded:
            target = id_of(embedded.get("object")) or ""
            local = await local_actor_by_iri(session, incoming.ctx.uris, target)
            if local is not None:
                row = await follows.get_follower(session, local.id, incoming.actor.id)
        if row is not None:
            await follows.remove_follower(session, row.local_actor_id, row.remote_actor_id)
