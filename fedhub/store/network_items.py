"""The listing's item: one shape for local posts and remote objects, as pages, feeds and the CLI
show them.

A remote object's event details and hashtags are read from the document kept in `raw` when the
item is built, so objects stored before fedhub knew a field gain it without a migration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fedhub.domain import records
from fedhub.domain.content import normalise_tag
from fedhub.errors import InvalidInput
from fedhub.store.tables import RemoteActor, RemoteObject
from fedhub.uris import Uris

Source = Literal["local", "remote"]
MAX_REMOTE_TAGS = 20


@dataclass(frozen=True)
class NetworkItem:
    """One article or event in a listing, local or remote, as pages, feeds and the CLI show it."""

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
    source: Source = "remote"
    id: int = 0
    content_html: str | None = None
    updated: datetime | None = None
    timezone: str | None = None
    location: str | None = None
    tags: tuple[str, ...] = ()
    cancelled: bool = False


def with_id(item: NetworkItem, ident: int) -> NetworkItem:
    return NetworkItem(**{**item.__dict__, "id": ident})


def remote_item(obj: RemoteObject, actor: RemoteActor) -> NetworkItem:
    raw = obj.raw if isinstance(obj.raw, dict) else {}
    return NetworkItem(
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
        source="remote",
        id=obj.id,
        content_html=obj.content_html,
        updated=obj.updated,
        timezone=_timezone(raw.get("timezone")),
        location=_location(raw.get("location")),
        tags=_hashtags(raw.get("tag")),
        cancelled=raw.get("ical:status") == "CANCELLED",  # Mobilizon's and fedhub's marker
    )


def local_item(
    post: records.Post, uris: Uris, group_name: str, lang: str | None = None
) -> NetworkItem:
    """A local post as a listing shows it, in the reader's language when it has that version."""
    text = next(
        (t for t in post.texts if lang and (t.lang == lang or t.lang.startswith(f"{lang}-"))),
        post.primary,
    )
    uri = uris.post(post.group_slug, post.kind, post.public_id)
    event = post.event
    location = None
    if event is not None and event.place is not None:
        location = ", ".join(p for p in (event.place.name, event.place.address) if p)
    return NetworkItem(
        uri=uri,
        type="Event" if post.kind == "event" else "Article",
        name=text.name,
        summary=text.summary,
        url=uri,
        lang=text.lang,
        published=post.published,
        starts_at=event.start if event else None,
        ends_at=event.end if event else None,
        actor_uri=uris.group(post.group_slug),
        actor_name=group_name,
        actor_handle=f"@{uris.handle(post.group_slug)}",
        source="local",
        content_html=text.content_html,
        updated=post.updated,
        timezone=event.timezone if event else None,
        location=location or (event.online_url if event else None),
        tags=post.tags,
        cancelled=bool(event and event.cancelled),
    )


def _timezone(value: Any) -> str | None:
    """A peer's `timezone` (Mobilizon sends one), kept only when it names a real IANA zone."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return value


def _location(value: Any) -> str | None:
    place = value[0] if isinstance(value, list) and value else value
    if not isinstance(place, dict):
        return None
    address = place.get("address")
    if isinstance(address, dict):
        address = ", ".join(
            str(address[k])
            for k in ("streetAddress", "addressLocality", "addressCountry")
            if isinstance(address.get(k), str) and address[k]
        )
    parts = [p for p in (place.get("name"), address) if isinstance(p, str) and p]
    return ", ".join(parts)[:500] or None


def _hashtags(value: Any) -> tuple[str, ...]:
    """A peer's `Hashtag`s that are tags by our rules too (others could not have a tag page)."""
    tags: dict[str, None] = {}
    for tag in value if isinstance(value, list) else [value]:
        if isinstance(tag, dict) and tag.get("type") == "Hashtag":
            try:
                tags[normalise_tag(str(tag.get("name", "")))] = None
            except InvalidInput:
                continue
    return tuple(tags)[:MAX_REMOTE_TAGS]


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
        "tags": list(item.tags),
        "local": item.source == "local",
    }
