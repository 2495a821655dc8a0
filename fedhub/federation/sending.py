"""Queues what a local actor sends: stored as an activity (so its id dereferences), then fanned out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.delivery.queue import enqueue
from fedhub.domain.audience import delivery_inboxes
from fedhub.store import follows
from fedhub.store.tables import LocalActor, OutboxActivity, RemoteActor


async def send_to_followers(
    session: AsyncSession,
    actor: LocalActor,
    document: dict[str, Any],
    object_uri: str | None = None,
    also: Sequence[RemoteActor] = (),
) -> OutboxActivity:
    """One delivery per distinct inbox of the actor's accepted followers (shared inboxes grouped)."""
    activity = await follows.add_outbox_activity(session, actor.id, document, object_uri)
    recipients = await follows.follower_inboxes(session, actor.id)
    recipients += [(extra.inbox, extra.shared_inbox) for extra in also]
    await enqueue(session, activity.id, delivery_inboxes(recipients))
    return activity


async def send_to_actor(
    session: AsyncSession,
    actor: LocalActor,
    document: dict[str, Any],
    recipient: RemoteActor,
    object_uri: str | None = None,
) -> OutboxActivity:
    """A direct activity (Follow, Accept, Undo) goes to the recipient's own inbox."""
    activity = await follows.add_outbox_activity(session, actor.id, document, object_uri)
    await enqueue(session, activity.id, [recipient.inbox])
    return activity
