"""Creating and opening an instance: its settings file, its database and its own actor."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from fedhub.activitypub.keys import generate_key_pair
from fedhub.errors import InvalidInput
from fedhub.settings import (
    CONFIG_FILE,
    Settings,
    load_settings,
    normalise_database_url,
    validate_domain,
    write_settings,
)
from fedhub.store.actors import INSTANCE_ACTOR_SLUG
from fedhub.store.database import Database
from fedhub.store.tables import LocalActor


async def init_instance(
    data_dir: Path, domain: str, *, http: bool, database_url: str | None, name: str = "fedhub"
) -> Settings:
    """Make the instance: tables, the instance actor and its key, then the settings file.

    The settings file is written last, so a failure leaves no half-made instance behind.
    """
    domain = validate_domain(domain)
    if (data_dir / CONFIG_FILE).exists():
        raise InvalidInput(f"{data_dir} already holds an instance")
    data_dir.mkdir(parents=True, exist_ok=True)
    scheme = "http" if http else "https"
    provisional = Settings(data_dir=data_dir, domain=domain, scheme=scheme, name=name)
    url = database_url or provisional.resolved_database_url()
    database = Database(normalise_database_url(url))
    try:
        await database.migrate()
        async with database.transaction() as session:
            existing = await session.scalar(
                select(LocalActor.id).where(LocalActor.kind == "application")
            )
            if existing is None:
                keys = generate_key_pair()
                session.add(
                    LocalActor(
                        kind="application",
                        slug=INSTANCE_ACTOR_SLUG,
                        name=name,
                        summary="",
                        lang="en",
                        private_key_pem=keys.private_pem,
                        public_key_pem=keys.public_pem,
                    )
                )
    finally:
        await database.close()
    write_settings(data_dir, domain, scheme, name)
    return load_settings(data_dir, database_url)


async def open_instance(data_dir: Path, database_url: str | None) -> tuple[Settings, Database]:
    """Settings and an open, migrated database for a command that works on the instance."""
    settings = load_settings(data_dir, database_url)
    database = Database(settings.resolved_database_url())
    await database.migrate()
    return settings, database
