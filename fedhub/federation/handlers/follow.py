"""Follow: a remote actor asks to follow a local group (or the instance actor)."""

from __future__ import annotations

import secrets

from fedhub.errors import NotFound
from fedhub.federation.activity_to_ap import answer_to_ap
from fedhub.federation.from_ap import id_of
from fedhub.federation.inbox import Delivered
from fedhub.federation.local_actors import actor_iri, local_actor_by_iri
from fedhub.federation.sending import send_to_actor
from fedhub.store import follows


async def handle(incoming: Delivered) -> None:
    target = id_of(incoming.activity.get("object"))
    ctx = incoming.ctx
    async with incoming.once() as session:
        if session is None:
            return
        local = await local_actor_by_iri(session, ctx.uris, target or "")
        if local is None:
            raise NotFound(f"{target} is not an actor of this instance")
        manual = local.manually_approves_followers
        state = "pending" if manual else "accepted"
        existing = await follows.get_follower(session, local.id, incoming.actor.id)
        if existing is not None and existing.state == "accepted":
            state = "accepted"  # a repeated Follow is answered again, never downgraded
        await follows.put_follower(session, local.id, incoming.actor.id, state, incoming.id)
        if state == "accepted":
            local_iri = actor_iri(ctx.uris, local)
            accept = answer_to_ap(
                "Accept",
                ctx.uris.activity(local_iri, secrets.token_urlsafe(12)),
                local_iri,
                incoming.id,
                incoming.actor.uri,
            )
            await send_to_actor(session, local, accept, incoming.actor)
    ctx.wake_delivery()
