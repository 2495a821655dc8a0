"""Sharing (boosting) a followed group's article or event to a group's own followers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from fedhub.actions.follows import local_actor, new_activity_id
from fedhub.errors import InvalidDocument, NotFound
from fedhub.federation.activity_to_ap import announce_to_ap, undo_to_ap
from fedhub.federation.context import FederationContext
from fedhub.federation.from_ap import CONTENT_TYPES, id_of
from fedhub.federation.ingest import store_object
from fedhub.federation.local_actors import actor_iri, followers_iri
from fedhub.federation.sending import send_to_followers
from fedhub.store.tables import OutboxActivity


async def share(ctx: FederationContext, slug: str, object_id: str) -> str:
    """Announce the object's id to the group's followers and its author; returns the Announce id."""
    local = await local_actor(ctx, slug)
    document = await ctx.resolver.fetch(object_id)
    if document.get("type") not in CONTENT_TYPES:
        raise InvalidDocument(f"{object_id} is not an article, event or post")
    author_uri = id_of(document.get("attributedTo"))
    if author_uri is None:
        raise InvalidDocument(f"{object_id} has no author")
    author = await ctx.resolver.actor(author_uri)
    local_iri = actor_iri(ctx.uris, local)
    announce = announce_to_ap(
        new_activity_id(ctx, local),
        local_iri,
        followers_iri(ctx.uris, local),
        str(document["id"]),
        author.uri,
        datetime.now(UTC),
    )
    async with ctx.database.transaction() as session:
        await store_object(session, document, author)
        await send_to_followers(session, local, announce, str(document["id"]), also=[author])
    ctx.wake_delivery()
    return str(announce["id"])


async def unshare(ctx: FederationContext, slug: str, object_id: str) -> str:
    local = await local_actor(ctx, slug)
    async with ctx.database.transaction() as session:
        sent = await session.scalar(
            select(OutboxActivity)
            .where(
                OutboxActivity.actor_id == local.id,
                OutboxActivity.type.in_(("Announce", "Undo")),
                OutboxActivity.object_uri == object_id,
            )
            .order_by(OutboxActivity.id.desc())
            .limit(1)
        )
        if sent is None or sent.type != "Announce":  # never shared, or already taken back
            raise NotFound(f"{slug} has not shared {object_id}")
        undo = undo_to_ap(new_activity_id(ctx, local), actor_iri(ctx.uris, local), sent.payload)
        author = await ctx.resolver.actor(str(sent.payload["cc"][-1]))
        await send_to_followers(session, local, undo, object_id, also=[author])
    ctx.wake_delivery()
    return str(undo["id"])
