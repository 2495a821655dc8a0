"""Following remote actors and answering those who follow ours: the social graph's use-cases."""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.errors import Conflict, InvalidInput, NotFound
from fedhub.federation.activity_to_ap import answer_to_ap, follow_to_ap, undo_to_ap
from fedhub.federation.context import FederationContext
from fedhub.federation.local_actors import actor_iri
from fedhub.federation.sending import send_to_actor
from fedhub.store import actors, follows, remote
from fedhub.store.tables import Following, LocalActor, RemoteActor


async def local_actor_row(session: AsyncSession, slug: str) -> LocalActor:
    """A group by slug; `actor` names the instance actor, for instance-to-instance follows."""
    if slug == actors.INSTANCE_ACTOR_SLUG:
        return await actors.get_instance_actor_row(session)
    return await actors.get_group_row(session, slug)


async def local_actor(ctx: FederationContext, slug: str) -> LocalActor:
    async with ctx.database.reading() as session:
        return await local_actor_row(session, slug)


def new_activity_id(ctx: FederationContext, actor: LocalActor) -> str:
    return ctx.uris.activity(actor_iri(ctx.uris, actor), secrets.token_urlsafe(12))


async def follow(ctx: FederationContext, slug: str, target: str) -> tuple[RemoteActor, str]:
    """Send Follow; the state is "pending" until the remote side accepts. Returns (actor, state)."""
    return await follow_as(ctx, await local_actor(ctx, slug), target)


async def follow_as(
    ctx: FederationContext, local: LocalActor, target: str
) -> tuple[RemoteActor, str]:
    """`follow` for any local actor, a member's Person included."""
    remote_actor = await ctx.resolver.resolve_target(target)
    if ctx.uris.is_local(remote_actor.uri):
        raise InvalidInput(f"{remote_actor.uri} is on this instance")
    async with ctx.database.transaction() as session:
        existing = await follows.get_following(session, local.id, remote_actor.id)
        if existing is not None and existing.state == "accepted":
            return remote_actor, existing.state
        local_iri = actor_iri(ctx.uris, local)
        document = follow_to_ap(new_activity_id(ctx, local), local_iri, remote_actor.uri)
        if existing is None:
            existing = Following(local_actor_id=local.id, remote_actor_id=remote_actor.id)
            session.add(existing)
        existing.state = "pending"
        existing.follow_activity_uri = document["id"]
        await send_to_actor(session, local, document, remote_actor, remote_actor.uri)
    ctx.wake_delivery()
    return remote_actor, "pending"


async def unfollow(ctx: FederationContext, slug: str, target: str) -> RemoteActor:
    return await unfollow_as(ctx, await local_actor(ctx, slug), target)


async def unfollow_as(ctx: FederationContext, local: LocalActor, target: str) -> RemoteActor:
    """Send Undo of the Follow and forget it; `unfollow` for any local actor."""
    remote_actor = await ctx.resolver.resolve_target(target)
    async with ctx.database.transaction() as session:
        row = await follows.get_following(session, local.id, remote_actor.id)
        if row is None:
            raise NotFound(f"{local.slug} does not follow {remote_actor.uri}")
        sent = await follows.get_outbox_activity(session, row.follow_activity_uri)
        follow_document = (
            sent.payload
            if sent is not None
            else follow_to_ap(row.follow_activity_uri, actor_iri(ctx.uris, local), remote_actor.uri)
        )
        undo = undo_to_ap(new_activity_id(ctx, local), actor_iri(ctx.uris, local), follow_document)
        await send_to_actor(session, local, undo, remote_actor, remote_actor.uri)
        await session.delete(row)
    ctx.wake_delivery()
    return remote_actor


async def answer_follower(ctx: FederationContext, slug: str, target: str, *, accept: bool) -> None:
    """Approve a pending follower, or refuse/remove one (a Reject, as Mastodon sends)."""
    local = await local_actor(ctx, slug)
    async with ctx.database.reading() as session:
        remote_actor = await remote.get_remote_actor(session, target)
    if remote_actor is None:
        remote_actor = await ctx.resolver.resolve_target(target)
    async with ctx.database.transaction() as session:
        row = await follows.get_follower(session, local.id, remote_actor.id)
        if row is None:
            raise NotFound(f"{remote_actor.uri} does not follow {slug}")
        if accept and row.state == "accepted":
            raise Conflict(f"{remote_actor.uri} is already a follower")
        local_iri = actor_iri(ctx.uris, local)
        kind = "Accept" if accept else "Reject"
        document = answer_to_ap(
            kind, new_activity_id(ctx, local), local_iri, row.follow_activity_uri, remote_actor.uri
        )
        if accept:
            row.state = "accepted"
        else:
            await session.delete(row)
        await send_to_actor(session, local, document, remote_actor)
    ctx.wake_delivery()
