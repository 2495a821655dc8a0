"""Group commit for the inbox: activities take turns in a writer's transaction, then commit together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.store.database import Database

log = logging.getLogger("fedhub.inbox")

GROUP_WINDOW = 0.010  # seconds a group stays open for more activities after its first
MAX_GROUP = 256  # activities in one group at most
POSTGRESQL_WRITERS = 4  # SQLite has one write lock, so one writer there


@dataclass(eq=False)
class _Turn:
    """One activity waiting for a writer: the session it is handed, its block's end, its commit."""

    handed: asyncio.Future[AsyncSession]
    done: asyncio.Future[None]
    committed: asyncio.Future[None]
    kept: bool = False


class GroupCommit:
    """The inbox's writers: each activity's writes run in a savepoint of a shared transaction.

    A transaction costs more than the few rows an activity writes, so each writer opens one and
    hands its session to the waiting activities one after another; each runs its block in a
    SAVEPOINT, so a block that raises rolls back only its own writes and the error reaches its
    request alone. The writer commits once the group has been open `window` seconds or holds
    `max_group` activities, and only then lets every request of the group go on: an answer
    still means "durably committed".

    An activity always goes to the same writer (by its id), so a copy of it arriving while the
    first is in the same group runs after it in the same transaction and finds it seen. SQLite
    has one writer; PostgreSQL several, so one writer's round trips to the server overlap
    another's work.

    A block must use only the session it is handed: no network, no transaction of its own (it
    would wait for a lock the writer holds while the writer waits for the block).
    """

    def __init__(
        self,
        database: Database,
        *,
        writers: int = POSTGRESQL_WRITERS,
        window: float = GROUP_WINDOW,
        max_group: int = MAX_GROUP,
    ) -> None:
        count = 1 if database.is_sqlite else writers
        self.database = database
        self._writers = [_Writer(database, window, max_group) for _ in range(count)]

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


class _Writer:
    """One transaction at a time; the activities waiting for it take turns in it."""

    def __init__(self, database: Database, window: float, max_group: int) -> None:
        self.database = database
        self.window = window
        self.max_group = max_group
        self._waiting: deque[_Turn] = deque()
        self._arrived = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return not self._closing and self._task is not None and not self._task.done()

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
        turn = _Turn(loop.create_future(), loop.create_future(), loop.create_future())
        self._waiting.append(turn)
        self._arrived.set()
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

    async def _run(self) -> None:
        while self._waiting or not self._closing:
            if self._waiting:
                await self._group()
            else:
                self._arrived.clear()
                await self._arrived.wait()

    async def _group(self) -> None:
        """Hand the session round until the group is full or its window has passed; commit."""
        kept: list[_Turn] = []
        handed = 0
        loop = asyncio.get_running_loop()
        closes_at = loop.time() + self.window
        try:
            async with self.database.transaction() as session:
                if self.database.is_sqlite:
                    # Take the write lock now, waiting for it if need be: a transaction that
                    # reads first and writes later fails outright ("database is locked") when
                    # another connection wrote in between.
                    await session.execute(text("BEGIN IMMEDIATE"))
                while len(kept) < self.max_group:
                    if not self._waiting:
                        wait = closes_at - loop.time()
                        if wait <= 0 or self._closing:
                            break
                        self._arrived.clear()
                        with contextlib.suppress(TimeoutError):
                            async with asyncio.timeout(wait):
                                await self._arrived.wait()
                        continue
                    turn = self._waiting.popleft()
                    if turn.handed.done():  # its request went away while it waited
                        continue
                    turn.handed.set_result(session)
                    handed += 1
                    await turn.done
                    if session.in_nested_transaction():
                        raise RuntimeError("an inbox block left its savepoint open")
                    if turn.kept:
                        kept.append(turn)
        except Exception as error:
            log.warning("inbox: a group of %d activities failed to commit: %s", len(kept), error)
            for turn in kept:
                if not turn.committed.done():
                    turn.committed.set_exception(error)
            if not handed:  # the transaction could not even begin: the waiting cannot go on
                while self._waiting:
                    turn = self._waiting.popleft()
                    if not turn.handed.done():
                        turn.handed.set_exception(error)
            return
        for turn in kept:
            if not turn.committed.done():
                turn.committed.set_result(None)
