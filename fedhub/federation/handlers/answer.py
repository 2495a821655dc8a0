"""Accept and Reject: a remote actor answers a Follow one of our actors sent."""

from __future__ import annotations

from fedhub.federation.backfill import backfill_outbox
from fedhub.federation.from_ap import id_of
from fedhub.federation.inbox import Delivered
from fedhub.store import follows


async def handle(incoming: Delivered) -> None:
    follow_id = id_of(incoming.activity.get("object"))
    accepted = incoming.type == "Accept"
    async with incoming.once() as session:
        if session is None or follow_id is None:
            return
        row = await follows.get_following_by_follow(session, follow_id)
        # Only the followed actor may answer; anyone else's answer changes nothing.
        if row is None or row.remote_actor_id != incoming.actor.id:
            return
        row.state = "accepted" if accepted else "rejected"
    if accepted:
        incoming.ctx.spawn(backfill_outbox(incoming.ctx, incoming.actor), "outbox backfill")
