"""`kill -9` in the middle of a fan-out loses nothing: a new worker sends every pending delivery."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from fedhub.activitypub.keys import KeyPair
from fedhub.delivery import queue
from fedhub.store.database import Database
from tests.delivery.conftest import add_activity
from tests.delivery.loopback import Receiver, serve

ROOT = Path(__file__).resolve().parents[2]
INBOXES = 2000
CONCURRENCY, BATCH = 32, 64


async def worker_process(mode: str, database_url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.delivery.worker_process",
        mode,
        f"--database-url={database_url}",
        f"--concurrency={CONCURRENCY}",
        f"--batch={BATCH}",
        "--lease=2",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )


async def test_kill_9_mid_fan_out_loses_nothing(
    database: Database, database_url: str, group_key: KeyPair
) -> None:
    receiver = Receiver(delay=0.05)  # slow enough that the kill lands with sends in flight
    runner, port = await serve(receiver.app(), ["127.0.0.80"])
    try:
        targets = [f"http://127.0.0.80:{port}/inbox/{n}" for n in range(INBOXES)]
        activity = await add_activity(database, group_key)
        async with database.transaction() as session:
            assert await queue.enqueue(session, activity, targets) == INBOXES

        first = await worker_process("run", database_url)
        assert first.stdout is not None
        assert await first.stdout.readline() == b"ready\n"
        async with asyncio.timeout(60):
            while sum(receiver.received.values()) < INBOXES // 4:
                await asyncio.sleep(0.005)
        os.kill(first.pid, signal.SIGKILL)
        assert await first.wait() == -signal.SIGKILL
        at_kill = sum(receiver.received.values())
        async with database.reading() as session:
            left = await queue.pending_count(session)
        assert at_kill < INBOXES and left > 0, "the kill must land mid-way"

        second = await worker_process("drain", database_url)
        async with asyncio.timeout(120):
            assert await second.wait() == 0
    finally:
        await runner.cleanup()

    assert sorted(receiver.received) == sorted(targets)  # every inbox, at least once
    duplicates = sum(receiver.received.values()) - INBOXES
    # Only what the killed worker had leased and not yet recorded can go out twice.
    assert 0 <= duplicates <= BATCH + CONCURRENCY
    async with database.reading() as session:
        assert await queue.state_counts(session) == {"delivered": INBOXES}
