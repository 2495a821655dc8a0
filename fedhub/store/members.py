"""Queries on members' Person actors: by account, by feed token, by id, and what they follow."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.errors import NotFound
from fedhub.store.tables import Following, LocalActor, MemberActor, RemoteActor


async def get_member(
    session: AsyncSession, account_id: int
) -> tuple[MemberActor, LocalActor] | None:
    found = (
        await session.execute(
            select(MemberActor, LocalActor)
            .join(LocalActor, LocalActor.id == MemberActor.actor_id)
            .where(MemberActor.account_id == account_id)
        )
    ).first()
    return None if found is None else (found[0], found[1])


async def list_following(session: AsyncSession, actor_id: int) -> list[tuple[RemoteActor, str]]:
    rows = await session.execute(
        select(RemoteActor, Following.state)
        .join(Following, Following.remote_actor_id == RemoteActor.id)
        .where(Following.local_actor_id == actor_id)
        .order_by(RemoteActor.domain, RemoteActor.preferred_username)
    )
    return [(actor, state) for actor, state in rows.all()]


async def actor_id_by_feed_token(session: AsyncSession, digest: str) -> int | None:
    return await session.scalar(
        select(MemberActor.actor_id).where(MemberActor.feed_token_hash == digest)
    )


async def get_person_row(session: AsyncSession, ident: str) -> LocalActor:
    row = await session.scalar(
        select(LocalActor).where(LocalActor.kind == "person", LocalActor.slug == ident)
    )
    if row is None:
        raise NotFound("no such actor")
    return row


async def findable_person(session: AsyncSession, ident: str) -> LocalActor | None:
    """A Person whose member opted in to be found by WebFinger."""
    return await session.scalar(
        select(LocalActor)
        .join(MemberActor, MemberActor.actor_id == LocalActor.id)
        .where(LocalActor.kind == "person", LocalActor.slug == ident, MemberActor.findable)
    )
