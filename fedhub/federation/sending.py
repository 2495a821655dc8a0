"""Queues what a local actor sends: stored as an activity (so its id dereferences), then fanned out."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.activitypub.jsonld import PUBLIC
from fedhub.delivery.queue import enqueue
from fedhub.domain.audience import delivery_inboxes
from fedhub.federation.activity_to_ap import announce_to_ap, update_to_ap
from fedhub.federation.local_actors import actor_iri, followers_iri
from fedhub.store import actors, follows
from fedhub.store.tables import LocalActor, OutboxActivity, RemoteActor
from fedhub.uris import Uris


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


async def send_profile(
    session: AsyncSession,
    uris: Uris,
    actor: LocalActor,
    document: dict[str, Any],
    also: Sequence[RemoteActor] = (),
) -> OutboxActivity:
    """The actor's changed document as a public Update to its followers, as Mastodon sends it,
    so their copies (name, icon, key) do not wait to go stale."""
    iri = actor_iri(uris, actor)
    update = update_to_ap(
        uris.activity(iri, secrets.token_urlsafe(12)), iri, document, datetime.now(UTC)
    )
    update["to"] = [PUBLIC]
    update["cc"] = [followers_iri(uris, actor)]
    return await send_to_followers(session, actor, update, iri, also)


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


async def relay_to_instance_followers(
    session: AsyncSession, uris: Uris, object_id: str, author: str
) -> None:
    """Instances that follow this one get an Announce of each new post from the instance actor."""
    instance = await actors.get_instance_actor_row(session)
    if not await follows.follower_inboxes(session, instance.id):
        return
    announce = announce_to_ap(
        uris.activity(uris.instance_actor(), secrets.token_urlsafe(12)),
        uris.instance_actor(),
        uris.instance_followers(),
        object_id,
        author,
        datetime.now(UTC),
    )
    await send_to_followers(session, instance, announce, object_id)
