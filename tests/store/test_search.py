"""Full-text search, tags, filters and paging over local and remote content, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.actions.instance import init_instance
from fedhub.actions.publish import add_translation, publish_article
from fedhub.domain.drafts import validate_article
from fedhub.errors import InvalidInput
from fedhub.federation.commits import GroupCommit
from fedhub.federation.from_ap import object_from_ap
from fedhub.settings import Settings
from fedhub.store import remote
from fedhub.store.database import Database, alembic_config
from fedhub.store.network import Cursor, NetworkFilters, list_items, list_network
from fedhub.store.search import (
    drain_backlog,
    fts5_query,
    search_terms,
    tag_token,
    tsquery_text,
)
from fedhub.store.tables import RemoteObject
from fedhub.uris import Uris
from tests.store.network_data import TBILISI_ACTOR, Seeded, seed


@dataclass
class World:
    database: Database
    settings: Settings
    uris: Uris
    seeded: Seeded


@pytest.fixture
async def world(tmp_path: Path, database_url: str) -> AsyncIterator[World]:
    settings = await init_instance(
        tmp_path / "data", "local.example", http=False, database_url=database_url
    )
    database = Database(settings.resolved_database_url())
    try:
        seeded = await seed(database, settings)
        yield World(database, settings, Uris(settings.base_url), seeded)
    finally:
        await database.close()


async def found(world: World, **filters: str) -> set[str]:
    async with world.database.reading() as session:
        page = await list_items(session, world.uris, NetworkFilters(**filters), limit=100)  # type: ignore[arg-type]
    return {item.uri for item in page.items}


def local_uri(world: World, post: str) -> str:
    record = getattr(world.seeded, post)
    return world.uris.post(record.group_slug, record.kind, record.public_id)


async def test_words_are_found_in_ukrainian_russian_georgian_and_arabic(world: World) -> None:
    s = world.seeded
    assert await found(world, scope="all", query="правозахисники") == {
        local_uri(world, "ukrainian")
    }
    assert await found(world, scope="all", query="ПРАВОЗАЩИТНИКИ") == {local_uri(world, "russian")}
    assert await found(world, scope="all", query="ქალთა") == {s.georgian_uri}
    assert await found(world, scope="all", query="حقوق") == {s.arabic_uri}
    # Prefixes stand in for stemming: "правозахисн" finds the plural form.
    assert await found(world, scope="all", query="правозахисн") == {local_uri(world, "ukrainian")}
    # Every word must match; the title and the body are both searched.
    assert await found(world, scope="all", query="звіт дискримінації") == {
        local_uri(world, "ukrainian")
    }
    assert await found(world, scope="all", query="звіт преследованиях") == set()
    # The network scope leaves local posts out; the local scope, remote ones.
    assert await found(world, query="ქალთა") == {s.georgian_uri}
    assert await found(world, query="правозахисники") == set()
    assert await found(world, scope="local", query="ქალთა") == set()


async def test_remote_html_is_searched_by_its_text(world: World) -> None:
    # The Georgian article's HTML holds a link; its words are found. PostgreSQL strips the
    # markup first; SQLite has no regexp, so there its words ("href") are indexed too.
    assert await found(world, query="დამცველები") == {world.seeded.georgian_uri}
    if not world.database.is_sqlite:
        assert await found(world, query="href") == set()


@pytest.mark.parametrize(
    "hostile",
    [
        *('"', "'", "\\", "*", ":*", "NEAR(qqq zzz", "qqq OR", "AND", "NOT", "body:", "--"),
        *("()", "&|!<->", "^", "'''", "{body}", "\u200f"),
    ],
)
async def test_hostile_search_text_is_only_text(world: World, hostile: str) -> None:
    # Query syntax of FTS5 and tsquery is quoted away: no error, and nothing matches by accident.
    assert await found(world, scope="all", query=hostile) == set()
    assert await found(world, scope="all", query=f"правозахисники {hostile}") <= {
        local_uri(world, "ukrainian")
    }


def test_search_words_are_quoted_for_both_parsers() -> None:
    assert search_terms('  ქალთა   "x  !!! ') == ["ქალთა", '"x']
    assert fts5_query(["ქალთა", 'a"b']) == '"ქალთა"* "a""b"*'
    assert tsquery_text(["it's", "a\\b"]) == "'it''s':* & 'a\\\\b':*"
    assert tag_token("#Queer_Rights") == "queerrights"
    with pytest.raises(InvalidInput, match="longer than 200"):
        search_terms("а" * 201)
    with pytest.raises(InvalidInput, match="at most 12 words"):
        search_terms("слово " * 13)
    with pytest.raises(InvalidInput, match="control character"):
        NetworkFilters(query="abc\x00def")  # PostgreSQL would refuse the NUL with a 500


async def test_tags_match_whatever_their_case_and_script(world: World) -> None:
    s = world.seeded
    ukrainian = local_uri(world, "ukrainian")
    assert await found(world, scope="all", tag="лгбт") == {ukrainian}
    assert await found(world, scope="all", tag="#ЛГБТ") == {ukrainian}
    assert await found(world, scope="all", tag="Queer_Rights") == {ukrainian}
    assert await found(world, scope="all", tag="queer") == set(), "a tag is not a word of another"
    assert await found(world, scope="all", tag="ქალები") == {s.georgian_uri}
    assert await found(world, scope="all", tag="حقوق") == {s.arabic_uri}, "one Hashtag, no array"
    assert await found(world, scope="all", tag="pride") == {local_uri(world, "event")}
    assert await found(world, scope="all", tag="pride", query="march") == {
        local_uri(world, "event")
    }
    with pytest.raises(InvalidInput):
        NetworkFilters(tag="not a tag!")


async def test_filters_by_type_language_instance_and_group(world: World) -> None:
    s = world.seeded
    host = "local.example"
    assert await found(world, scope="all", kind="event") == {
        local_uri(world, "event"),
        s.remote_event_uri,
    }
    assert await found(world, kind="article") == {s.georgian_uri, s.arabic_uri}
    assert await found(world, scope="all", lang="ka") == {s.georgian_uri}
    assert await found(world, scope="all", lang="RU") == {local_uri(world, "russian")}
    assert await found(world, scope="all", instance="cairo.example") == {s.arabic_uri}
    assert await found(world, scope="all", instance=host) == {
        local_uri(world, p) for p in ("ukrainian", "russian", "event")
    }
    assert await found(world, group="@women@tbilisi.example") == {s.georgian_uri}
    assert await found(world, group="https://cairo.example/users/huquq") == {s.arabic_uri}
    assert await found(world, scope="all", group=f"kyivpride@{host}") == {
        local_uri(world, "ukrainian"),
        local_uri(world, "event"),
    }
    assert await found(world, group="nobody@nowhere.example") == set()
    for bad in ({"lang": "not a language"}, {"kind": "note"}, {"scope": "everything"}):
        with pytest.raises(InvalidInput):
            NetworkFilters(**bad)  # type: ignore[arg-type]


async def test_pages_follow_each_other_without_gaps_or_repeats(world: World) -> None:
    seen: list[str] = []
    before = None
    async with world.database.reading() as session:
        everything = await list_items(session, world.uris, NetworkFilters(scope="all"), limit=100)
        while True:
            page = await list_items(
                session, world.uris, NetworkFilters(scope="all"), before=before, limit=2
            )
            seen += [item.uri for item in page.items]
            assert len(page.items) <= 2
            if page.older is None:
                break
            before = Cursor.decode(page.older.encode())
    assert len(everything.items) == 6
    assert seen == [item.uri for item in everything.items]
    published = [item.published for item in everything.items]
    assert published == sorted(published, reverse=True)
    for bad in ("x", "1.z2", "1.l", "-99999999999999999.l1", ""):
        with pytest.raises(InvalidInput):
            Cursor.decode(bad)


async def test_the_index_follows_translations_edits_and_deletions(world: World) -> None:
    s = world.seeded
    await add_translation(
        world.database,
        world.settings,
        local_uri(world, "event"),
        lang="uk",
        title="Марш КиївПрайду",
        body_markdown="Беріть прапори.",
    )
    assert await found(world, scope="all", query="прапори") == {local_uri(world, "event")}
    async with world.database.transaction() as session:
        await session.execute(
            update(RemoteObject)
            .where(RemoteObject.uri == s.georgian_uri)
            .values(name="სოლიდარობა", content_html="<p>ახალი</p>")
        )
    assert await found(world, query="ქალთა") == set(), "an edit leaves the index at once"
    # On SQLite an edited remote object is indexed again after its commit (migration 0008).
    await drain_backlog(world.database)
    assert await found(world, query="სოლიდარობა") == {s.georgian_uri}
    async with world.database.transaction() as session:
        await session.execute(delete(RemoteObject).where(RemoteObject.uri == s.arabic_uri))
    assert await found(world, query="حقوق") == set()
    async with world.database.reading() as session:
        assert (
            await session.scalar(select(RemoteObject.id).where(RemoteObject.uri == s.arabic_uri))
            is None
        )
        assert {item.uri for item in await list_network(session)} == {
            s.georgian_uri,
            s.remote_event_uri,
        }


async def test_arabic_vowel_marks_and_tatweel_are_ignored_both_ways(world: World) -> None:
    """Voweled and plain spellings of a word find each other, in the index and in the query."""
    s = world.seeded
    voweled = await publish_article(
        world.database,
        world.settings,
        validate_article(
            group_slug="kyivpride",
            lang="ar",
            title="بَيَان",
            body_markdown="الدِّفَاعُ عَنْ حُقُوقِ الْمُهَاجِرِينَ وَالحُرِّيَّــات",
        ),
    )
    voweled_uri = world.uris.post("kyivpride", "article", voweled.public_id)
    # The remote note is written "حقوق الإنسان للجميع", without marks.
    assert await found(world, scope="all", query="حُقُوق") == {s.arabic_uri, voweled_uri}
    assert await found(world, scope="all", query="حقوق") == {s.arabic_uri, voweled_uri}
    assert await found(world, scope="all", query="الإِنْسَان") == {s.arabic_uri}
    assert await found(world, scope="all", query="المهاجرين") == {voweled_uri}
    assert await found(world, scope="all", query="والحريات") == {voweled_uri}  # tatweel too
    assert await found(world, scope="all", query="ـــ") == set()  # only tatweel: no word


def test_search_terms_drop_arabic_marks_and_nothing_else() -> None:
    assert search_terms("حُقُوقُ  الإِنْسَانِ Права") == ["حقوق", "الإنسان", "Права"]
    assert search_terms("كـــتاب ـ") == ["كتاب"]
    assert search_terms("café") == ["café"]  # Latin accents are the tokenizer's business


async def test_migration_0007_indexes_older_rows_again_and_goes_back(world: World) -> None:
    """Rows written under 0006 are found by their plain spelling once 0007 has run."""

    async def to(revision: str) -> None:
        async with world.database.engine.begin() as conn:
            await conn.run_sync(
                lambda c: (command.downgrade if revision == "0006" else command.upgrade)(
                    alembic_config(c), revision
                )
            )

    await to("0006")
    await publish_article(
        world.database,
        world.settings,
        validate_article(
            group_slug="kyivpride", lang="ar", title="بَيَان", body_markdown="حُرِّيَّة التَّعْبِير"
        ),
    )
    async with world.database.transaction() as session:
        await session.execute(
            update(RemoteObject)
            .where(RemoteObject.uri == world.seeded.arabic_uri)
            .values(content_html="<p>حُقُوقُ الإِنْسَانِ</p>")
        )
    assert await found(world, scope="all", query="حرية") == set()  # the marks broke the word
    assert await found(world, scope="all", query="الإنسان") == set()
    await to("head")
    assert len(await found(world, scope="all", query="حرية التعبير")) == 1
    assert await found(world, scope="all", query="الإنسان") == {world.seeded.arabic_uri}


async def queued(world: World) -> int:
    async with world.database.reading() as session:
        return int(await session.scalar(text("SELECT count(*) FROM remote_search_backlog")) or 0)


async def put_lot(world: World, *notes: tuple[str, str]) -> None:
    """Store notes by the Georgian group's actor as the inbox's writer does: a lot at once."""
    async with world.database.transaction() as session:
        author = await session.scalar(
            select(RemoteObject.actor_id).where(RemoteObject.uri == world.seeded.georgian_uri)
        )
        assert author is not None
        rows = []
        for uri, words in notes:
            document = {
                "id": uri,
                "type": "Note",
                "attributedTo": TBILISI_ACTOR,
                "content": f"<p>{words}</p>",
            }
            rows.append(remote.ObjectRow(object_from_ap(document), author, document))
        await remote.put_remote_objects(session, rows)


async def test_a_lot_of_remote_objects_is_found_once_its_backlog_is_indexed(
    world: World,
) -> None:
    """The inbox's lots are indexed after their commit (migration 0008)."""
    first, second = (f"https://tbilisi.example/notes/{n}" for n in (1, 2))
    await put_lot(world, (first, "ტრენინგი თბილისში"), (second, "ტრენინგი ბათუმში"))
    assert await found(world, query="ტრენინგი") == set()
    assert await queued(world) == 2
    # Changed, then one of them deleted, before being indexed: the index gets only what is left.
    await put_lot(world, (first, "სემინარი თბილისში"))
    async with world.database.transaction() as session:
        await session.execute(delete(RemoteObject).where(RemoteObject.uri == second))
    assert await queued(world) == 1
    assert await drain_backlog(world.database) == 1
    assert await queued(world) == 0
    assert await found(world, query="ტრენინგი") == set()
    assert await found(world, query="სემინარი") == {first}
    assert await drain_backlog(world.database) == 0, "indexed once"
    # Changed once indexed: out of the index at once, in again with its new words.
    await put_lot(world, (first, "კონფერენცია"))
    assert await found(world, query="სემინარი") == set()
    assert await drain_backlog(world.database) == 1
    assert await found(world, query="კონფერენცია") == {first}


async def test_the_inbox_writer_indexes_after_each_group_and_what_a_crash_left(
    world: World,
) -> None:
    left = "https://tbilisi.example/notes/left-by-a-crash"
    await put_lot(world, (left, "დარჩენილი"))  # committed, never indexed: the server stopped
    fresh = "https://tbilisi.example/notes/fresh"

    async def write_all(session: AsyncSession, items: Sequence[str]) -> list[bool]:
        author = await session.scalar(
            select(RemoteObject.actor_id).where(RemoteObject.uri == world.seeded.georgian_uri)
        )
        assert author is not None
        document = {
            "id": fresh,
            "type": "Note",
            "attributedTo": TBILISI_ACTOR,
            "content": "<p>ახალი ამბავი</p>",
        }
        await remote.put_remote_objects(
            session, [remote.ObjectRow(object_from_ap(document), author, document)]
        )
        return [True for _ in items]

    async with GroupCommit(world.database, follow_up=drain_backlog) as commits:
        assert await commits.write(f"{fresh}#create", fresh, write_all) is True
        assert await found(world, query="დარჩენილი") == {left}, "indexed at start"
        assert await found(world, query="ამბავი") == {fresh}, "indexed after its group"
    assert await queued(world) == 0
