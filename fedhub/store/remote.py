"""Queries on what other servers told us: remote actors, their objects, and activity ids seen."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.domain.records import RemoteActorFields, RemoteObjectFields
from fedhub.store import search
from fedhub.store.tables import Following, InboxActivity, RemoteActor, RemoteObject

_activities = InboxActivity.__table__
_objects = RemoteObject.__table__
# What a stored object's row takes from a newer copy; `published` only when the copy has one.
_REFRESHED = (
    "type",
    "actor_id",
    "url",
    "lang",
    "name",
    "summary",
    "content_html",
    "updated",
    "starts_at",
    "ends_at",
    "raw",
    "deleted_at",
)


@dataclass(frozen=True)
class SeenActivity:
    """An incoming activity's id as recorded: who sent it, and what it was."""

    uri: str
    type: str
    actor_uri: str


@dataclass(frozen=True)
class ObjectRow:
    """A remote object to store, already checked and sanitised, under the actor it is kept for."""

    fields: RemoteObjectFields
    actor_id: int
    raw: dict[str, Any]


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
    await search.index_backlog(session, [row.id])
    return row


async def get_remote_object(session: AsyncSession, uri: str) -> RemoteObject | None:
    return await session.scalar(select(RemoteObject).where(RemoteObject.uri == uri))


async def delete_remote_objects_of(session: AsyncSession, actor: RemoteActor) -> None:
    await session.execute(delete(RemoteObject).where(RemoteObject.actor_id == actor.id))


async def first_sight(session: AsyncSession, uri: str, kind: str, actor_uri: str) -> bool:
    """Record an incoming activity id; False when it was seen before (so it changes nothing)."""
    return bool(await record_activities(session, [SeenActivity(uri, kind, actor_uri)]))


async def record_activities(session: AsyncSession, seen: Sequence[SeenActivity]) -> set[str]:
    """Record incoming activity ids in one statement; those recorded now, not seen before.

    `ON CONFLICT DO NOTHING` rather than a look-up first: a copy being recorded by another
    transaction at the same moment waits for it and then counts as seen.
    """
    unique = {activity.uri: activity for activity in seen}  # one row per id in a statement
    if not unique:
        return set()
    now = datetime.now(UTC)
    rows = [
        {"uri": a.uri, "type": a.type, "actor_uri": a.actor_uri, "received_at": now}
        for a in unique.values()
    ]
    stmt = _record_statement(session.get_bind().dialect.name)
    return set((await session.scalars(stmt, rows)).all())


async def followed_actor_ids(session: AsyncSession, actor_ids: Iterable[int]) -> set[int]:
    """Which of these remote actors some local actor follows (accepted), in one query."""
    wanted = set(actor_ids)
    if not wanted:
        return set()
    found = await session.scalars(
        select(Following.remote_actor_id)
        .where(Following.remote_actor_id.in_(wanted), Following.state == "accepted")
        .distinct()
    )
    return set(found.all())


async def put_remote_objects(session: AsyncSession, objects: Sequence[ObjectRow]) -> None:
    """Insert or refresh many objects by their ids at once, as `put_remote_object` does one.

    Two statements at most: rows whose copy has a `published` time set it, the others keep the
    stored one (or now, for a new row). On SQLite the rows reach the search index after the
    commit: the inbox's writer indexes each group's (`search.index_backlog`).
    """
    latest = {row.fields.uri: row for row in objects}  # one row per id in a statement: the last
    now = datetime.now(UTC)
    for dated in (True, False):
        rows = [
            _object_values(row, now)
            for row in latest.values()
            if (row.fields.published is not None) == dated
        ]
        if rows:
            await session.execute(_upsert_statement(session.get_bind().dialect.name, dated), rows)


def _object_values(row: ObjectRow, now: datetime) -> dict[str, Any]:
    fields = row.fields
    return {
        "uri": fields.uri,
        "type": fields.type,
        "actor_id": row.actor_id,
        "url": fields.url,
        "lang": fields.lang,
        "name": fields.name,
        "summary": fields.summary,
        "content_html": fields.content_html,
        "published": fields.published or now,
        "updated": fields.updated,
        "starts_at": fields.starts_at,
        "ends_at": fields.ends_at,
        "raw": row.raw,
        "received_at": now,
        "deleted_at": None,
    }


# The inbox's statements are built once per dialect: building an upsert makes its `excluded`
# columns anew each time, which cost more than the rest of a Create's writes.


@cache
def _record_statement(dialect: str) -> Any:
    return (
        _insert(dialect, _activities)
        .on_conflict_do_nothing(index_elements=["uri"])
        .returning(_activities.c.uri)
    )


@cache
def _upsert_statement(dialect: str, dated: bool) -> Any:
    stmt = _insert(dialect, _objects)
    refreshed = _REFRESHED + (("published",) if dated else ())
    return stmt.on_conflict_do_update(
        index_elements=["uri"], set_={name: stmt.excluded[name] for name in refreshed}
    )


def _insert(dialect: str, table: Any) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)
