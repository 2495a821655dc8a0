"""Whose object a Create, Update or Delete concerns: the sender's, or a group's its server vouches for."""

from __future__ import annotations

from typing import Any

from fedhub.errors import Forbidden
from fedhub.federation.context import FederationContext
from fedhub.federation.from_ap import ids_of, same_origin
from fedhub.store import remote
from fedhub.store.tables import RemoteActor


async def author_of(ctx: FederationContext, document: Any, sender: RemoteActor) -> RemoteActor:
    """The actor to keep `document` under; the sender unless it is attributed to a group.

    Mobilizon publishes a group's event as a `Create` by the member who wrote it, with the event
    `attributedTo` the Group. fedhub keeps such an object as the group's when the group is one
    it knows (every followed actor is) and the group's own server vouches for the object: its
    id is on the group's origin, and `document` is either what the sender embedded from that
    same origin (one server, holding both actors' keys) or what was fetched back from there
    (`ingest.trusted_object` refetches any other). Anything else attributed to someone other
    than the sender is refused, as before. Whether anyone here follows the group is the caller's
    question, as it is for any author.

    `document` must come from `trusted_object`; nothing is fetched or written here.
    """
    owners = ids_of(document.get("attributedTo")) if isinstance(document, dict) else []
    if not owners or sender.uri in owners:
        return sender  # the usual case; `ingest.check_author` still checks it when storing
    claimed = owners[0]
    refusal = f"the object is attributed to {claimed}, not to {sender.uri}"
    if not same_origin(str(document.get("id")), claimed):
        raise Forbidden(f"{refusal}, and is not on {claimed}'s server")
    async with ctx.database.reading() as session:
        group = await remote.get_remote_actor(session, claimed)
    if group is None or group.type != "Group":
        raise Forbidden(f"{refusal}, which is not a group this instance knows")
    return group


def may_delete(owner: RemoteActor, sender: RemoteActor, object_uri: str) -> bool:
    """Whether `sender` may delete the stored object `object_uri` kept under `owner`.

    Its owner may; so may a member of a Mobilizon group deleting the group's event when the
    signed sender is on the object's own origin, the server that holds and answers for it.
    That covers both ways fedhub keeps a group's object: on the group's origin (`author_of`:
    one server holds the group's and the member's keys) and relayed from a member's own server
    (`handlers.announce`), where the member's server is the object's authority, not the group's.
    Nobody on a third server may, nor anyone deleting a person's object.
    """
    if owner.id == sender.id:
        return True
    return owner.type == "Group" and same_origin(object_uri, sender.uri)
