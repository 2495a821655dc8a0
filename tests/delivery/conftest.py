"""Fixtures for the delivery queue: a migrated database, a signing group, a clock tests move."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from fedhub.activitypub.keys import KeyPair, generate_key_pair
from fedhub.store.database import Database
from fedhub.store.tables import LocalActor, OutboxActivity
from fedhub.uris import Uris

URIS = Uris("https://fedhub.test")
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def group_key() -> KeyPair:
    """The sending group's key pair: made once, RSA generation is slow-ish."""
    return generate_key_pair()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    yield database
    await database.close()


@dataclass
class Clock:
    """The time the queue sees; tests move it instead of sleeping through backoffs."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def add_activity(database: Database, key: KeyPair, slug: str = "climate") -> int:
    """A group with `key` and one Create from it; returns the activity's row id."""
    async with database.transaction() as session:
        actor = LocalActor(
            kind="group",
            slug=slug,
            name=slug.title(),
            private_key_pem=key.private_pem,
            public_key_pem=key.public_pem,
        )
        session.add(actor)
        await session.flush()
        activity = OutboxActivity(
            uri=f"{URIS.group(slug)}/activities/1",
            actor_id=actor.id,
            type="Create",
            payload={
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{URIS.group(slug)}/activities/1",
                "type": "Create",
                "actor": URIS.group(slug),
                "object": {"type": "Article", "name": "Rally on Saturday ✊"},
            },
        )
        session.add(activity)
        await session.flush()
        return activity.id
