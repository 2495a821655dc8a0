"""The network view's query: what followed actors published, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.store.tables import RemoteActor, RemoteObject


@dataclass(frozen=True)
class NetworkItem:
    uri: str
    type: str
    name: str | None
    summary: str | None
    url: str | None
    lang: str | None
    published: datetime
    starts_at: datetime | None
    ends_at: datetime | None
    actor_uri: str
    actor_name: str | None
    actor_handle: str


async def list_network(
    session: AsyncSession, limit: int = 50, offset: int = 0
) -> list[NetworkItem]:
    rows = await session.execute(
        select(RemoteObject, RemoteActor)
        .join(RemoteActor, RemoteActor.id == RemoteObject.actor_id)
        .where(RemoteObject.deleted_at.is_(None), RemoteActor.deleted_at.is_(None))
        .order_by(RemoteObject.published.desc(), RemoteObject.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        NetworkItem(
            uri=obj.uri,
            type=obj.type,
            name=obj.name,
            summary=obj.summary,
            url=obj.url or obj.uri,
            lang=obj.lang,
            published=obj.published,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
            actor_uri=actor.uri,
            actor_name=actor.name,
            actor_handle=f"@{actor.preferred_username or '?'}@{actor.domain}",
        )
        for obj, actor in rows.all()
    ]


def item_json(item: NetworkItem) -> dict[str, Any]:
    return {
        "id": item.uri,
        "type": item.type,
        "name": item.name,
        "summary": item.summary,
        "url": item.url,
        "lang": item.lang,
        "published": item.published.isoformat(),
        "startTime": item.starts_at.isoformat() if item.starts_at else None,
        "endTime": item.ends_at.isoformat() if item.ends_at else None,
        "attributedTo": item.actor_uri,
        "author": {"name": item.actor_name, "handle": item.actor_handle},
    }


async def get_object(session: AsyncSession, uri: str) -> RemoteObject | None:
    """A live object of the network view."""
    return await session.scalar(
        select(RemoteObject).where(RemoteObject.uri == uri, RemoteObject.deleted_at.is_(None))
    )
