"""Queries on local posts (articles and events) and the rows that hang off them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.domain import records
from fedhub.errors import Conflict, Gone, NotFound
from fedhub.store.tables import LocalActor, Media, Post, PostAttachment, PostTag, PostText


async def insert_post(
    session: AsyncSession,
    post: Post,
    texts: Sequence[records.Text],
    tags: Sequence[str],
    attachments: Sequence[records.Attachment],
) -> Post:
    """Insert a post with its texts (primary first), tags and files, in the caller's transaction."""
    session.add(post)
    await session.flush()
    for position, text in enumerate(texts):
        session.add(_text_row(post.id, position, text))
    _add_tags(session, post, tags)
    _add_attachments(session, post, attachments)
    await session.flush()
    return post


async def add_text(session: AsyncSession, post: Post, text: records.Text, now: datetime) -> None:
    """Add a language version to an existing post; a language it already has is a conflict."""
    langs = (await session.scalars(select(PostText.lang).where(PostText.post_id == post.id))).all()
    if text.lang in langs:
        raise Conflict(f"this {post.kind} already has a {text.lang!r} version")
    session.add(_text_row(post.id, len(langs), text))
    post.updated = now
    await session.flush()


async def replace_text(session: AsyncSession, post: Post, text: records.Text) -> None:
    """Replace the version in `text.lang`; editing a language the post lacks is refused."""
    row = await session.scalar(
        select(PostText).where(PostText.post_id == post.id, PostText.lang == text.lang)
    )
    if row is None:
        raise NotFound(f"this {post.kind} has no {text.lang!r} version")
    row.name, row.summary = text.name, text.summary
    row.source, row.content_html = text.source, text.content_html
    await session.flush()


async def replace_tags(session: AsyncSession, post: Post, tags: Sequence[str]) -> None:
    await session.execute(delete(PostTag).where(PostTag.post_id == post.id))
    _add_tags(session, post, tags)
    await session.flush()


async def replace_attachments(
    session: AsyncSession, post: Post, attachments: Sequence[records.Attachment]
) -> None:
    """The post's files become exactly `attachments`, in that order (stored files stay)."""
    await session.execute(delete(PostAttachment).where(PostAttachment.post_id == post.id))
    _add_attachments(session, post, attachments)
    await session.flush()


def _add_tags(session: AsyncSession, post: Post, tags: Sequence[str]) -> None:
    for tag in dict.fromkeys(tags):
        session.add(PostTag(post_id=post.id, tag=tag))


def _add_attachments(
    session: AsyncSession, post: Post, attachments: Sequence[records.Attachment]
) -> None:
    for position, attachment in enumerate(attachments):
        session.add(
            PostAttachment(
                post_id=post.id,
                position=position,
                sha256=attachment.sha256,
                filename=attachment.filename,
                name=attachment.name,
            )
        )


def _text_row(post_id: int, position: int, text: records.Text) -> PostText:
    return PostText(
        post_id=post_id,
        position=position,
        lang=text.lang,
        name=text.name,
        summary=text.summary,
        source=text.source,
        content_html=text.content_html,
    )


async def get_post_row(session: AsyncSession, public_id: str) -> tuple[Post, str]:
    """A live post and its group's slug."""
    found = (
        await session.execute(
            select(Post, LocalActor.slug)
            .join(LocalActor, LocalActor.id == Post.actor_id)
            .where(Post.public_id == public_id)
        )
    ).first()
    if found is None:
        raise NotFound(f"no article or event {public_id!r} here")
    if found[0].deleted_at is not None:
        raise Gone(f"the {found[0].kind} {public_id!r} was deleted")
    return found[0], found[1]


async def get_post(
    session: AsyncSession, slug: str, kind: records.PostKind, public_id: str
) -> records.Post:
    row, row_slug = await get_post_row(session, public_id)
    if row_slug != slug or row.kind != kind:
        raise NotFound(f"no {kind} {public_id!r} in group {slug!r}")
    return (await post_records(session, [(row, row_slug)]))[0]


async def list_posts(
    session: AsyncSession,
    *,
    slug: str | None = None,
    kind: records.PostKind | None = None,
    limit: int = 20,
    offset: int = 0,
    upcoming_after: datetime | None = None,
    ended_before: datetime | None = None,
) -> list[records.Post]:
    """Posts newest first; with `upcoming_after`, events not yet over, soonest first; with
    `ended_before`, events already over, latest first."""
    query = (
        select(Post, LocalActor.slug)
        .join(LocalActor, LocalActor.id == Post.actor_id)
        .where(Post.deleted_at.is_(None))
    )
    if slug is not None:
        query = query.where(LocalActor.slug == slug)
    if kind is not None:
        query = query.where(Post.kind == kind)
    if upcoming_after is not None:
        query = query.where(Post.kind == "event", Post.ends_at >= upcoming_after).order_by(
            Post.starts_at, Post.id
        )
    elif ended_before is not None:
        query = query.where(Post.kind == "event", Post.ends_at < ended_before).order_by(
            Post.starts_at.desc(), Post.id.desc()
        )
    else:
        query = query.order_by(Post.published.desc(), Post.id.desc())
    rows = (await session.execute(query.limit(limit).offset(offset))).all()
    return await post_records(session, [(row[0], row[1]) for row in rows])


async def count_posts(
    session: AsyncSession,
    *,
    slug: str | None = None,
    kind: records.PostKind | None = None,
    ended_before: datetime | None = None,
) -> int:
    query = (
        select(func.count())
        .select_from(Post)
        .join(LocalActor, LocalActor.id == Post.actor_id)
        .where(Post.deleted_at.is_(None))
    )
    if slug is not None:
        query = query.where(LocalActor.slug == slug)
    if kind is not None:
        query = query.where(Post.kind == kind)
    if ended_before is not None:
        query = query.where(Post.kind == "event", Post.ends_at < ended_before)
    return int(await session.scalar(query) or 0)


async def post_records(
    session: AsyncSession, rows: Sequence[tuple[Post, str]]
) -> list[records.Post]:
    """Build records for many posts with one query per child table, not one per post."""
    ids = [row.id for row, _ in rows]
    if not ids:
        return []
    texts: dict[int, list[records.Text]] = defaultdict(list)
    for t in await session.scalars(
        select(PostText).where(PostText.post_id.in_(ids)).order_by(PostText.position)
    ):
        texts[t.post_id].append(
            records.Text(
                lang=t.lang,
                name=t.name,
                summary=t.summary,
                source=t.source,
                content_html=t.content_html,
            )
        )
    tags: dict[int, list[str]] = defaultdict(list)
    for tag in await session.scalars(
        select(PostTag).where(PostTag.post_id.in_(ids)).order_by(PostTag.tag)
    ):
        tags[tag.post_id].append(tag.tag)
    files: dict[int, list[records.Attachment]] = defaultdict(list)
    for attachment, media in await session.execute(
        select(PostAttachment, Media)
        .join(Media, Media.sha256 == PostAttachment.sha256)
        .where(PostAttachment.post_id.in_(ids))
        .order_by(PostAttachment.position)
    ):
        files[attachment.post_id].append(
            records.Attachment(
                sha256=media.sha256,
                filename=attachment.filename,
                media_type=media.media_type,
                size=media.size,
                name=attachment.name,
            )
        )
    return [
        _post_record(row, slug, texts[row.id], tags[row.id], files[row.id]) for row, slug in rows
    ]


def _post_record(
    row: Post,
    slug: str,
    texts: list[records.Text],
    tags: list[str],
    attachments: list[records.Attachment],
) -> records.Post:
    event = None
    if row.kind == "event":
        assert row.starts_at and row.ends_at and row.timezone
        place = None
        if row.place_name:
            place = records.Place(
                name=row.place_name,
                address=row.place_address or "",
                latitude=row.latitude,
                longitude=row.longitude,
            )
        event = records.EventDetails(
            start=row.starts_at,
            end=row.ends_at,
            timezone=row.timezone,
            place=place,
            online_url=row.online_url,
            cancelled=row.cancelled_at is not None,
        )
    kind: records.PostKind = "event" if row.kind == "event" else "article"
    return records.Post(
        public_id=row.public_id,
        kind=kind,
        group_slug=slug,
        texts=tuple(texts),
        published=row.published,
        updated=row.updated,
        tags=tuple(tags),
        attachments=tuple(attachments),
        event=event,
    )
