"""Queries on local actors (groups and the instance actor)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.domain import records
from fedhub.errors import Conflict, NotFound
from fedhub.store.tables import LocalActor, Media

INSTANCE_ACTOR_SLUG = "actor"


async def insert_local_actor(session: AsyncSession, actor: LocalActor) -> LocalActor:
    existing = await session.scalar(select(LocalActor.id).where(LocalActor.slug == actor.slug))
    if existing is not None:
        raise Conflict(f"a group named {actor.slug!r} already exists")
    session.add(actor)
    await session.flush()
    return actor


async def get_group_row(session: AsyncSession, slug: str) -> LocalActor:
    row = await session.scalar(
        select(LocalActor).where(LocalActor.slug == slug, LocalActor.kind == "group")
    )
    if row is None:
        raise NotFound(f"no group {slug!r} on this instance")
    return row


async def get_instance_actor_row(session: AsyncSession) -> LocalActor:
    row = await session.scalar(select(LocalActor).where(LocalActor.kind == "application"))
    if row is None:
        raise NotFound("this instance has no instance actor yet (run `fedhub init`)")
    return row


async def get_group(session: AsyncSession, slug: str) -> records.Group:
    return await group_record(session, await get_group_row(session, slug))


async def list_groups(session: AsyncSession) -> list[records.Group]:
    rows = await session.scalars(
        select(LocalActor).where(LocalActor.kind == "group").order_by(LocalActor.name)
    )
    return [await group_record(session, row) for row in rows]


async def count_groups(session: AsyncSession) -> int:
    count = await session.scalar(
        select(func.count()).select_from(LocalActor).where(LocalActor.kind == "group")
    )
    return int(count or 0)


async def group_record(session: AsyncSession, row: LocalActor) -> records.Group:
    icon = None
    if row.icon_sha256 is not None:
        media = await session.get(Media, row.icon_sha256)
        if media is not None:
            icon = records.Attachment(
                sha256=media.sha256,
                filename=row.icon_filename or "icon",
                media_type=media.media_type,
                size=media.size,
                name=row.name,
            )
    return records.Group(
        slug=row.slug,
        name=row.name,
        summary=row.summary,
        lang=row.lang,
        public_key_pem=row.public_key_pem,
        published=row.created_at,
        manually_approves_followers=row.manually_approves_followers,
        icon=icon,
    )
