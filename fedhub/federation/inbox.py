"""The inbox pipeline: parse, verify the signature, check who may do what, then route once."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.activitypub.schemas import has_schema, validate
from fedhub.activitypub.signatures import Rejected, signature_key_id, verify_request
from fedhub.errors import FedhubError, InvalidDocument, PayloadTooLarge, Unauthorized
from fedhub.federation.commits import WriteAll
from fedhub.federation.context import FederationContext
from fedhub.federation.from_ap import id_of, is_http_iri, same_origin
from fedhub.store import remote, search
from fedhub.store.tables import RemoteActor

log = logging.getLogger("fedhub.inbox")

Item = TypeVar("Item")
Result = TypeVar("Result")

MAX_ACTIVITY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Incoming:
    """An inbox POST as received: what the signature covers, and the body.

    `host` and `scheme` are the instance's public ones, not the request's: behind a TLS proxy the
    request arrives as plain HTTP, but the sender signed the public URL.
    """

    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes
    host: str
    scheme: str


@dataclass(frozen=True)
class Delivered:
    """A verified activity from a known actor, ready for its handler."""

    activity: dict[str, Any]
    actor: RemoteActor
    ctx: FederationContext

    @property
    def type(self) -> str:
        return str(self.activity["type"])

    @property
    def id(self) -> str:
        return str(self.activity["id"])

    @asynccontextmanager
    async def once(self) -> AsyncIterator[AsyncSession | None]:
        """A transaction that records the activity id; None when it was seen (nothing to do).

        In the server it is a savepoint in an inbox writer's group (`GroupCommit`), and leaving
        it waits for the group's commit.
        """
        commits = self.ctx.inbox_commits
        writing = commits.turn(self.id) if commits is not None else self.ctx.database.transaction()
        async with writing as session:
            if not await remote.first_sight(session, self.id, self.type, self.actor.uri):
                yield None
                return
            yield session
        if self.type == "Delete" and id_of(self.activity.get("object")) == self.actor.uri:
            self.ctx.resolver.forget_actor(self.actor.uri)  # a deleted actor's key is not kept

    async def write(self, item: Item, write_all: WriteAll[Item, Result]) -> Result:
        """Write a checked item with others of its kind (`GroupCommit.write`); once committed.

        For activities whose whole effect is rows known before writing: `write_all` records
        the activity ids itself, and does nothing for one already seen.
        """
        commits = self.ctx.inbox_commits
        if commits is not None:
            return await commits.write(self.id, item, write_all)
        async with self.ctx.database.transaction() as session:
            (result,) = await write_all(session, [item])
        await search.drain_backlog(self.ctx.database)  # the writer's follow-up, as it has none
        return result


def parse_activity(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_ACTIVITY_BYTES:
        raise PayloadTooLarge("activity larger than 1 MiB")
    try:
        activity = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidDocument("body is not JSON") from error
    if not isinstance(activity, dict):
        raise InvalidDocument("an activity is a JSON object")
    if not isinstance(activity.get("type"), str):
        raise InvalidDocument("activity has no type")
    if not is_http_iri(activity.get("id")):
        raise InvalidDocument("activity has no usable id")
    if not is_http_iri(id_of(activity.get("actor"))):
        raise InvalidDocument("activity has no actor")
    return activity


async def authenticate(ctx: FederationContext, incoming: Incoming) -> Delivered:
    """Verify the request signature and that its key belongs to the activity's actor.

    A key that fails once is fetched again (the actor may have rotated it); a key that cannot be
    fetched at all is remembered for a while, so bogus key ids cannot make us fetch in a loop.
    """
    key_id = signature_key_id(incoming.headers)
    if isinstance(key_id, Rejected):
        raise Unauthorized(key_id.reason)
    activity = parse_activity(incoming.body)
    actor_uri = id_of(activity["actor"])
    assert actor_uri is not None
    if not same_origin(key_id, actor_uri):
        raise Unauthorized("the signing key is not on the actor's server")
    await ctx.resolver.refuse_blocked(actor_uri)  # before any fetch of its key
    owner = await ctx.resolver.key_owner(key_id)
    if owner is None:
        raise Unauthorized(f"could not fetch the key {key_id}")
    outcome = _verify(incoming, owner)
    if isinstance(outcome, Rejected):
        owner = await ctx.resolver.key_owner(key_id, refresh=True)
        if owner is None:
            raise Unauthorized(f"could not fetch the key {key_id}")
        outcome = _verify(incoming, owner)
        if isinstance(outcome, Rejected):
            raise Unauthorized(outcome.reason)
    if owner.uri != actor_uri:
        raise Unauthorized(f"signed by {owner.uri}, but the activity's actor is {actor_uri}")
    if not same_origin(str(activity["id"]), actor_uri):
        raise Unauthorized("the activity id is not on the actor's server")
    schema = f"remote-{activity['type'].lower()}"
    if has_schema(schema):
        validate(activity, schema)
    return Delivered(activity=activity, actor=owner, ctx=ctx)


def _verify(incoming: Incoming, owner: RemoteActor) -> object:
    if not owner.public_key_pem:
        return Rejected("the actor has no public key")
    return verify_request(
        method=incoming.method,
        target=incoming.target,
        headers=incoming.headers,
        body=incoming.body,
        public_key_pem=owner.public_key_pem,
        now=datetime.now(UTC),
        host=incoming.host,
        scheme=incoming.scheme,
    )


def is_unfetchable_self_delete(incoming: Incoming) -> bool:
    """A Delete of an actor by itself, whose key is already gone: Mastodon's noise, ignored."""
    try:
        activity = parse_activity(incoming.body)
    except FedhubError:
        return False
    return activity["type"] == "Delete" and id_of(activity.get("object")) == id_of(
        activity.get("actor")
    )
