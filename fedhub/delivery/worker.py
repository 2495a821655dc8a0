"""The delivery worker: claims due rows, sends them concurrently, writes results in batches."""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from fedhub.delivery import queue
from fedhub.delivery.policy import SendResult
from fedhub.delivery.queue import Claimed
from fedhub.store.database import Database
from fedhub.store.tables import utcnow
from fedhub.uris import Uris

log = logging.getLogger("fedhub.delivery")

Send = Callable[[str, bytes, str, str], Awaitable[SendResult]]
"""`send(inbox, body, key_id, private_key_pem)`: sign and POST once; never raises on purpose."""

Clock = Callable[[], datetime]

# How often an idle worker deletes settled rows older than `keep_finished`.
PURGE_EVERY = 3600.0

# A result is the answer, or None when the send was skipped because the host is paused.
Result = tuple[Claimed, SendResult | None]


class DeliveryWorker:
    """Sends the queue. `run` keeps a pipeline full for the server; `run_once` steps for tests.

    Up to `concurrency` POSTs are in flight. `run` claims `batch` rows at a time whenever fewer
    than `concurrency` are waiting, so at most `batch + concurrency` rows are leased and unsettled
    at once: that bounds what a crash can send twice, and the lease must outlast sending them
    (`(batch + concurrency) / concurrency` send timeouts). Results are written together, every
    `flush_interval` or `concurrency` results, so a fan-out costs a few dozen transactions.
    """

    def __init__(
        self,
        database: Database,
        send: Send,
        uris: Uris,
        *,
        concurrency: int = 32,
        batch: int = 128,
        lease: timedelta = timedelta(minutes=5),
        idle_poll: float = 2.0,
        flush_interval: float = 0.05,
        keep_finished: timedelta = timedelta(days=7),
        clock: Clock = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        if concurrency < 1 or batch < 1:
            raise ValueError("concurrency and batch must be at least 1")
        self.database = database
        self.send = send
        self.uris = uris
        self.concurrency = concurrency
        self.batch = batch
        self.lease = lease
        self.idle_poll = idle_poll
        self.flush_interval = flush_interval
        self.keep_finished = keep_finished
        self.clock = clock
        self.rng = rng or random.Random()
        self._wakeup = asyncio.Event()
        self._paused: dict[str, datetime] = {}

    @property
    def max_outstanding(self) -> int:
        """The most rows leased and not yet settled at once: what a crash may send again."""
        return self.batch + self.concurrency

    def wake(self) -> None:
        """Nudge an idle worker: something was just queued (safe to call from any coroutine)."""
        self._wakeup.set()

    # --- one step, for tests and tools ----------------------------------------------------

    async def run_once(self) -> int:
        """Claim one batch, send it all, record it in one transaction; returns rows claimed."""
        claimed = await self._claim(self.batch)
        if not claimed:
            return 0
        slots = asyncio.Semaphore(self.concurrency)

        async def send_one(item: Claimed) -> Result:
            async with slots:
                return item, await self._send_one(item)

        results = await asyncio.gather(*(send_one(item) for item in claimed))
        await self._record(results)
        return len(claimed)

    # --- the server's loop ----------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, then hand back what was claimed but not sent."""
        todo: asyncio.Queue[Claimed | None] = asyncio.Queue()
        done: list[Result] = []
        arrived = asyncio.Event()
        outstanding = 0  # claimed and not yet recorded
        oldest_result: float | None = None
        drained_at = -math.inf
        purge_at = time.monotonic() + PURGE_EVERY

        async def sender() -> None:
            while (item := await todo.get()) is not None:
                done.append((item, await self._send_one(item)))
                arrived.set()

        senders = [asyncio.create_task(sender()) for _ in range(self.concurrency)]
        try:
            while not stop.is_set():
                progressed = False
                if done:
                    oldest_result = oldest_result or time.monotonic()
                    if (
                        len(done) >= self.concurrency
                        or len(done) == outstanding
                        or time.monotonic() - oldest_result >= self.flush_interval
                    ):
                        written = await self._flush(done)
                        outstanding -= written
                        oldest_result = None
                        progressed = written > 0
                room = self.max_outstanding - outstanding
                may_claim = self._wakeup.is_set() or (
                    time.monotonic() - drained_at >= self.idle_poll
                )
                if (
                    may_claim
                    and todo.qsize() < self.concurrency
                    and room >= min(self.batch, self.concurrency)
                ):
                    self._wakeup.clear()
                    asked = min(self.batch, room)
                    claimed = await self._claim(asked)
                    for item in claimed:
                        todo.put_nowait(item)
                    outstanding += len(claimed)
                    progressed = progressed or bool(claimed)
                    # A short claim means nothing more is due: wait for a nudge or the poll.
                    drained_at = time.monotonic() if len(claimed) < asked else -math.inf
                if not progressed and time.monotonic() >= purge_at:
                    await self._purge()
                    purge_at = time.monotonic() + PURGE_EVERY
                if not progressed:
                    arrived.clear()
                    timeout = self.flush_interval if done else self.idle_poll
                    await _first_of((stop, self._wakeup, arrived), timeout)
        finally:
            await self._shut_down(todo, senders, done)

    async def _shut_down(
        self,
        todo: asyncio.Queue[Claimed | None],
        senders: list[asyncio.Task[None]],
        done: list[Result],
    ) -> None:
        """Hand back queued rows, let sends in flight finish, and write every result."""
        unsent: list[Claimed] = []
        while not todo.empty():
            item = todo.get_nowait()
            if item is not None:
                unsent.append(item)
        for _ in senders:
            todo.put_nowait(None)
        try:
            await asyncio.wait_for(asyncio.gather(*senders), timeout=30)
        except TimeoutError:
            log.warning("delivery: sends still in flight at shutdown; their leases will expire")
        finally:
            for task in senders:
                task.cancel()
        try:
            async with self.database.transaction() as session:
                await queue.release(session, unsent, self.clock())
            await self._flush(done)
        except Exception:
            log.exception("delivery: could not settle the queue at shutdown; leases will expire")

    # --- steps shared by both loops -------------------------------------------------------

    async def _claim(self, limit: int) -> list[Claimed]:
        try:
            async with self.database.transaction() as session:
                return await queue.claim(session, limit, self.clock(), self.lease, self.uris)
        except Exception:
            log.exception("delivery: claiming failed; trying again shortly")
            await asyncio.sleep(1)
            return []

    async def _purge(self) -> None:
        """Drop settled rows after `keep_finished`: long enough to make re-queueing a no-op."""
        try:
            async with self.database.transaction() as session:
                await queue.purge_finished(session, self.clock() - self.keep_finished)
        except Exception:
            log.exception("delivery: purging settled rows failed")

    async def _send_one(self, item: Claimed) -> SendResult | None:
        """Send one delivery, or skip it (None) if its host was paused since it was claimed."""
        paused_until = self._paused.get(item.host)
        if paused_until is not None:
            if paused_until > self.clock():
                return None
            del self._paused[item.host]
        try:
            return await self.send(item.inbox, item.body, item.key_id, item.private_key_pem)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug in send must cost a retry, not the worker
            log.exception("delivery: send to %s raised", item.inbox)
            return SendResult(status=None, error=f"{type(error).__name__}: {error}")

    async def _flush(self, done: list[Result]) -> int:
        """Write the results gathered so far in one transaction; returns how many were written."""
        if not done:
            return 0
        results = list(done)
        try:
            await self._record(results)
        except Exception:
            log.exception("delivery: recording %d results failed; retrying", len(results))
            await asyncio.sleep(1)
            return 0
        del done[: len(results)]
        return len(results)

    async def _record(self, results: Sequence[Result]) -> None:
        now = self.clock()
        answered = [(item, result) for item, result in results if result is not None]
        skipped = [item for item, result in results if result is None]
        async with self.database.transaction() as session:
            paused = await queue.record(session, answered, now, self.rng)
            for host in {item.host for item in skipped}:
                until = self._paused.get(host, now)
                await queue.release(session, [i for i in skipped if i.host == host], until)
        self._paused.update(paused)
        for host, until in paused.items():
            log.info("delivery: pausing %s until %s", host, until.isoformat())


async def _first_of(events: Sequence[asyncio.Event], timeout: float) -> None:
    """Wait until any of `events` is set, or `timeout` seconds pass."""
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
