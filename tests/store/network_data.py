"""Real content in five languages, local and remote, for the search, listing and feed tests.

Local posts go through the publishing actions; remote actors and objects through the same
converters and store functions the inbox uses, from ActivityStreams documents as peers send them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from fedhub.actions.groups import create_group
from fedhub.actions.publish import publish_article, publish_event
from fedhub.domain import records
from fedhub.domain.drafts import validate_article, validate_event
from fedhub.federation.from_ap import actor_from_ap
from fedhub.federation.ingest import store_object
from fedhub.settings import Settings
from fedhub.store import remote
from fedhub.store.database import Database
from fedhub.store.tables import Following, LocalActor

KYIV_ACTOR = "https://kyiv.example/groups/pride"
TBILISI_ACTOR = "https://tbilisi.example/groups/women"
CAIRO_ACTOR = "https://cairo.example/users/huquq"


@dataclass
class Seeded:
    ukrainian: records.Post  # local article, tags #ЛГБТ and #queer_rights
    russian: records.Post  # local article
    event: records.Post  # local event in Kyiv time, English and Ukrainian
    georgian_uri: str  # remote Article from tbilisi.example
    arabic_uri: str  # remote Note from cairo.example
    remote_event_uri: str  # remote Event (Mobilizon-like) from kyiv.example


def _actor(uri: str, username: str, name: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": uri,
        "type": "Group",
        "preferredUsername": username,
        "name": name,
        "inbox": f"{uri}/inbox",
        "outbox": f"{uri}/outbox",
        "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": "unused"},
    }


def _object(actor: str, path: str, kind: str, published: datetime, **extra: Any) -> dict[str, Any]:
    host = actor.split("/")[2]
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"https://{host}/{path}",
        "type": kind,
        "attributedTo": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "published": published.isoformat().replace("+00:00", "Z"),
        **extra,
    }


async def seed(database: Database, settings: Settings) -> Seeded:
    await create_group(database, "kyivpride", "Київ Прайд", lang="uk")
    await create_group(database, "memorial", "Мемориал", lang="ru")
    ukrainian = await publish_article(
        database,
        settings,
        validate_article(
            group_slug="kyivpride",
            lang="uk",
            title="Звіт правозахисників",
            body_markdown="Правозахисники зафіксували _сорок_ випадків дискримінації.",
            tags=["ЛГБТ", "queer_rights"],
        ),
    )
    russian = await publish_article(
        database,
        settings,
        validate_article(
            group_slug="memorial",
            lang="ru",
            title="Доклад о преследованиях",
            body_markdown="Правозащитники опубликовали доклад о политических преследованиях.",
            tags=["доклад"],
        ),
    )
    event = await publish_event(
        database,
        settings,
        validate_event(
            group_slug="kyivpride",
            lang="en",
            title="Kyiv Pride march",
            start="2027-06-12T12:00",
            end="2027-06-12T15:00",
            timezone="Europe/Kyiv",
            place_name="Maidan Nezalezhnosti",
            address="Kyiv, Ukraine",
            body_markdown="Bring flags.",
            tags=["pride"],
        ),
    )
    base = datetime.now(UTC) - timedelta(days=1)
    georgian = _object(
        TBILISI_ACTOR,
        "articles/1",
        "Article",
        base,
        name="ქალთა უფლებები საქართველოში",
        content="<p>ქალთა უფლებების დამცველები <a href='https://tbilisi.example/tags/x'>#"
        "ქალები</a></p>",
        contentMap={"ka": "<p>ქალთა უფლებების დამცველები</p>"},
        tag=[{"type": "Hashtag", "name": "#ქალები", "href": "https://tbilisi.example/tags/x"}],
    )
    arabic = _object(
        CAIRO_ACTOR,
        "notes/7",
        "Note",
        base + timedelta(minutes=1),
        content="<p>حقوق الإنسان للجميع</p>",
        contentMap={"ar": "<p>حقوق الإنسان للجميع</p>"},
        tag={"type": "Hashtag", "name": "#حقوق"},
    )
    remote_event = _object(
        KYIV_ACTOR,
        "events/3",
        "Event",
        base + timedelta(minutes=2),
        name="Зустріч громади",
        content="<p>Вечір підтримки</p>",
        contentMap={"uk": "<p>Вечір підтримки</p>"},
        startTime="2026-12-05T16:00:00Z",
        endTime="2026-12-05T18:00:00Z",
        timezone="Europe/Kyiv",
        location={"type": "Place", "name": "Community centre", "address": "Khreshchatyk 1"},
    )
    async with database.transaction() as session:
        group_id = await session.scalar(select(LocalActor.id).where(LocalActor.slug == "kyivpride"))
        assert group_id is not None
        for actor_uri, username, name, document in (
            (TBILISI_ACTOR, "women", "Tbilisi women", georgian),
            (CAIRO_ACTOR, "huquq", "Huquq", arabic),
            (KYIV_ACTOR, "pride", "Kyiv community", remote_event),
        ):
            doc = _actor(actor_uri, username, name)
            actor = await remote.put_remote_actor(session, actor_from_ap(doc), doc)
            session.add(
                Following(
                    local_actor_id=group_id,
                    remote_actor_id=actor.id,
                    state="accepted",
                    follow_activity_uri=f"{actor_uri}#follow-from-kyivpride",
                )
            )
            await store_object(session, document, actor)
    return Seeded(ukrainian, russian, event, georgian["id"], arabic["id"], remote_event["id"])
