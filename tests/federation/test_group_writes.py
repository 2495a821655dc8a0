"""Batched writes in the group commit: a lot per kind, failures kept apart, order kept with blocks."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.actions.groups import create_group
from fedhub.errors import InvalidDocument
from fedhub.federation.commits import GroupCommit
from fedhub.federation.from_ap import object_from_ap
from fedhub.federation.ingest import Created, store_created
from fedhub.store import actors, remote
from fedhub.store.database import Database
from fedhub.store.tables import Following, InboxActivity, RemoteActor, RemoteObject

PEER = "https://peer.example"


def activity(n: int) -> str:
    return f"{PEER}/activities/{n}"


async def recorded(database: Database) -> set[str]:
    async with database.reading() as session:
        return set((await session.scalars(select(InboxActivity.uri))).all())


class Recorder:
    """A `write_all` that records activity ids, counts its calls, and fails on a poisoned id."""

    def __init__(self, poisoned: int | None = None) -> None:
        self.poisoned = poisoned
        self.lots: list[list[int]] = []

    async def __call__(self, session: AsyncSession, items: Sequence[int]) -> list[bool]:
        self.lots.append(list(items))
        fresh = await remote.record_activities(
            session, [remote.SeenActivity(activity(n), "Create", PEER) for n in items]
        )
        if self.poisoned in items:
            raise InvalidDocument(f"activity {self.poisoned} is poisoned")
        results = []
        for n in items:  # a second copy in the lot is not new
            results.append(activity(n) in fresh)
            fresh.discard(activity(n))
        return results


async def test_items_arriving_together_are_written_in_one_lot(database: Database) -> None:
    write_all = Recorder()
    async with GroupCommit(database, writers=1, window=0.2) as commits:
        results = await asyncio.gather(
            *(commits.write(activity(n), n, write_all) for n in (1, 2, 3, 1))
        )
    assert write_all.lots == [[1, 2, 3, 1]], "one call for the whole group"
    assert results == [True, True, True, False], "the copy of 1 was not new"
    assert await recorded(database) == {activity(n) for n in (1, 2, 3)}


async def test_a_failing_item_fails_alone(database: Database) -> None:
    write_all = Recorder(poisoned=2)
    async with GroupCommit(database, writers=1, window=0.2) as commits:
        results = await asyncio.gather(
            *(commits.write(activity(n), n, write_all) for n in (1, 2, 3)),
            return_exceptions=True,
        )
    assert results[0] is True and results[2] is True
    assert isinstance(results[1], InvalidDocument)
    assert write_all.lots == [[1, 2, 3], [1], [2], [3]], "the lot, then each alone"
    assert await recorded(database) == {activity(1), activity(3)}


async def test_an_item_is_released_only_once_committed(database: Database) -> None:
    async def request() -> bool:
        with commits.arriving():
            return await commits.write(activity(1), 1, Recorder())

    async with GroupCommit(database, window=0.3) as commits:
        with commits.arriving():  # another request, still being checked, keeps the group open
            writing = asyncio.create_task(request())
            await asyncio.sleep(0.1)
            assert not writing.done(), "released before the commit"
            assert await recorded(database) == set()
        assert await writing is True
        assert await recorded(database) == {activity(1)}


async def test_a_block_sees_the_items_that_arrived_before_it(database: Database) -> None:
    seen_by_block: list[bool] = []

    async def block() -> None:
        async with commits.turn(activity(1)) as session:
            # A copy of the activity the item wrote: the block must find it already recorded.
            seen_by_block.append(await remote.first_sight(session, activity(1), "Create", PEER))

    async with GroupCommit(database, writers=1, window=0.2) as commits:
        written = asyncio.create_task(commits.write(activity(1), 1, Recorder()))
        await asyncio.sleep(0)  # the item queues first
        await asyncio.gather(written, block())
    assert written.result() is True
    assert seen_by_block == [False]


async def test_an_item_whose_request_went_away_is_not_written(database: Database) -> None:
    write_all = Recorder()

    async def request(n: int) -> bool:
        with commits.arriving():
            return await commits.write(activity(n), n, write_all)

    async with GroupCommit(database, writers=1, window=0.2) as commits:
        with commits.arriving():  # a request still being checked keeps the group open
            gone = asyncio.create_task(request(1))
            kept = asyncio.create_task(request(2))
            await asyncio.sleep(0.05)
            gone.cancel()
        assert await kept is True
    assert write_all.lots == [[2]]
    assert await recorded(database) == {activity(2)}


async def test_after_closing_an_item_commits_on_its_own(database: Database) -> None:
    commits = GroupCommit(database, window=0.05)
    async with commits:
        pass
    assert await commits.write(activity(7), 7, Recorder()) is True
    assert await recorded(database) == {activity(7)}


# --- store_created: the Create lot --------------------------------------------------------


async def remote_actor(database: Database, name: str, *, followed: bool) -> RemoteActor:
    uri = f"{PEER}/users/{name}"
    async with database.transaction() as session:
        row = RemoteActor(uri=uri, type="Person", domain="peer.example", inbox=f"{uri}/inbox")
        row.raw = {}
        session.add(row)
        await session.flush()
        if followed:
            group = await actors.get_group_row(session, "kyiv")
            session.add(
                Following(
                    local_actor_id=group.id,
                    remote_actor_id=row.id,
                    state="accepted",
                    follow_activity_uri=f"{uri}/followed-by-kyiv",
                )
            )
    return row


def created(actor: RemoteActor, n: int, content: str, published: str | None) -> Created:
    document = {
        "id": f"{actor.uri}/notes/{n}",
        "type": "Note",
        "attributedTo": actor.uri,
        "content": content,
        **({"published": published} if published else {}),
    }
    return Created(
        remote.SeenActivity(f"{actor.uri}/activities/{n}-{content}", "Create", actor.uri),
        remote.ObjectRow(object_from_ap(document), actor.id, document),
    )


async def stored(database: Database) -> dict[str, RemoteObject]:
    async with database.reading() as session:
        return {row.uri: row for row in (await session.scalars(select(RemoteObject))).all()}


async def test_store_created_keeps_what_followed_authors_post_once(database: Database) -> None:
    await create_group(database, "kyiv", "Kyiv", "", "uk")
    alice = await remote_actor(database, "alice", followed=True)
    bob = await remote_actor(database, "bob", followed=False)
    first = created(alice, 1, "<p>Збори в суботу</p>", "2026-11-20T10:00:00Z")
    lot = [first, created(bob, 2, "<p>unsolicited</p>", None), first, created(alice, 3, "x", None)]
    async with database.transaction() as session:
        assert await store_created(session, lot) == [True, False, False, True]
    rows = await stored(database)
    assert set(rows) == {f"{alice.uri}/notes/1", f"{alice.uri}/notes/3"}
    assert rows[f"{alice.uri}/notes/1"].content_html == "<p>Збори в суботу</p>"
    assert rows[f"{alice.uri}/notes/1"].published == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert await recorded(database) == {c.activity.uri for c in lot}, "bob's Create is recorded"
    async with database.transaction() as session:
        assert await store_created(session, [first]) == [False], "seen before: no change"


async def test_store_created_refreshes_a_known_object_keeping_its_time(database: Database) -> None:
    await create_group(database, "kyiv", "Kyiv", "", "uk")
    alice = await remote_actor(database, "alice", followed=True)
    async with database.transaction() as session:
        await store_created(session, [created(alice, 1, "<p>old</p>", "2026-11-20T10:00:00Z")])
    async with database.transaction() as session:
        # Another activity carrying the same object, without a published time.
        assert await store_created(session, [created(alice, 1, "<p>new</p>", None)]) == [True]
    (row,) = (await stored(database)).values()
    assert row.content_html == "<p>new</p>"
    assert row.published == datetime(2026, 11, 20, 10, tzinfo=UTC), "the stored time is kept"
