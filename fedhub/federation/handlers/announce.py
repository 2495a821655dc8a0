"""Announce: a followed actor boosts an object, which is fetched from its own origin."""

from __future__ import annotations

from fedhub.federation.from_ap import CONTENT_TYPES, id_of
from fedhub.federation.inbox import Delivered
from fedhub.federation.ingest import store_object, trusted_object
from fedhub.store import boosts, follows


async def handle(incoming: Delivered) -> None:
    ctx = incoming.ctx
    async with ctx.database.reading() as session:
        followed = await follows.is_followed_by_anyone_here(session, incoming.actor.id)
    if not followed:
        async with incoming.once():
            return  # a boost from someone nobody here follows: accepted, ignored
    document = await trusted_object(ctx, incoming.activity.get("object"), incoming.actor)
    author_uri = id_of(document.get("attributedTo"))
    if document.get("type") not in CONTENT_TYPES or author_uri is None:
        async with incoming.once():
            return
    author = await ctx.resolver.actor(author_uri)
    # Mobilizon relays a group event written on a member's own server as the group's Announce:
    # the object is the group's, but lives on the member's server. The group's signed Announce
    # vouches for it, and `document` was fetched from its own origin (an embed is believed
    # only from the group's origin), so only the object-on-its-author's-server check is waived.
    relayed = author.id == incoming.actor.id and author.type == "Group"
    async with incoming.once() as session:
        if session is None:
            return
        await store_object(session, document, author, relayed=relayed)
        await boosts.record_boost(session, incoming.id, incoming.actor.id, str(document["id"]))
