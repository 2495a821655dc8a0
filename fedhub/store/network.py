"""The network's queries: what followed actors published, with local posts where a reader searches.

One listing serves the network page, tag pages, the network feeds and `fedhub network list`:
remote objects and local posts as one timeline, filtered, newest first, paged by a keyset on
(published, source, id) so a page never repeats or skips an item when new ones arrive.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import Select, and_, exists, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.domain import records
from fedhub.errors import InvalidInput
from fedhub.store import posts, search
from fedhub.store.network_items import NetworkItem, Source, local_item, remote_item, with_id
from fedhub.store.network_items import item_json as item_json
from fedhub.store.tables import Following, LocalActor, Post, PostText, RemoteActor, RemoteObject
from fedhub.uris import Uris

Scope = Literal["network", "local", "all"]
SCOPES: tuple[Scope, ...] = ("network", "local", "all")
KINDS: tuple[records.PostKind, ...] = ("article", "event")
ARTICLE_TYPES = ("Article", "Note", "Page")
_LANG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")
_CURSOR = re.compile(r"^(-?\d{1,17})\.([lr])(\d{1,18})$")
MAX_PAGE = 500  # a calendar feed's worth
LANGUAGE_SAMPLE = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the next page holds what sorts after it (older)."""

    published: datetime
    source: Source
    id: int

    def encode(self) -> str:
        micros = (self.published - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}.{self.source[0]}{self.id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        found = _CURSOR.match(text)
        if found is None:
            raise InvalidInput(f"not a page position: {text[:40]!r}")
        micros, source, ident = found.groups()
        try:
            published = _EPOCH + timedelta(microseconds=int(micros))
        except OverflowError as error:
            raise InvalidInput(f"not a page position: {text[:40]!r}") from error
        return cls(published, "local" if source == "l" else "remote", int(ident))


@dataclass(frozen=True)
class NetworkFilters:
    """What a reader narrowed the listing to; every field is checked here, once, for all callers.

    `group` is a handle (`name@host`, with or without a leading @) or a remote actor's id;
    `instance` a host (with its port, if any); `query` free text, searched word by word.
    """

    scope: Scope = "network"
    group: str | None = None
    instance: str | None = None
    lang: str | None = None
    tag: str | None = None
    kind: records.PostKind | None = None
    query: str | None = None
    # A member's personal feed: only actors this local actor (their Person) follows, accepted.
    followed_by: int | None = None
    words: tuple[str, ...] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        for name in ("group", "instance", "lang", "tag", "query"):
            value = getattr(self, name)
            if value is not None and any(ord(c) < 32 and c not in "\t\n\r" for c in value):
                # PostgreSQL refuses NUL in text; no filter needs control characters anyway.
                raise InvalidInput(f"the {name} holds a control character")
        if self.scope not in SCOPES:
            raise InvalidInput(f"scope must be one of {', '.join(SCOPES)}")
        if self.kind is not None and self.kind not in KINDS:
            raise InvalidInput("type must be 'article' or 'event'")
        if self.lang is not None:
            object.__setattr__(self, "lang", self.lang.strip().lower())
            if not _LANG.match(self.lang or ""):
                raise InvalidInput(f"not a language code: {self.lang[:40]!r}")
        if self.tag is not None:
            search.tag_token(self.tag)  # raises InvalidInput for what cannot be a tag
        if self.query is not None:
            object.__setattr__(self, "words", tuple(search.search_terms(self.query)))
        if self.group is not None and len(self.group) > 2048:
            raise InvalidInput("the group is too long")
        if self.instance is not None:
            object.__setattr__(self, "instance", self.instance.strip().lower())


@dataclass(frozen=True)
class NetworkPage:
    items: list[NetworkItem]
    older: Cursor | None


def _local_host(uris: Uris) -> str:
    return urlsplit(uris.base).netloc.lower()


def _split_handle(handle: str) -> tuple[str, str] | None:
    name, at, host = handle.strip().lstrip("@").rpartition("@")
    return (name, host.lower()) if at and name and host else None


def _local_query(
    filters: NetworkFilters, uris: Uris, sqlite: bool
) -> Select[str, int, datetime] | None:
    query = (
        select(literal("local").label("source"), Post.id.label("id"), Post.published)
        .join(LocalActor, LocalActor.id == Post.actor_id)
        .where(Post.deleted_at.is_(None))
    )
    if filters.instance is not None and filters.instance != _local_host(uris):
        return None
    if filters.followed_by is not None:
        return None  # a member's Person follows remote groups only
    if filters.group is not None:
        handle = _split_handle(filters.group)
        if handle is None or handle[1] != _local_host(uris):
            return None
        query = query.where(LocalActor.slug == handle[0])
    if filters.kind is not None:
        query = query.where(Post.kind == filters.kind)
    if filters.lang is not None:
        query = query.where(
            exists().where(
                PostText.post_id == Post.id,
                or_(PostText.lang == filters.lang, PostText.lang.like(f"{filters.lang}-%")),
            )
        )
    return _searched(query, Post.id, filters, sqlite, remote=False)


def _remote_query(
    filters: NetworkFilters, uris: Uris, sqlite: bool
) -> Select[str, int, datetime] | None:
    query = (
        select(
            literal("remote").label("source"), RemoteObject.id.label("id"), RemoteObject.published
        )
        .join(RemoteActor, RemoteActor.id == RemoteObject.actor_id)
        .where(RemoteObject.deleted_at.is_(None), RemoteActor.deleted_at.is_(None))
    )
    if filters.instance is not None:
        query = query.where(RemoteActor.domain == filters.instance)
    if filters.followed_by is not None:
        query = query.where(
            exists().where(
                Following.local_actor_id == filters.followed_by,
                Following.remote_actor_id == RemoteObject.actor_id,
                Following.state == "accepted",
            )
        )
    else:
        query = query.where(~_only_members_follow(RemoteObject.actor_id))
    if filters.group is not None:
        if filters.group.startswith(("https://", "http://")):
            query = query.where(RemoteActor.uri == filters.group)
        else:
            handle = _split_handle(filters.group)
            if handle is None or handle[1] == _local_host(uris):
                return None
            query = query.where(
                RemoteActor.preferred_username == handle[0], RemoteActor.domain == handle[1]
            )
    if filters.kind == "event":
        query = query.where(RemoteObject.type == "Event")
    elif filters.kind == "article":
        query = query.where(RemoteObject.type.in_(ARTICLE_TYPES))
    if filters.lang is not None:
        query = query.where(
            or_(RemoteObject.lang == filters.lang, RemoteObject.lang.like(f"{filters.lang}-%"))
        )
    return _searched(query, RemoteObject.id, filters, sqlite, remote=True)


def _followed_by_kind(remote_actor_id: Any, *, person: bool) -> Any:
    kind = LocalActor.kind == "person" if person else LocalActor.kind != "person"
    return exists().where(
        Following.remote_actor_id == remote_actor_id,
        Following.local_actor_id == LocalActor.id,
        kind,
    )


def _only_members_follow(remote_actor_id: Any) -> Any:
    """An author followed by members' Persons and by no group: what a member reads privately
    stays off the public pages (and out of their filter choices)."""
    return and_(
        _followed_by_kind(remote_actor_id, person=True),
        ~_followed_by_kind(remote_actor_id, person=False),
    )


def _searched(
    query: Select[str, int, datetime],
    id_column: Any,
    filters: NetworkFilters,
    sqlite: bool,
    *,
    remote: bool,
) -> Select[str, int, datetime]:
    if filters.words is None and filters.tag is None:
        return query
    words = list(filters.words) if filters.words is not None else None
    matching = search.matching_ids(sqlite=sqlite, remote=remote, words=words, tag=filters.tag)
    if isinstance(matching, Select):
        return query.where(id_column.in_(matching))
    return query.where(matching)


async def list_items(
    session: AsyncSession,
    uris: Uris,
    filters: NetworkFilters | None = None,
    *,
    before: Cursor | None = None,
    limit: int = 20,
) -> NetworkPage:
    """One page of the timeline the filters select, newest first, and where the next one starts."""
    filters = filters or NetworkFilters()
    limit = max(1, min(limit, MAX_PAGE))
    sqlite = session.get_bind().dialect.name == "sqlite"
    parts = []
    if filters.scope in ("local", "all"):
        local = _local_query(filters, uris, sqlite)
        if local is not None:
            parts.append(_newest(local, "local", Post.published, Post.id, before, limit + 1))
    if filters.scope in ("network", "all"):
        remote = _remote_query(filters, uris, sqlite)
        if remote is not None:
            parts.append(
                _newest(
                    remote, "remote", RemoteObject.published, RemoteObject.id, before, limit + 1
                )
            )
    if not parts:
        return NetworkPage([], None)
    # Each source is paged on its own index first; merging two short lists is then cheap.
    timeline = union_all(*(select(part) for part in parts)).subquery()
    order = (timeline.c.published, timeline.c.source, timeline.c.id)
    query = select(*order).order_by(*(c.desc() for c in order)).limit(limit + 1)
    rows = (await session.execute(query)).all()
    keys = [(row[1], row[2]) for row in rows[:limit]]
    items = await _load(session, uris, keys, filters.lang)
    older = None
    if len(rows) > limit and items:
        last = items[-1]
        older = Cursor(last.published, last.source, last.id)
    return NetworkPage(items, older)


def _newest(
    query: Select[str, int, datetime],
    source: Source,
    published: Any,
    ident: Any,
    before: Cursor | None,
    limit: int,
) -> Any:
    """The newest `limit` rows of one source after the cursor, in (published, source, id) order;
    the source is constant here, so its place in the order is decided in Python."""
    if before is not None:
        if source < before.source:
            query = query.where(published <= before.published)
        elif source > before.source:
            query = query.where(published < before.published)
        else:
            query = query.where(
                or_(
                    published < before.published,
                    and_(published == before.published, ident < before.id),
                )
            )
    return query.order_by(published.desc(), ident.desc()).limit(limit).subquery()


async def list_network(session: AsyncSession, limit: int = 50) -> list[NetworkItem]:
    """The newest items of followed actors, unfiltered (the first page, for callers that need
    no paging). Remote items carry their own ids, so no local `Uris` is needed."""
    return (await list_items(session, Uris(""), NetworkFilters(), limit=limit)).items


async def _load(
    session: AsyncSession, uris: Uris, keys: Sequence[tuple[str, int]], lang: str | None
) -> list[NetworkItem]:
    local_ids = [ident for source, ident in keys if source == "local"]
    remote_ids = [ident for source, ident in keys if source == "remote"]
    found: dict[tuple[str, int], NetworkItem] = {}
    if remote_ids:
        rows = await session.execute(
            select(RemoteObject, RemoteActor)
            .join(RemoteActor, RemoteActor.id == RemoteObject.actor_id)
            .where(RemoteObject.id.in_(remote_ids))
        )
        for obj, actor in rows.all():
            found["remote", obj.id] = remote_item(obj, actor)
    if local_ids:
        local_rows = await session.execute(
            select(Post, LocalActor)
            .join(LocalActor, LocalActor.id == Post.actor_id)
            .where(Post.id.in_(local_ids))
        )
        pairs = [(post, actor) for post, actor in local_rows.all()]
        post_ids = {post.public_id: post.id for post, _ in pairs}
        names = {actor.slug: actor.name for _, actor in pairs}
        for record in await posts.post_records(session, [(p, a.slug) for p, a in pairs]):
            item = local_item(record, uris, names[record.group_slug], lang)
            found["local", post_ids[record.public_id]] = with_id(item, post_ids[record.public_id])
    return [found[source, ident] for source, ident in keys if (source, ident) in found]


@dataclass(frozen=True)
class GroupChoice:
    """A group a reader can narrow the listing to, local or followed."""

    handle: str
    name: str


@dataclass(frozen=True)
class FilterChoices:
    """What a filter form offers: groups (local and followed), instances, content languages."""

    groups: list[GroupChoice]
    hosts: list[str]
    languages: list[str]


async def filter_choices(session: AsyncSession, uris: Uris) -> FilterChoices:
    local = await session.execute(
        select(LocalActor.slug, LocalActor.name)
        .where(LocalActor.kind == "group")
        .order_by(LocalActor.name)
    )
    groups = [GroupChoice(uris.handle(slug), name) for slug, name in local.all()]
    followed = await session.execute(
        select(RemoteActor.preferred_username, RemoteActor.domain, RemoteActor.name)
        .join(Following, Following.remote_actor_id == RemoteActor.id)
        .join(LocalActor, LocalActor.id == Following.local_actor_id)
        .where(
            Following.state == "accepted",
            LocalActor.kind != "person",
            RemoteActor.deleted_at.is_(None),
        )
        .distinct()
        .order_by(RemoteActor.domain, RemoteActor.preferred_username)
    )
    for username, domain, name in followed.all():
        if username:
            groups.append(GroupChoice(f"{username}@{domain}", name or username))
    hosts = sorted({_local_host(uris)} | {g.handle.rpartition("@")[2] for g in groups})
    # Languages of the latest remote objects only: bounded work on every page view.
    recent = (
        select(RemoteObject.lang)
        .order_by(RemoteObject.published.desc())
        .limit(LANGUAGE_SAMPLE)
        .subquery()
    )
    langs = await session.scalars(
        union_all(select(PostText.lang).distinct(), select(recent.c.lang).distinct())
    )
    languages = sorted({lang.lower() for lang in langs if lang and _LANG.match(lang.lower())})
    return FilterChoices(groups, hosts, languages)


async def get_object(session: AsyncSession, uri: str) -> RemoteObject | None:
    """A live object of the network view."""
    return await session.scalar(
        select(RemoteObject).where(RemoteObject.uri == uri, RemoteObject.deleted_at.is_(None))
    )
