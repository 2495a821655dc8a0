"""Actors and their collections: the group and instance actors, outboxes, followers, following."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.activitypub.collections import ordered_collection, ordered_collection_page
from fedhub.domain import records
from fedhub.errors import InvalidInput
from fedhub.federation.local_actors import followers_iri
from fedhub.federation.to_ap import create_to_ap, group_to_ap, instance_actor_to_ap
from fedhub.store import actors, posts
from fedhub.store.tables import Follower, Following, LocalActor, RemoteActor
from fedhub.uris import Uris
from fedhub.web import page_views
from fedhub.web.render import activity_response, wants_json
from fedhub.web.state import DATABASE, SETTINGS, URIS

PAGE_SIZE = 20


def page_number(request: web.Request) -> int | None:
    """The `?page=N` of a collection request (1-based), or None for the collection itself."""
    raw = request.query.get("page")
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 1_000_000:
        raise InvalidInput("page must be a positive whole number")
    return int(raw)


def icon_url(uris: Uris, group: records.Group) -> str | None:
    return uris.media(group.icon.sha256, group.icon.filename) if group.icon else None


async def group_actor(request: web.Request) -> web.Response:
    if not wants_json(request):
        return await page_views.group_page(request)
    slug = request.match_info["slug"]
    uris = request.app[URIS]
    async with request.app[DATABASE].reading() as session:
        group = await actors.get_group(session, slug)
    return activity_response(group_to_ap(group, uris, icon_url(uris, group)))


async def instance_actor(request: web.Request) -> web.Response:
    uris = request.app[URIS]
    settings = request.app[SETTINGS]
    async with request.app[DATABASE].reading() as session:
        row = await actors.get_instance_actor_row(session)
    document = instance_actor_to_ap(uris, row.public_key_pem, settings.name, row.created_at)
    return activity_response(document)


async def outbox(request: web.Request) -> web.Response:
    slug = request.match_info["slug"]
    uris = request.app[URIS]
    number = page_number(request)
    async with request.app[DATABASE].reading() as session:
        group = await actors.get_group(session, slug)
        total = await posts.count_posts(session, slug=slug)
        if number is None:
            return activity_response(_collection(uris.outbox(slug), total))
        items = await posts.list_posts(
            session, slug=slug, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
        )
    activities = [create_to_ap(post, uris, group) for post in items]
    return activity_response(_page(uris.outbox(slug), number, total, activities))


async def _local_row(request: web.Request, session: AsyncSession) -> LocalActor:
    """The group named in the path, or the instance actor for its own collections."""
    slug = request.match_info.get("slug")
    if slug is None:
        return await actors.get_instance_actor_row(session)
    return await actors.get_group_row(session, slug)


async def followers(request: web.Request) -> web.Response:
    """Only the count: who follows a group can endanger them, so the list is never published."""
    uris = request.app[URIS]
    async with request.app[DATABASE].reading() as session:
        row = await _local_row(request, session)
        total = await _count(session, Follower, row.id)
    return activity_response(ordered_collection(followers_iri(uris, row), total, first=None))


async def instance_outbox(request: web.Request) -> web.Response:
    """The instance actor publishes nothing of its own (its relayed Announces are not listed)."""
    return activity_response(ordered_collection(request.app[URIS].instance_outbox(), 0, first=None))


async def following(request: web.Request) -> web.Response:
    """The groups a group follows are public, like its own posts, and paged."""
    uris = request.app[URIS]
    number = page_number(request)
    async with request.app[DATABASE].reading() as session:
        row = await _local_row(request, session)
        collection = (
            uris.instance_following() if row.kind == "application" else uris.following(row.slug)
        )
        total = await _count(session, Following, row.id)
        if number is None:
            return activity_response(_collection(collection, total))
        items = list(
            await session.scalars(
                select(RemoteActor.uri)
                .join(Following, Following.remote_actor_id == RemoteActor.id)
                .where(Following.local_actor_id == row.id, Following.state == "accepted")
                .order_by(Following.id.desc())
                .limit(PAGE_SIZE)
                .offset((number - 1) * PAGE_SIZE)
            )
        )
    return activity_response(_page(collection, number, total, items))


async def _count(
    session: AsyncSession, table: type[Follower] | type[Following], actor_id: int
) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(table)
        .where(table.local_actor_id == actor_id, table.state == "accepted")
    )
    return int(count or 0)


def _collection(collection_id: str, total: int) -> dict[str, Any]:
    last = max(1, -(-total // PAGE_SIZE))
    return ordered_collection(
        collection_id, total, first=f"{collection_id}?page=1", last=f"{collection_id}?page={last}"
    )


def _page(collection_id: str, number: int, total: int, items: list[Any]) -> dict[str, Any]:
    has_next = number * PAGE_SIZE < total
    return ordered_collection_page(
        f"{collection_id}?page={number}",
        part_of=collection_id,
        items=items,
        next=f"{collection_id}?page={number + 1}" if has_next else None,
        prev=f"{collection_id}?page={number - 1}" if number > 1 else None,
        start_index=(number - 1) * PAGE_SIZE,
    )
