"""Changing what a group already published: edits and cancellations reach followers as Update."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.actions.publish import (
    Upload,
    article_text,
    event_details,
    event_text,
    public_id_from_iri,
    register_files,
    send_update,
    set_event_columns,
    store_files,
)
from fedhub.domain import records
from fedhub.domain.drafts import ArticleDraft, EventDraft
from fedhub.errors import Conflict, NotFound
from fedhub.settings import Settings
from fedhub.store import posts
from fedhub.store.database import Database
from fedhub.store.tables import Post
from fedhub.uris import Uris


async def edit_article(
    database: Database,
    settings: Settings,
    post_iri: str,
    draft: ArticleDraft,
    *,
    uploads: Sequence[Upload] = (),
    remove_files: Collection[str] = (),
) -> records.Post:
    """Replace the article's version in `draft.lang`, its tags and its files.

    `remove_files` names attachments (by SHA-256) to take off; `uploads` are added after the rest.
    """
    added = store_files(settings, uploads)
    async with database.transaction() as session:
        row, current = await _own_post(session, settings, post_iri, draft.group_slug, "article")
        text = article_text(draft.lang, draft.title, draft.body_markdown, draft.summary)
        await posts.replace_text(session, row, text)
        await _replace_tags_and_files(session, row, current, draft.tags, added, remove_files)
        now = datetime.now(UTC)
        row.updated = now
        return await send_update(session, settings, row, draft.group_slug, now)


async def edit_event(
    database: Database,
    settings: Settings,
    post_iri: str,
    draft: EventDraft,
    *,
    uploads: Sequence[Upload] = (),
    remove_files: Collection[str] = (),
) -> records.Post:
    """Change an event's time, place and its text in `draft.lang`.

    Every language's summary says when and where, so all of them are written again.
    """
    added = store_files(settings, uploads)
    async with database.transaction() as session:
        row, current = await _own_post(session, settings, post_iri, draft.group_slug, "event")
        assert current.event is not None
        details = replace(event_details(draft), cancelled=current.event.cancelled)
        set_event_columns(row, details)
        edited = event_text(details, draft.lang, draft.title, draft.body_markdown)
        await posts.replace_text(session, row, edited)
        for text in current.texts:
            if text.lang != draft.lang:
                await posts.replace_text(
                    session, row, event_text(details, text.lang, text.name, text.source)
                )
        await _replace_tags_and_files(session, row, current, draft.tags, added, remove_files)
        now = datetime.now(UTC)
        row.updated = now
        return await send_update(session, settings, row, draft.group_slug, now)


async def cancel_event(
    database: Database, settings: Settings, post_iri: str, group_slug: str | None = None
) -> records.Post:
    """Mark an event cancelled rather than delete it: people who planned to come must find out.

    Followers get an Update whose `ical:status` is CANCELLED, as Mobilizon sends, and whose
    summaries start with a cancelled marker for Mastodon, which shows no status. With
    `group_slug`, only an event of that group (an editor's); without, any (the CLI's operator).
    """
    async with database.transaction() as session:
        row, current = await _own_post(session, settings, post_iri, group_slug, "event")
        if row.cancelled_at is not None:
            raise Conflict("this event is already cancelled")
        now = datetime.now(UTC)
        row.cancelled_at = now
        row.updated = now
        assert current.event is not None
        details = replace(current.event, cancelled=True)
        for text in current.texts:  # every language's summary starts with the marker
            await posts.replace_text(
                session, row, event_text(details, text.lang, text.name, text.source)
            )
        return await send_update(session, settings, row, current.group_slug, now)


async def _own_post(
    session: AsyncSession,
    settings: Settings,
    post_iri: str,
    slug: str | None,
    kind: records.PostKind,
) -> tuple[Post, records.Post]:
    """The post, only if it is a `kind` of group `slug`: an editor's rights stop at their group."""
    public_id = public_id_from_iri(Uris(settings.base_url), post_iri)
    row, row_slug = await posts.get_post_row(session, public_id)
    if (slug is not None and row_slug != slug) or row.kind != kind:
        raise NotFound(f"no {kind} {public_id!r}" + (f" in group {slug!r}" if slug else ""))
    return row, (await posts.post_records(session, [(row, row_slug)]))[0]


async def _replace_tags_and_files(
    session: AsyncSession,
    row: Post,
    current: records.Post,
    tags: Sequence[str],
    added: Sequence[records.Attachment],
    remove_files: Collection[str],
) -> None:
    await posts.replace_tags(session, row, tags)
    if not added and not remove_files:
        return
    unknown = set(remove_files) - {file.sha256 for file in current.attachments}
    if unknown:
        raise NotFound(f"this {row.kind} has no attached file {sorted(unknown)[0]}")
    await register_files(session, added)
    kept = [file for file in current.attachments if file.sha256 not in remove_files]
    await posts.replace_attachments(session, row, [*kept, *added])
