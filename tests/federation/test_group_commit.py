"""Group commit: activities share a writer's transaction, each in its own savepoint."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.actions.groups import create_group
from fedhub.activitypub.keys import KeyPair
from fedhub.errors import Forbidden
from fedhub.federation.commits import GroupCommit
from fedhub.store import remote
from fedhub.store.database import Database
from fedhub.store.tables import InboxActivity, RemoteObject
from tests.conftest import Instance
from tests.federation.fake_peer import FakePeer
from tests.federation.test_inbox import count, create, follow, followed, note, post

ACTOR = "https://peer.example/users/alice"


def activity(n: int) -> str:
    return f"{ACTOR}/activities/{n}"


async def recorded(database: Database) -> set[str]:
    async with database.reading() as session:
        return set((await session.scalars(select(InboxActivity.uri))).all())


async def record(session: AsyncSession, n: int) -> bool:
    return await remote.first_sight(session, activity(n), "Create", ACTOR)


async def test_copies_of_an_activity_in_one_group_count_once(database: Database) -> None:
    sessions: list[AsyncSession] = []
    firsts: list[bool] = []

    async def deliver() -> None:
        async with commits.turn(activity(1)) as session:
            sessions.append(session)
            firsts.append(await record(session, 1))

    async with GroupCommit(database, window=0.2) as commits:
        await asyncio.gather(deliver(), deliver())
    assert sessions[0] is sessions[1], "both copies ran in one group"
    assert sorted(firsts) == [False, True]
    assert await recorded(database) == {activity(1)}


async def test_a_failing_activity_rolls_back_alone(database: Database) -> None:
    async def deliver(n: int, *, fail: bool = False) -> None:
        async with commits.turn(activity(n)) as session:
            await record(session, n)
            if fail:
                raise Forbidden("not yours to create")

    async with GroupCommit(database, writers=1, window=0.2) as commits:
        results = await asyncio.gather(
            deliver(1), deliver(2, fail=True), deliver(3), return_exceptions=True
        )
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], Forbidden)
    assert await recorded(database) == {activity(1), activity(3)}


async def test_an_activity_is_let_go_only_once_committed(database: Database) -> None:
    written = asyncio.Event()

    async def deliver() -> None:
        with commits.arriving():
            async with commits.turn(activity(1)) as session:
                await record(session, 1)
                written.set()

    async with GroupCommit(database, window=0.5) as commits:
        with commits.arriving():  # another request, still being checked, keeps the group open
            delivering = asyncio.create_task(deliver())
            await written.wait()
            await asyncio.sleep(0.05)  # its block is over; its group is still open
            assert not delivering.done(), "released before the commit"
            assert await recorded(database) == set(), "visible before the commit"
        await delivering
        assert await recorded(database) == {activity(1)}


async def test_a_group_commits_as_soon_as_no_request_is_on_its_way(
    database: Database,
) -> None:
    sessions: list[AsyncSession] = []

    async def deliver(n: int) -> None:
        with commits.arriving():
            await asyncio.sleep(0)  # as if checking its signature
            async with commits.turn(activity(n)) as session:
                sessions.append(session)
                await record(session, n)

    # The window is far longer than the test may take: nobody is left to wait for.
    async with GroupCommit(database, window=60) as commits:
        await asyncio.wait_for(asyncio.gather(*(deliver(n) for n in range(5))), timeout=10)
        assert await recorded(database) == {activity(n) for n in range(5)}
    assert len({id(session) for session in sessions}) == 1, "one group, one commit"


async def test_requests_that_go_away_do_not_stall_the_writer(database: Database) -> None:
    holding = asyncio.Event()

    async def deliver(n: int, *, hold: bool = False) -> None:
        async with commits.turn(activity(n)) as session:
            await record(session, n)
            if hold:
                holding.set()
                await asyncio.Event().wait()  # until cancelled, holding its turn

    async with GroupCommit(database, writers=1, window=0.05) as commits:
        holder = asyncio.create_task(deliver(1, hold=True))
        await holding.wait()
        waiter = asyncio.create_task(deliver(2))
        later = asyncio.create_task(deliver(3))
        await asyncio.sleep(0.01)
        waiter.cancel()  # gone while waiting for its turn
        holder.cancel()  # gone while holding it: its savepoint is rolled back
        await asyncio.wait_for(later, timeout=5)
        for task in (holder, waiter):
            with pytest.raises(asyncio.CancelledError):
                await task
    assert await recorded(database) == {activity(3)}


async def test_closing_lets_the_waiting_activities_finish(database: Database) -> None:
    release = asyncio.Event()

    async def deliver(n: int, *, hold: bool = False) -> None:
        async with commits.turn(activity(n)) as session:
            await record(session, n)
            if hold:
                await release.wait()

    commits = GroupCommit(database, writers=1, window=0.05)
    await commits.__aenter__()
    first = asyncio.create_task(deliver(1, hold=True))
    second = asyncio.create_task(deliver(2))
    await asyncio.sleep(0.05)
    closing = asyncio.create_task(commits.__aexit__(None, None, None))
    await asyncio.sleep(0.01)
    release.set()
    await asyncio.wait_for(asyncio.gather(first, second, closing), timeout=5)
    assert await recorded(database) == {activity(1), activity(2)}
    async with commits.turn(activity(3)) as session:  # closed: it commits on its own
        await record(session, 3)
    assert await recorded(database) == {activity(1), activity(2), activity(3)}


async def test_a_burst_is_stored_once_each_with_refusals_kept_apart(
    instance: Instance, peer: FakePeer, alice_keys: KeyPair
) -> None:
    """Concurrent POSTs share groups: a duplicate counts once and a forgery is refused alone."""
    await create_group(instance.database, "kyiv", "Kyiv", "", "uk")
    alice = peer.actor("alice", alice_keys)
    key = f"{alice}#main-key"
    assert await post(instance, follow(alice, instance.uris.group("kyiv")), alice_keys, key) == 202
    await followed(instance, alice)
    activities = [create(alice, note(alice, n), n) for n in range(20)]
    activities.append(activities[0])  # the same activity twice
    activities.append(create(alice, note(alice, 99, author=f"{peer.base}/users/bob"), 99))
    statuses = await asyncio.gather(*(post(instance, a, alice_keys, key) for a in activities))
    assert statuses == [202] * 21 + [403]
    assert await count(instance, RemoteObject) == 20
    assert await count(instance, InboxActivity) == 21  # the Follow and 20 Creates


async def test_a_deleted_actors_key_is_not_remembered(
    instance: Instance, peer: FakePeer, alice_keys: KeyPair
) -> None:
    await create_group(instance.database, "kyiv", "Kyiv", "", "uk")
    alice = peer.actor("alice", alice_keys)
    key = f"{alice}#main-key"
    assert await post(instance, follow(alice, instance.uris.group("kyiv")), alice_keys, key) == 202
    await followed(instance, alice)
    goodbye = {"id": f"{alice}/delete", "type": "Delete", "actor": alice, "object": alice}
    assert await post(instance, goodbye, alice_keys, key) == 202
    del peer.documents["/users/alice"]
    # Signed with the key fedhub checked a moment ago, by an actor that no longer exists.
    assert await post(instance, create(alice, note(alice, 1), 1), alice_keys, key) == 401
    assert await count(instance, RemoteObject) == 0
