"""Group commit for the inbox: activities take turns in a writer's transaction, then commit together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.store.database import Database

log = logging.getLogger("fedhub.inbox")

GROUP_WINDOW = 0.010  # seconds a group may stay open for requests still being checked
MAX_GROUP = 256  # activities in one group at most
POSTGRESQL_WRITERS = 1  # see GroupCommit: SQLite always has one

Item = TypeVar("Item")
Result = TypeVar("Result")
# Writes many items of one kind in the session handed to it, one result per item, in order.
WriteAll = Callable[[AsyncSession, Sequence[Item]], Awaitable[Sequence[Result]]]
# Work a writer does in transactions of its own after each group (and once at start).
FollowUp = Callable[[Database], Awaitable[object]]


@dataclass(eq=False)
class _Arrival:
    """An inbox request counted by `GroupCommit.arriving` until it reaches a writer."""

    counted: bool = True


# The arrival of the request this task serves: its writes mark it as having reached a writer.
_ARRIVAL: ContextVar[_Arrival | None] = ContextVar("fedhub_inbox_arrival", default=None)


@dataclass(eq=False)
class _Turn:
    """One activity waiting for a writer: the session it is handed, its block's end, its commit."""

    handed: asyncio.Future[AsyncSession]
    done: asyncio.Future[None]
    committed: asyncio.Future[None]
    arrived_at: float
    kept: bool = False


@dataclass(eq=False)
class _Batched(Generic[Item, Result]):
    """One item waiting to be written with the others of its kind; its result once committed."""

    item: Item
    write_all: WriteAll[Item, Result]
    committed: asyncio.Future[Result]
    arrived_at: float
    result: Any = field(default=None)


class GroupCommit:
    """The inbox's writers: each activity's writes run in a savepoint of a shared transaction.

    A transaction costs more than the few rows an activity writes, so each writer opens one and
    hands its session to the waiting activities one after another; each runs its block in a
    SAVEPOINT, so a block that raises rolls back only its own writes and the error reaches its
    request alone. The writer commits as soon as no inbox request is still being checked on its
    way to the writer (`arriving`), or once the group's first activity has waited `window`
    seconds (a request is fetching a key, say), or when the group holds `max_group`
    activities; only then does it let every request of the group go on: an answer still means
    "durably committed". Waiting for nobody is what keeps a burst fast: a fixed window would
    leave the writer idle while every sender waits for its answer before sending more.

    An activity always goes to the same writer (by its id), so a copy of it arriving while the
    first is in the same group runs after it in the same transaction and finds it seen. SQLite
    has one writer (one write lock). PostgreSQL may have several, so that one writer's round
    trips overlap another's work; since Creates are written a lot at a time, one does best
    there too (`bench/inbox.py`: more writers spent more CPU on smaller lots).

    A block must use only the session it is handed: no network, no transaction of its own (it
    would wait for a lock the writer holds while the writer waits for the block).

    `follow_up` is work that may come after the commit, such as indexing what the group stored
    for search (`store.search.drain_backlog`): the writer does it between groups, while the
    next group's requests are being checked, and once at start for what a crash left. Being the
    writer's, it never waits for SQLite's write lock.

    The commonest activities need no block: `write` queues a plain item (a checked Create's
    rows), and the writer writes all the items of a kind that arrived together with one
    `write_all` call, a few statements for the lot instead of a savepoint and several statements
    each. Items are written before the next block is handed out and before the commit, so a
    block still sees everything that arrived before it. If a lot fails, each of its items is
    written again in a savepoint of its own, so the error reaches that item's request alone.
    """

    def __init__(
        self,
        database: Database,
        *,
        writers: int = POSTGRESQL_WRITERS,
        window: float = GROUP_WINDOW,
        max_group: int = MAX_GROUP,
        follow_up: FollowUp | None = None,
    ) -> None:
        count = 1 if database.is_sqlite else writers
        self.database = database
        self._checking = 0  # requests arrived, not yet at a writer
        self._writers = [
            _Writer(database, window, max_group, lambda: self._checking, self._joined, follow_up)
            for _ in range(count)
        ]

    async def __aenter__(self) -> GroupCommit:
        for writer in self._writers:
            writer.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Let the writers finish the activities already waiting, then stop them."""
        await asyncio.gather(*(writer.close() for writer in self._writers))

    @contextmanager
    def arriving(self) -> Iterator[None]:
        """Count an inbox request as being checked until it reaches a writer or is answered.

        A group commits once no request counted here is still on its way: there is no one
        left to wait for. With several writers, a request on its way to one holds them all.
        """
        arrival = _Arrival()
        token = _ARRIVAL.set(arrival)
        self._checking += 1
        try:
            yield
        finally:
            _ARRIVAL.reset(token)
            self._leave(arrival)

    def _joined(self) -> None:
        """The current request's activity is queued at a writer: it is no longer on its way."""
        arrival = _ARRIVAL.get()
        if arrival is not None:
            self._leave(arrival)

    def _leave(self, arrival: _Arrival) -> None:
        if arrival.counted:
            arrival.counted = False
            self._checking -= 1
            for writer in self._writers:
                writer.nudge()

    @asynccontextmanager
    async def turn(self, activity_id: str) -> AsyncIterator[AsyncSession]:
        """A savepoint in a writer's transaction; leaving it waits for the group's commit."""
        writer = self._writers[hash(activity_id) % len(self._writers)]
        if not writer.running:  # shutting down: the activity commits on its own
            async with self.database.transaction() as session:
                yield session
            return
        async with writer.turn() as session:
            yield session

    async def write(
        self, activity_id: str, item: Item, write_all: WriteAll[Item, Result]
    ) -> Result:
        """Write `item` with the others of its kind in a writer's group; its result once committed."""
        writer = self._writers[hash(activity_id) % len(self._writers)]
        if not writer.running:  # shutting down: the item commits on its own
            async with self.database.transaction() as session:
                (result,) = await write_all(session, [item])
            await writer.after_group()
            return result
        return await writer.write(item, write_all)


class _Writer:
    """One transaction at a time; the activities waiting for it take turns in it."""

    def __init__(
        self,
        database: Database,
        window: float,
        max_group: int,
        checking: Callable[[], int],
        joined: Callable[[], None],
        follow_up: FollowUp | None,
    ) -> None:
        self.database = database
        self.window = window
        self.max_group = max_group
        self._checking = checking
        self._joined = joined
        self._follow_up = follow_up
        self._waiting: deque[_Turn | _Batched[Any, Any]] = deque()
        self._arrived = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        # While a group is open, an item wakes the writer only when it fills the group or is
        # the last one on its way: the writer takes the others then (a wake-up per item cost
        # more CPU than writing it).
        self._group_open = False
        self._held = 0

    @property
    def running(self) -> bool:
        return not self._closing and self._task is not None and not self._task.done()

    def _nobody_on_the_way(self) -> bool:
        return self._checking() == 0

    def nudge(self) -> None:
        """A request reached a writer or was answered: an open group may now commit."""
        if self._group_open and self._nobody_on_the_way():
            self._arrived.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="fedhub-inbox-writer")

    async def close(self) -> None:
        self._closing = True
        self._arrived.set()
        if self._task is not None:
            await self._task

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[AsyncSession]:
        loop = asyncio.get_running_loop()
        turn = _Turn(loop.create_future(), loop.create_future(), loop.create_future(), loop.time())
        self._waiting.append(turn)
        self._arrived.set()
        self._joined()
        try:
            session = await turn.handed
        except asyncio.CancelledError:
            if not turn.handed.cancelled():  # handed over just as the request went away
                turn.done.set_result(None)
            raise
        try:
            async with session.begin_nested():
                yield session
            turn.kept = True
        finally:
            turn.done.set_result(None)
        await turn.committed

    async def write(self, item: Item, write_all: WriteAll[Item, Result]) -> Result:
        loop = asyncio.get_running_loop()
        batched = _Batched(item, write_all, loop.create_future(), loop.time())
        self._waiting.append(batched)
        if not self._group_open or self._held + len(self._waiting) >= self.max_group:
            self._arrived.set()
        self._joined()  # the last one on its way wakes the writer (`nudge`)
        return await batched.committed

    async def _run(self) -> None:
        await self.after_group()  # what a crash left
        while self._waiting or not self._closing:
            if self._waiting:
                await self._group()
                await self.after_group()
            else:
                self._arrived.clear()
                await self._arrived.wait()

    async def after_group(self) -> None:
        if self._follow_up is None:
            return
        try:
            await self._follow_up(self.database)
        except Exception as error:  # the activities are committed; the writer must go on
            log.warning("inbox: the work after a group failed: %s", error)

    async def _group(self) -> None:
        self._group_open = True
        try:
            await self._fill_and_commit()
        finally:
            self._group_open = False
            self._held = 0

    async def _fill_and_commit(self) -> None:
        """Hand the session round until the group is full, awaits nobody, or its window has
        passed; commit."""
        kept: list[_Turn | _Batched[Any, Any]] = []
        pending: list[_Batched[Any, Any]] = []  # items not yet written
        handed = 0
        loop = asyncio.get_running_loop()
        # The window runs from the oldest arrival: what queued up while the last group was
        # committing has waited already.
        closes_at = self._waiting[0].arrived_at + self.window
        try:
            async with self.database.transaction() as session:
                if self.database.is_sqlite:
                    # Take the write lock now, waiting for it if need be: a transaction that
                    # reads first and writes later fails outright ("database is locked") when
                    # another connection wrote in between.
                    await session.execute(text("BEGIN IMMEDIATE"))
                while len(kept) + len(pending) < self.max_group:
                    if not self._waiting:
                        wait = closes_at - loop.time()
                        if wait <= 0 or self._closing or self._nobody_on_the_way():
                            break
                        self._arrived.clear()
                        with contextlib.suppress(TimeoutError):
                            async with asyncio.timeout(wait):
                                await self._arrived.wait()
                        continue
                    entry = self._waiting.popleft()
                    self._held += 1
                    if isinstance(entry, _Batched):
                        pending.append(entry)
                        handed += 1
                        continue
                    if entry.handed.done():  # its request went away while it waited
                        continue
                    kept += await _write_items(session, pending)
                    pending = []
                    entry.handed.set_result(session)
                    handed += 1
                    await entry.done
                    if session.in_nested_transaction():
                        raise RuntimeError("an inbox block left its savepoint open")
                    if entry.kept:
                        kept.append(entry)
                kept += await _write_items(session, pending)
        except Exception as error:
            log.warning("inbox: a group of %d activities failed to commit: %s", len(kept), error)
            for entry in [*kept, *pending]:
                if not entry.committed.done():
                    entry.committed.set_exception(error)
            if not handed:  # the transaction could not even begin: the waiting cannot go on
                while self._waiting:
                    waiting = self._waiting.popleft()
                    if isinstance(waiting, _Batched):
                        if not waiting.committed.done():
                            waiting.committed.set_exception(error)
                    elif not waiting.handed.done():
                        waiting.handed.set_exception(error)
            return
        for entry in kept:
            if not entry.committed.done():
                if isinstance(entry, _Batched):
                    entry.committed.set_result(entry.result)
                else:
                    entry.committed.set_result(None)


async def _write_items(
    session: AsyncSession, pending: list[_Batched[Any, Any]]
) -> list[_Batched[Any, Any]]:
    """Write the pending items, a lot per kind in a savepoint; those written, results set.

    An item that fails even alone gets its error now; the others wait for the commit.
    """
    written: list[_Batched[Any, Any]] = []
    kinds: dict[Any, list[_Batched[Any, Any]]] = {}
    for entry in pending:
        if not entry.committed.done():  # else its request went away while it waited
            kinds.setdefault(entry.write_all, []).append(entry)
    for write_all, lot in kinds.items():
        try:
            async with session.begin_nested():
                results = await write_all(session, [entry.item for entry in lot])
        except Exception as error:
            log.info("inbox: a lot of %d failed (%s); writing each alone", len(lot), error)
            for entry in lot:
                try:
                    async with session.begin_nested():
                        (entry.result,) = await write_all(session, [entry.item])
                except Exception as alone:
                    if not entry.committed.done():
                        entry.committed.set_exception(alone)
                    continue
                written.append(entry)
            continue
        for entry, result in zip(lot, results, strict=True):
            entry.result = result
            written.append(entry)
    return written
