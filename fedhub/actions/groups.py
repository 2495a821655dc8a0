"""Making groups: each gets its own RSA key the moment it exists."""

from __future__ import annotations

from fedhub.activitypub.keys import generate_key_pair
from fedhub.domain import records
from fedhub.domain.drafts import validate_group_name, validate_group_slug
from fedhub.domain.languages import normalise_lang
from fedhub.errors import InvalidInput
from fedhub.store import actors
from fedhub.store.database import Database
from fedhub.store.tables import LocalActor

MAX_SUMMARY = 2000


async def create_group(
    database: Database, slug: str, name: str, summary: str = "", lang: str = "en"
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
            ),
        )
        return await actors.group_record(session, row)
