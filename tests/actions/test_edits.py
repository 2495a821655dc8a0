"""Editing and cancelling published posts: one transaction, an Update queued for followers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fedhub.actions.edits import cancel_event, edit_article, edit_event
from fedhub.actions.groups import create_group
from fedhub.actions.instance import init_instance
from fedhub.actions.publish import add_translation, make_upload, publish_article, publish_event
from fedhub.domain.drafts import ArticleDraft, validate_article, validate_event
from fedhub.errors import Conflict, NotFound
from fedhub.settings import Settings
from fedhub.store import actors, posts
from fedhub.store.database import Database
from fedhub.store.follows import put_follower
from fedhub.store.tables import Delivery, OutboxActivity, RemoteActor

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture
async def instance(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[Settings, Database]]:
    settings = await init_instance(
        tmp_path / "data", "groups.test", http=False, database_url=database_url, name="t"
    )
    database = Database(settings.resolved_database_url())
    await create_group(database, "kyiv", "Kyiv", "", "uk")
    await create_group(database, "tbilisi", "Tbilisi", "", "ka")
    yield settings, database
    await database.close()


async def _updates(database: Database) -> list[dict[str, object]]:
    async with database.reading() as session:
        rows = await session.scalars(
            select(OutboxActivity)
            .where(OutboxActivity.type == "Update")
            .order_by(OutboxActivity.id)
        )
        return [row.payload for row in rows]


def article(
    title: str, body: str, *, slug: str = "kyiv", tags: str = "", lang: str = "uk"
) -> ArticleDraft:
    return validate_article(group_slug=slug, lang=lang, title=title, body_markdown=body, tags=tags)


async def test_editing_an_article_replaces_its_text_tags_and_files_and_sends_an_update(
    instance: tuple[Settings, Database],
) -> None:
    settings, database = instance
    pdf = make_upload("plan.pdf", PDF, 10**6)
    post = await publish_article(
        database, settings, article("Марш", "Перший текст", tags="pride"), [pdf]
    )
    await add_translation(
        database, settings, post.public_id, lang="en", title="March", body_markdown="First text"
    )
    edited = await edit_article(
        database,
        settings,
        post.public_id,
        article("Марш рівності", "Новий **текст**", tags="kyiv, equality"),
        uploads=[make_upload("map.pdf", PDF + b"%map", 10**6)],
        remove_files=[post.attachments[0].sha256],
    )
    assert [t.lang for t in edited.texts] == ["uk", "en"]  # the translation is untouched
    assert edited.primary.name == "Марш рівності"
    assert edited.primary.content_html == "<p>Новий <strong>текст</strong></p>\n"
    assert edited.texts[1].name == "March"
    assert edited.tags == ("equality", "kyiv")
    assert [a.filename for a in edited.attachments] == ["map.pdf"]
    assert edited.updated is not None
    update = (await _updates(database))[-1]
    assert update["object"]["name"] == "Марш рівності"  # type: ignore[index]
    assert update["object"]["contentMap"]["en"] == "<p>First text</p>\n"  # type: ignore[index]


async def test_an_edit_of_another_groups_post_or_a_missing_language_changes_nothing(
    instance: tuple[Settings, Database],
) -> None:
    settings, database = instance
    post = await publish_article(database, settings, article("Title", "Body", lang="uk"))
    before = await _updates(database)
    with pytest.raises(NotFound, match="tbilisi"):
        await edit_article(database, settings, post.public_id, article("X", "Y", slug="tbilisi"))
    with pytest.raises(NotFound, match="no 'de' version"):
        await edit_article(database, settings, post.public_id, article("X", "Y", lang="de"))
    with pytest.raises(NotFound, match="no attached file"):
        await edit_article(
            database, settings, post.public_id, article("X", "Y"), remove_files=["0" * 64]
        )
    async with database.reading() as session:
        unchanged = await posts.get_post(session, "kyiv", "article", post.public_id)
    assert unchanged.primary.name == "Title" and unchanged.updated is None
    assert await _updates(database) == before


async def test_editing_an_event_rewrites_every_languages_summary_and_cancel_marks_it(
    instance: tuple[Settings, Database],
) -> None:
    settings, database = instance
    draft = validate_event(
        group_slug="kyiv", lang="uk", title="Зустріч", start="2026-12-05T18:00",
        end="2026-12-05T20:00", timezone="Europe/Kyiv", place_name="Бібліотека",
    )  # fmt: skip
    event = await publish_event(database, settings, draft)
    await add_translation(
        database, settings, event.public_id, lang="en", title="Meeting", body_markdown=""
    )
    moved = validate_event(
        group_slug="kyiv", lang="uk", title="Зустріч (онлайн)", start="2026-12-06T19:00",
        end="2026-12-06T21:00", timezone="Europe/Kyiv", online_url="https://meet.example/x",
    )  # fmt: skip
    edited = await edit_event(database, settings, event.public_id, moved)
    assert edited.event is not None
    assert edited.event.place is None and edited.event.online_url == "https://meet.example/x"
    assert edited.texts[0].name == "Зустріч (онлайн)"
    assert edited.texts[1].name == "Meeting"
    assert all("Бібліотека" not in text.summary for text in edited.texts)
    assert "meet.example" in edited.texts[1].summary  # the English summary says where, too
    cancelled = await cancel_event(database, settings, event.public_id, "kyiv")
    assert cancelled.event is not None and cancelled.event.cancelled
    update = (await _updates(database))[-1]
    assert update["object"]["ical:status"] == "CANCELLED"  # type: ignore[index]
    with pytest.raises(Conflict, match="already cancelled"):
        await cancel_event(database, settings, event.public_id, "kyiv")
    with pytest.raises(NotFound):
        await cancel_event(database, settings, event.public_id, "tbilisi")


async def test_updates_are_queued_to_accepted_followers(
    instance: tuple[Settings, Database],
) -> None:
    settings, database = instance
    async with database.transaction() as session:
        group = await actors.get_group_row(session, "kyiv")
        follower = RemoteActor(
            uri="https://social.example/users/olena", type="Person", domain="social.example",
            inbox="https://social.example/users/olena/inbox", raw={},
        )  # fmt: skip
        session.add(follower)
        await session.flush()
        await put_follower(session, group.id, follower.id, "accepted", "https://social.example/f/1")
    post = await publish_article(database, settings, article("Title", "Body"))
    await edit_article(database, settings, post.public_id, article("New title", "Body"))
    async with database.reading() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .join(OutboxActivity, OutboxActivity.id == Delivery.activity_id)
            .where(OutboxActivity.type == "Update", Delivery.inbox == follower.inbox)
        )
    assert count == 1
