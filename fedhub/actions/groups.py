"""Making groups: each gets its own RSA key the moment it exists."""

from __future__ import annotations

from datetime import UTC, datetime

from fedhub.actions.publish import Upload
from fedhub.activitypub.keys import generate_key_pair
from fedhub.domain import records
from fedhub.domain.drafts import validate_group_name, validate_group_slug
from fedhub.domain.languages import normalise_lang
from fedhub.errors import InvalidInput
from fedhub.federation.sending import send_profile
from fedhub.federation.to_ap import group_to_ap
from fedhub.settings import Settings
from fedhub.store import actors, media
from fedhub.store.database import Database
from fedhub.store.tables import LocalActor
from fedhub.uris import Uris

MAX_SUMMARY = 2000


async def create_group(
    database: Database,
    slug: str,
    name: str,
    summary: str = "",
    lang: str = "en",
    *,
    manual_approval: bool = False,
) -> records.Group:
    slug = validate_group_slug(slug)
    name = validate_group_name(name)
    lang = normalise_lang(lang)
    summary = summary.strip()
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(f"the summary is longer than {MAX_SUMMARY} characters")
    keys = generate_key_pair()
    async with database.transaction() as session:
        row = await actors.insert_local_actor(
            session,
            LocalActor(
                kind="group",
                slug=slug,
                name=name,
                summary=summary,
                lang=lang,
                private_key_pem=keys.private_pem,
                public_key_pem=keys.public_pem,
                manually_approves_followers=manual_approval,
            ),
        )
        return await actors.group_record(session, row)


async def update_group(
    database: Database,
    settings: Settings,
    slug: str,
    *,
    name: str | None = None,
    summary: str | None = None,
    manual_approval: bool | None = None,
    icon: Upload | None = None,
) -> records.Group:
    """Change a group's profile; its followers get an Update of the actor, as Mastodon sends."""
    async with database.transaction() as session:
        row = await actors.get_group_row(session, slug)
        if name is not None:
            row.name = validate_group_name(name)
        if summary is not None:
            if len(summary.strip()) > MAX_SUMMARY:
                raise InvalidInput(f"the summary is longer than {MAX_SUMMARY} characters")
            row.summary = summary.strip()
        if icon is not None:
            if not icon.media_type.startswith("image/"):
                raise InvalidInput("a group's icon must be a PNG, JPEG, GIF or WebP image")
            sha256 = media.write_media_file(settings.media_dir, icon.data)
            await media.put_media(session, sha256, icon.media_type, len(icon.data))
            row.icon_sha256, row.icon_filename = sha256, icon.filename
        if manual_approval is not None:
            row.manually_approves_followers = manual_approval
        now = datetime.now(UTC)
        row.updated_at = now
        await session.flush()
        group = await actors.group_record(session, row)
        uris = Uris(settings.base_url)
        await send_profile(session, uris, row, group_to_ap(group, uris))
        return group
