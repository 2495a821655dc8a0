"""Publishing articles and events, and adding a language version to one already published."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.domain import records
from fedhub.domain.content import lead, render_markdown
from fedhub.domain.drafts import ArticleDraft, EventDraft, validate_translation
from fedhub.domain.event_summary import event_summary
from fedhub.domain.uploads import ACCEPTED_TYPES, safe_filename, sniff_media_type, strip_metadata
from fedhub.errors import InvalidInput, NotFound, PayloadTooLarge
from fedhub.federation.activity_to_ap import delete_to_ap, update_to_ap
from fedhub.federation.sending import relay_to_instance_followers, send_to_followers
from fedhub.federation.to_ap import create_to_ap, post_to_ap
from fedhub.settings import Settings
from fedhub.store import actors, media, posts
from fedhub.store.database import Database
from fedhub.store.tables import Post
from fedhub.uris import Uris


@dataclass(frozen=True)
class Upload:
    """A file an editor attaches, already read and checked."""

    filename: str
    data: bytes
    media_type: str
    name: str = ""


def read_upload(path: Path, max_bytes: int, name: str = "") -> Upload:
    """Read and check a file from disk before anything is written."""
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}")
    size = path.stat().st_size
    if size > max_bytes:
        raise InvalidInput(f"{path.name} is {size} bytes; the limit is {max_bytes}")
    return make_upload(path.name, path.read_bytes(), max_bytes, name)


def make_upload(
    filename: str, data: bytes, max_bytes: int, name: str = "", declared_type: str = ""
) -> Upload:
    """Check a file (CLI or web form) by its content and strip its images' metadata.

    `declared_type` is what a browser claimed; a claim naming another accepted type than the
    bytes hold is refused rather than silently corrected, since the editor picked the wrong file.
    """
    clean_name = safe_filename(filename)
    if not data:
        raise InvalidInput(f"{clean_name} is empty")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"{clean_name} is {len(data)} bytes; the limit is {max_bytes}")
    media_type = sniff_media_type(data[:64])
    declared = declared_type.split(";", 1)[0].strip().lower()
    if declared in ACCEPTED_TYPES and declared != media_type:
        raise InvalidInput(f"{clean_name} is sent as {declared} but its content is {media_type}")
    return Upload(clean_name, strip_metadata(data, media_type), media_type, name.strip())


def new_public_id() -> str:
    """Random, so ids reveal neither order nor volume of publishing."""
    return secrets.token_urlsafe(12)


async def publish_article(
    database: Database, settings: Settings, draft: ArticleDraft, uploads: Sequence[Upload] = ()
) -> records.Post:
    text = article_text(draft.lang, draft.title, draft.body_markdown, draft.summary)
    return await _insert(database, settings, draft.group_slug, "article", text, draft.tags, uploads)


def article_text(lang: str, title: str, body: str, summary: str | None) -> records.Text:
    """One language version of an article; without a summary, the body's lead stands in."""
    return records.Text(
        lang=lang,
        name=title,
        summary=summary or lead(body),
        source=body,
        content_html=render_markdown(body),
    )


async def publish_event(
    database: Database, settings: Settings, draft: EventDraft, uploads: Sequence[Upload] = ()
) -> records.Post:
    details = event_details(draft)
    text = event_text(details, draft.lang, draft.title, draft.body_markdown)
    return await _insert(
        database, settings, draft.group_slug, "event", text, draft.tags, uploads, event=details
    )


def event_details(draft: EventDraft) -> records.EventDetails:
    return records.EventDetails(
        start=draft.start,
        end=draft.end,
        timezone=draft.timezone,
        place=draft.place,
        online_url=draft.online_url or None,
    )


def event_text(event: records.EventDetails, lang: str, title: str, body: str) -> records.Text:
    """An event's summary says when and where in its own language: Mastodon shows nothing else."""
    summary = event_summary(
        start=event.start,
        end=event.end,
        timezone=event.timezone,
        lang=lang,
        place_name=event.place.name if event.place else "",
        address=event.place.address if event.place else "",
        online_url=event.online_url or "",
        description_lead=lead(body, max_chars=200) if body else "",
        cancelled=event.cancelled,
    )
    return records.Text(
        lang=lang, name=title, summary=summary, source=body, content_html=render_markdown(body)
    )


async def _insert(
    database: Database,
    settings: Settings,
    slug: str,
    kind: records.PostKind,
    text: records.Text,
    tags: Sequence[str],
    uploads: Sequence[Upload],
    event: records.EventDetails | None = None,
) -> records.Post:
    attachments = store_files(settings, uploads)
    now = datetime.now(UTC)
    async with database.transaction() as session:
        group = await actors.get_group_row(session, slug)
        await register_files(session, attachments)
        row = Post(public_id=new_public_id(), actor_id=group.id, kind=kind, published=now)
        if event is not None:
            set_event_columns(row, event)
        await posts.insert_post(session, row, [text], tags, attachments)
        record = (await posts.post_records(session, [(row, slug)]))[0]
        uris = Uris(settings.base_url)
        create = create_to_ap(record, uris, await actors.group_record(session, group))
        await send_to_followers(session, group, create, create["object"]["id"])
        await relay_to_instance_followers(session, uris, create["object"]["id"], uris.group(slug))
        return record


def store_files(settings: Settings, uploads: Sequence[Upload]) -> list[records.Attachment]:
    """Write files before the transaction: content-addressed, so a failed transaction leaves
    only an unreferenced file, never a row pointing at nothing."""
    return [
        records.Attachment(
            sha256=media.write_media_file(settings.media_dir, upload.data),
            filename=upload.filename,
            media_type=upload.media_type,
            size=len(upload.data),
            name=upload.name,
        )
        for upload in uploads
    ]


async def register_files(session: AsyncSession, attachments: Sequence[records.Attachment]) -> None:
    for attachment in attachments:
        await media.put_media(session, attachment.sha256, attachment.media_type, attachment.size)


def set_event_columns(row: Post, event: records.EventDetails) -> None:
    row.starts_at = event.start
    row.ends_at = event.end
    row.timezone = event.timezone
    place = event.place
    row.place_name = place.name if place else None
    row.place_address = (place.address or None) if place else None
    row.latitude = place.latitude if place else None
    row.longitude = place.longitude if place else None
    row.online_url = event.online_url


async def add_translation(
    database: Database,
    settings: Settings,
    post_iri: str,
    *,
    lang: str,
    title: str,
    body_markdown: str,
    summary: str = "",
) -> records.Post:
    """Add another language to the same object, so followers see one article, not two."""
    public_id = public_id_from_iri(Uris(settings.base_url), post_iri)
    draft = validate_translation(lang=lang, title=title, body=body_markdown, summary=summary)
    async with database.transaction() as session:
        row, slug = await posts.get_post_row(session, public_id)
        if row.kind == "event":
            current = (await posts.post_records(session, [(row, slug)]))[0]
            assert current.event is not None
            text = event_text(current.event, draft.lang, draft.title, draft.body_markdown)
        else:
            if not draft.body_markdown.strip():
                raise InvalidInput("an article's translation needs a body")
            text = article_text(draft.lang, draft.title, draft.body_markdown, draft.summary)
        now = datetime.now(UTC)
        await posts.add_text(session, row, text, now)
        return await send_update(session, settings, row, slug, now)


async def send_update(
    session: AsyncSession, settings: Settings, row: Post, slug: str, now: datetime
) -> records.Post:
    """Tell followers the post changed: an Update carrying the whole new object."""
    uris = Uris(settings.base_url)
    record = (await posts.post_records(session, [(row, slug)]))[0]
    group = await actors.get_group_row(session, slug)
    document = post_to_ap(record, uris, await actors.group_record(session, group))
    update = update_to_ap(
        uris.activity(uris.group(slug), new_public_id()), uris.group(slug), document, now
    )
    await send_to_followers(session, group, update, document["id"])
    return record


async def delete_post(database: Database, settings: Settings, post_iri: str) -> str:
    """Delete an article or event: its id answers 410 Gone, and followers get a Delete."""
    uris = Uris(settings.base_url)
    public_id = public_id_from_iri(uris, post_iri)
    now = datetime.now(UTC)
    async with database.transaction() as session:
        row, slug = await posts.get_post_row(session, public_id)
        row.deleted_at = now
        group = await actors.get_group_row(session, slug)
        object_id = uris.post(slug, "event" if row.kind == "event" else "article", public_id)
        delete = delete_to_ap(
            uris.activity(uris.group(slug), new_public_id()),
            uris.group(slug),
            object_id,
            uris.followers(slug),
            now,
        )
        await send_to_followers(session, group, delete, object_id)
    return object_id


def public_id_from_iri(uris: Uris, iri: str) -> str:
    """Accept the object's id (its URL) or the bare public id the CLI printed."""
    iri = iri.strip()
    if "/" not in iri:
        return iri
    prefix = f"{uris.base}/groups/"
    parts = iri[len(prefix) :].split("/") if iri.startswith(prefix) else []
    if len(parts) != 3 or parts[1] not in ("articles", "events"):
        raise NotFound(f"{iri} is not an article or event of this instance")
    return parts[2]
