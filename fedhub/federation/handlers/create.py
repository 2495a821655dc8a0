"""Create and Update: an article, event or note (or an actor's new profile) from its author."""

from __future__ import annotations

from fedhub.federation.attribution import author_of
from fedhub.federation.from_ap import CONTENT_TYPES, id_of
from fedhub.federation.inbox import Delivered
from fedhub.federation.ingest import Created, object_row, store_created, trusted_object
from fedhub.store import remote


async def handle(incoming: Delivered) -> None:
    ctx, actor = incoming.ctx, incoming.actor
    value = incoming.activity.get("object")
    if incoming.type == "Update" and id_of(value) == actor.uri:
        # An actor's new profile: refetched from its origin rather than believed as sent.
        await ctx.resolver.actor(actor.uri, refresh=True)
        async with incoming.once():
            return
    document = await trusted_object(ctx, value, actor.uri)
    if document.get("type") not in CONTENT_TYPES:
        async with incoming.once():
            return  # accepted and ignored: not something the network view shows
    author = await author_of(ctx, document, actor)  # a Mobilizon group's event: the group
    # Checked before anything is written; an embedded object was validated with its activity
    # (remote-create embeds remote-object).
    row = object_row(document, author, validated=document is value)
    if incoming.type == "Create":
        # Kept only if someone here follows its author: `store_created` asks, for a lot at once.
        seen = remote.SeenActivity(incoming.id, incoming.type, actor.uri)
        await incoming.write(Created(seen, row), store_created)
        return
    async with incoming.once() as session:
        if session is None:
            return
        existing = await remote.get_remote_object(session, str(document["id"]))
        if existing is None or existing.actor_id != author.id:
            return  # an edit of something we never had, or of someone else's: no change
        await remote.put_remote_object(session, row.fields, author, document)
