"""Announce: a followed actor boosts an object, or a group forwards its members' activities."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fedhub.federation.from_ap import CONTENT_TYPES, id_of, same_origin
from fedhub.federation.handlers.delete import remove_object
from fedhub.federation.inbox import Delivered
from fedhub.federation.ingest import store_object, trusted_object
from fedhub.store import boosts, follows, remote

# What a group forwards under FEP-1b12 (Lemmy, Guppe, NodeBB, Mbin): its members' activities.
FORWARDED = frozenset({"Create", "Update", "Delete"})


async def handle(incoming: Delivered) -> None:
    ctx = incoming.ctx
    async with ctx.database.reading() as session:
        followed = await follows.is_followed_by_anyone_here(session, incoming.actor.id)
    if not followed:
        async with incoming.once():
            return  # a boost from someone nobody here follows: accepted, ignored
    document = await trusted_object(ctx, incoming.activity.get("object"), incoming.actor.uri)
    if document.get("type") in FORWARDED:
        await _forwarded(incoming, document)
        return
    await _boosted(incoming, document)


async def _boosted(
    incoming: Delivered, document: dict[str, Any], sender: str | None = None
) -> None:
    """Keep a boosted object under its author, and the boost under its booster.

    `sender`: the actor of the forwarded activity that carried it, who must be its author.
    """
    ctx = incoming.ctx
    author_uri = id_of(document.get("attributedTo"))
    if document.get("type") not in CONTENT_TYPES or author_uri is None:
        async with incoming.once():
            return
    if sender is not None and author_uri not in (sender, incoming.actor.uri):
        async with incoming.once():
            return  # a member forwarding someone else's object: no change
    author = await ctx.resolver.actor(author_uri)
    # Mobilizon relays a group event written on a member's own server as the group's Announce:
    # the object is the group's, but lives on the member's server. The group's signed Announce
    # vouches for it, and `document` was fetched from its own origin (an embed is believed
    # only from the group's origin), so only the object-on-its-author's-server check is waived.
    # Once the group has vouched so, anyone's boost of that object (a Mastodon user sharing the
    # group's event) is recorded, the object refreshed from its own origin.
    relayed = author.id == incoming.actor.id and author.type == "Group"
    async with incoming.once() as session:
        if session is None:
            return
        if not relayed and author.type == "Group":
            kept = await remote.get_remote_object(session, str(document["id"]))
            relayed = kept is not None and kept.actor_id == author.id
        await store_object(session, document, author, relayed=relayed)
        await boosts.record_boost(session, incoming.id, incoming.actor.id, str(document["id"]))


async def _forwarded(incoming: Delivered, activity: dict[str, Any]) -> None:
    """FEP-1b12: a group sends its followers what its members do, each wrapped in its Announce.

    The wrapped activity is believed as the group's server embedded it when it is on the
    group's origin (its signed Announce vouches for it), else it was fetched from its own
    origin (`trusted_object`); its object is believed likewise from the activity's origin. A
    created or updated object is kept as a boost by the group (an Undo of the Announce takes it
    back); a deletion removes the object when the member who sent it may delete it, or when the
    object's own server says it is gone (a moderator's removal).
    """
    ctx = incoming.ctx
    sender_uri = id_of(activity.get("actor"))
    activity_id = str(activity["id"])
    if sender_uri is None or not same_origin(activity_id, sender_uri):
        async with incoming.once():
            return  # an activity not on its actor's server vouches for nothing
    if activity["type"] == "Delete":
        target = id_of(activity.get("object"))
        sender = await ctx.resolver.actor(sender_uri)
        # A moderator's removal: not the moderator's to delete, but its own server says so.
        gone = target is not None and await ctx.resolver.is_gone(target)
        async with incoming.once() as session:
            if session is not None and target is not None:
                await remove_object(session, sender, target, datetime.now(UTC), gone=gone)
        return
    document = await trusted_object(ctx, activity.get("object"), activity_id)
    await _boosted(incoming, document, sender=sender_uri)
