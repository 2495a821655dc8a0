"""Follow: a remote actor asks to follow a local group (or the instance actor).

A member's Person publishes nothing, so a Follow of it is refused with a Reject, which ends the
request on the sender's side instead of leaving it pending there for ever.
"""

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
        if local.kind == "person":
            state = "rejected"
        else:
            manual = local.manually_approves_followers
            state = "pending" if manual else "accepted"
            existing = await follows.get_follower(session, local.id, incoming.actor.id)
            if existing is not None and existing.state == "accepted":
                state = "accepted"  # a repeated Follow is answered again, never downgraded
            await follows.put_follower(session, local.id, incoming.actor.id, state, incoming.id)
        if state != "pending":
            local_iri = actor_iri(ctx.uris, local)
            answer = answer_to_ap(
                "Accept" if state == "accepted" else "Reject",
                ctx.uris.activity(local_iri, secrets.token_urlsafe(12)),
                local_iri,
                incoming.id,
                incoming.actor.uri,
            )
            await send_to_actor(session, local, answer, incoming.actor)
    ctx.wake_delivery()
