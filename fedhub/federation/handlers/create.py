"""Create and Update: an article, event or note (or an actor's new profile) from its author."""

from __future__ import annotations

from fedhub.federation.from_ap import CONTENT_TYPES, id_of
from fedhub.federation.inbox import Delivered
from fedhub.federation.ingest import store_object, trusted_object
from fedhub.store import follows, remote


async def handle(incoming: Delivered) -> None:
    ctx, actor = incoming.ctx, incoming.actor
    value = incoming.activity.get("object")
    if incoming.type == "Update" and id_of(value) == actor.uri:
        # An actor's new profile: refetched from its origin rather than believed as sent.
        await ctx.resolver.actor(actor.uri, refresh=True)
        async with incoming.once():
            return
    document = await trusted_object(ctx, value, actor)
    if document.get("type") not in CONTENT_TYPES:
        async with incoming.once():
            return  # accepted and ignored: not something the network view shows
    async with incoming.once() as session:
        if session is None:
            return
        if incoming.type == "Update":
            existing = await remote.get_remote_object(session, str(document["id"]))
            if existing is None or existing.actor_id != actor.id:
                return  # an edit of something we never had, or of someone else's: no change
        elif not await follows.is_followed_by_anyone_here(session, actor.id):
            return  # nobody here follows this actor: unsolicited content is not kept
        # An embedded object was validated with its activity (remote-create embeds remote-object).
        await store_object(session, document, actor, validated=document is value)
