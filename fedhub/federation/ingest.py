"""Takes in a remote object for the network view, once its origin and author are checked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.activitypub.schemas import validate
from fedhub.errors import Forbidden, InvalidDocument
from fedhub.federation.context import FederationContext
from fedhub.federation.from_ap import id_of, object_from_ap, same_origin
from fedhub.store import remote
from fedhub.store.tables import RemoteActor, RemoteObject


async def trusted_object(ctx: FederationContext, value: Any, vouching: str) -> dict[str, Any]:
    """The object an activity carries, trusted only when it comes from the origin of `vouching`.

    `vouching` is the signed sender's id, or the id of an activity already trusted. An embedded
    object from another origin is fetched again from its own origin, never believed.
    """
    object_id = id_of(value)
    if object_id is None:
        raise InvalidDocument("the activity has no object")
    if isinstance(value, dict) and same_origin(object_id, vouching):
        return value
    return await ctx.resolver.fetch(object_id)


def check_author(document: dict[str, Any], author: RemoteActor, *, relayed: bool = False) -> None:
    """Refuse an object not attributed to `author`, or not on its server unless `relayed`.

    `relayed`: a Group's signed Announce vouches for its member's object on another server,
    which was fetched from its own origin (see `handlers.announce`).
    """
    attributed = id_of(document.get("attributedTo"))
    if isinstance(document.get("attributedTo"), list):
        owners = [id_of(item) for item in document["attributedTo"]]
        attributed = author.uri if author.uri in owners else (owners[0] if owners else None)
    if attributed != author.uri:
        raise Forbidden(f"the object is attributed to {attributed}, not to {author.uri}")
    if not relayed and not same_origin(str(document.get("id")), author.uri):
        raise Forbidden("the object is not on its author's server")


def object_row(
    document: dict[str, Any],
    author: RemoteActor,
    *,
    validated: bool = False,
    relayed: bool = False,
) -> remote.ObjectRow:
    """An object checked and sanitised for storing, refused before anything is written.

    `validated` when it came embedded in an activity checked as a whole.
    """
    if not validated:
        validate(document, "remote-object")
    check_author(document, author, relayed=relayed)
    return remote.ObjectRow(object_from_ap(document), author.id, document)


async def store_object(
    session: AsyncSession,
    document: dict[str, Any],
    author: RemoteActor,
    *,
    validated: bool = False,
    relayed: bool = False,
) -> RemoteObject:
    """Store an object; `validated` when it came embedded in an activity checked as a whole."""
    row = object_row(document, author, validated=validated, relayed=relayed)
    return await remote.put_remote_object(session, row.fields, author, document)


@dataclass(frozen=True)
class Created:
    """A Create whose object passed every check: its id to record, and the row it may keep."""

    activity: remote.SeenActivity
    row: remote.ObjectRow


async def store_created(session: AsyncSession, created: Sequence[Created]) -> list[bool]:
    """Record many Creates and keep the objects of followed authors, in four statements at most.

    The inbox's hottest path, written a lot at a time by the group commit (`Delivered.write`).
    True for each object kept; an id seen before, or a second copy in the lot, changes nothing,
    and so does content from an author nobody here follows (unsolicited, recorded, not kept).
    """
    recorded = await remote.record_activities(session, [c.activity for c in created])
    fresh: list[int] = []
    for index, arrival in enumerate(created):
        if arrival.activity.uri in recorded:
            recorded.discard(arrival.activity.uri)  # a later copy in this lot is a repeat
            fresh.append(index)
    followed = await remote.followed_actor_ids(session, {created[i].row.actor_id for i in fresh})
    kept = {i for i in fresh if created[i].row.actor_id in followed}
    await remote.put_remote_objects(session, [created[i].row for i in sorted(kept)])
    return [index in kept for index in range(len(created))]
