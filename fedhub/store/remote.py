"""Queries on what other servers told us: remote actors, their objects, and activity ids seen."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.domain.records import RemoteActorFields, RemoteObjectFields
from fedhub.store.tables import InboxActivity, RemoteActor, RemoteObject


async def put_remote_actor(
    session: AsyncSession, fields: RemoteActorFields, raw: dict[str, Any]
) -> RemoteActor:
    """Insert or refresh an actor by its id."""
    row = await session.scalar(select(RemoteActor).where(RemoteActor.uri == fields.uri))
    if row is None:
        row = RemoteActor(uri=fields.uri)
        session.add(row)
    row.type = fields.type
    row.domain = fields.domain
    row.preferred_username = fields.preferred_username
    row.name = fields.name
    row.summary = fields.summary
    row.url = fields.url
    row.inbox = fields.inbox
    row.shared_inbox = fields.shared_inbox
    row.outbox = fields.outbox
    row.public_key_id = fields.public_key_id
    row.public_key_pem = fields.public_key_pem
    row.raw = raw
    row.fetched_at = datetime.now(UTC)
    row.deleted_at = None
    await session.flush()
    return row


async def get_remote_actor(session: AsyncSession, uri: str) -> RemoteActor | None:
    return await session.scalar(
        select(RemoteActor).where(RemoteActor.uri == uri, RemoteActor.deleted_at.is_(None))
    )


async def get_actor_by_key(session: AsyncSession, key_id: str) -> RemoteActor | None:
    return await session.scalar(
        select(RemoteActor).where(
            RemoteActor.public_key_id == key_id, RemoteActor.deleted_at.is_(None)
        )
    )


async def put_remote_object(
    session: AsyncSession, fields: RemoteObjectFields, actor: RemoteActor, raw: dict[str, Any]
) -> RemoteObject:
    row = await session.scalar(select(RemoteObject).where(RemoteObject.uri == fields.uri))
    now = datetime.now(UTC)
    if row is None:
        row = RemoteObject(uri=fields.uri, received_at=now)
        session.add(row)
    row.type = fields.type
    row.actor_id = actor.id
    row.url = fields.url
    row.lang = fields.lang
    row.name = fields.name
    row.summary = fields.summary
    row.content_html = fields.content_html
    row.published = fields.published or row.published or now
    row.updated = fields.updated
    row.starts_at = fields.starts_at
    row.ends_at = fields.ends_at
    row.raw = raw
    row.deleted_at = None
    await session.flush()
    return row


async def get_remote_object(session: AsyncSession, uri: str) -> RemoteObject | None:
    return await session.scalar(select(RemoteObject).where(RemoteObject.uri == uri))


async def delete_remote_objects_of(session: AsyncSession, actor: RemoteActor) -> None:
    await session.execute(delete(RemoteObject).where(RemoteObject.actor_id == actor.id))


async def first_sight(session: AsyncSession, uri: str, kind: str, actor_uri: str) -> bool:
    """Record an incoming activity id; False when it was seen before (so it changes nothing)."""
    if await session.scalar(select(InboxActivity.id).where(InboxActivity.uri == uri)):
        return False
    try:
        async with session.begin_nested():
            session.add(InboxActivity(uri=uri, type=kind, actor_uri=actor_uri))
    except IntegrityError:
        return False
    return True
