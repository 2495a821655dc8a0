"""Benchmark: one article to 10,000 followers on 1,000 shared inboxes, queued vs POSTed directly.

    .venv/bin/python bench/fanout.py                                  # SQLite
    .venv/bin/python bench/fanout.py --database-url postgresql://postgres@127.0.0.1:55432/postgres

Receivers run in their own processes on 127.0.0.1 and only count. Each round measures, from
"publish" (store the activity and queue it for the followers' grouped inboxes) until every inbox
has answered, the real queue and worker; and, as the reference, the same POSTs sent straight
from a list with the same concurrency. Both sign every request (RSA, draft-cavage) and go through
the server's guarded client. It prints both, their ratio, and checks that every inbox got the
article exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web

from fedhub.activitypub.keys import generate_key_pair
from fedhub.delivery import queue
from fedhub.delivery.policy import SendResult
from fedhub.delivery.service import guarded_send
from fedhub.delivery.worker import DeliveryWorker
from fedhub.domain.audience import delivery_inboxes
from fedhub.net.client import GuardedClient
from fedhub.store.database import Database
from fedhub.store.tables import LocalActor, OutboxActivity
from fedhub.uris import Uris

URIS = Uris("https://fedhub.bench")
Send = Callable[[str, bytes, str, str], Awaitable[SendResult]]


# --- receivers (separate processes) -------------------------------------------------------


def serve_receiver() -> None:
    """Count POSTs per path; GET /_counts reports them. Verifies nothing, answers 202."""
    counts: dict[str, int] = {}

    async def inbox(request: web.Request) -> web.Response:
        await request.read()
        counts[request.path] = counts.get(request.path, 0) + 1
        return web.Response(status=202)

    async def report(request: web.Request) -> web.Response:
        return web.json_response(counts)

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/_counts", report)
        app.router.add_post("/{path:.*}", inbox)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        print(runner.addresses[0][1], flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def start_receivers(count: int) -> tuple[list[subprocess.Popen[str]], list[int]]:
    procs = [
        subprocess.Popen([sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    ports = [int(proc.stdout.readline()) for proc in procs if proc.stdout is not None]
    return procs, ports


# --- signing and sending ------------------------------------------------------------------


def counting(send: Send, expected: int) -> tuple[Send, asyncio.Event]:
    """Wrap `send` to set an event once `expected` inboxes have answered 2xx."""
    everyone = asyncio.Event()
    answered = 0

    async def wrapped(inbox: str, body: bytes, key_id: str, pem: str) -> SendResult:
        nonlocal answered
        result = await send(inbox, body, key_id, pem)
        if result.status is not None and 200 <= result.status < 300:
            answered += 1
            if answered == expected:
                everyone.set()
        return result

    return wrapped, everyone


# --- the two ways of sending --------------------------------------------------------------


def followers(ports: list[int], tag: str, count: int, inboxes: int) -> list[tuple[str, str]]:
    """`count` followers spread over `inboxes` shared inboxes, round-robin over receivers."""

    def base(shared: int) -> str:
        return f"http://127.0.0.1:{ports[shared % len(ports)]}/{tag}"

    return [
        (f"{base(n % inboxes)}/users/{n}/inbox", f"{base(n % inboxes)}/shared/{n % inboxes}")
        for n in range(count)
    ]


def article(n: int) -> dict[str, Any]:
    uri = f"{URIS.group('bench')}/articles/{n}"
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{uri}/activity",
        "type": "Create",
        "actor": URIS.group("bench"),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [URIS.followers("bench")],
        "object": {
            "id": uri,
            "type": "Article",
            "name": "Tenants' assembly on Saturday",
            "content": "<p>" + "We meet at the square and walk to the council. " * 40 + "</p>",
        },
    }


async def direct(
    send: Send, targets: list[str], body: bytes, key: str, pem: str, limit: int
) -> float:
    slots = asyncio.Semaphore(limit)

    async def one(inbox: str) -> None:
        async with slots:
            await send(inbox, body, key, pem)

    start = time.perf_counter()
    await asyncio.gather(*(one(inbox) for inbox in targets))
    return time.perf_counter() - start


async def queued(
    database: Database,
    worker: DeliveryWorker,
    everyone: asyncio.Event,
    actor_id: int,
    round_: int,
    pairs: list[tuple[str, str]],
) -> tuple[float, float]:
    """Seconds until every inbox answered, and until every row was recorded delivered."""
    start = time.perf_counter()
    async with database.transaction() as session:
        activity = OutboxActivity(
            uri=f"{URIS.group('bench')}/articles/{round_}/activity",
            actor_id=actor_id,
            type="Create",
            payload=article(round_),
        )
        session.add(activity)
        await session.flush()
        await queue.enqueue(session, activity.id, delivery_inboxes(pairs))
    worker.wake()
    await everyone.wait()
    reached = time.perf_counter() - start
    while True:
        async with database.reading() as session:
            if await queue.pending_count(session) == 0:
                return reached, time.perf_counter() - start
        await asyncio.sleep(0.01)


# --- the run ------------------------------------------------------------------------------


async def bench(args: argparse.Namespace, database: Database, ports: list[int]) -> bool:
    await database.migrate()
    key = generate_key_pair()
    async with database.transaction() as session:
        actor = LocalActor(
            kind="group",
            slug="bench",
            name="Bench",
            private_key_pem=key.private_pem,
            public_key_pem=key.public_pem,
        )
        session.add(actor)
        await session.flush()
        actor_id = actor.id

    expected: dict[int, set[str]] = {port: set() for port in ports}
    direct_times: list[float] = []
    queue_times: list[float] = []
    # The server's own client: address policy (loopback allowed here), signing, size and time.
    async with (
        GuardedClient(allow_private=True, user_agent="fedhub-bench", timeout=30) as client,
        aiohttp.ClientSession() as http,
    ):
        send = guarded_send(client)
        worker = DeliveryWorker(
            database, send, URIS, concurrency=args.concurrency, batch=args.batch, idle_poll=5
        )
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        body = queue.encode_payload(article(0))
        for round_ in range(args.rounds):
            for way in ("direct", "queue") if round_ % 2 == 0 else ("queue", "direct"):
                tag = f"r{round_}-{way}"
                pairs = followers(ports, tag, args.followers, args.inboxes)
                for shared in range(args.inboxes):
                    expected[ports[shared % len(ports)]].add(f"/{tag}/shared/{shared}")
                if way == "direct":
                    targets = delivery_inboxes(pairs)
                    key_id = URIS.group_key("bench")
                    seconds = await direct(
                        send, targets, body, key_id, key.private_pem, args.concurrency
                    )
                    direct_times.append(seconds)
                    print(f"  round {round_ + 1} direct: {seconds:.2f} s")
                else:
                    worker.send, everyone = counting(send, args.inboxes)
                    reached, settled = await queued(
                        database, worker, everyone, actor_id, round_ + 1, pairs
                    )
                    queue_times.append(reached)
                    print(
                        f"  round {round_ + 1} queue:  {reached:.2f} s"
                        f" (every row recorded at {settled:.2f} s)"
                    )
        stop.set()
        await running

        exact = True
        for port in ports:
            async with http.get(f"http://127.0.0.1:{port}/_counts") as response:
                counts: dict[str, int] = await response.json()
            if set(counts) != expected[port] or set(counts.values()) != {1}:
                exact = False
    d = statistics.median(direct_times)
    q = statistics.median(queue_times)
    print(f"direct (no queue): {d:.2f} s   median of {len(direct_times)}")
    print(f"queue + worker:    {q:.2f} s   median of {len(queue_times)}")
    print(f"ratio:             {q / d:.2f}x   (target <= 1.5x)")
    print(f"every inbox exactly once: {'yes' if exact else 'NO'}")
    return exact


async def with_database(args: argparse.Namespace, ports: list[int]) -> bool:
    if not args.database_url:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
            database = Database(url)
            try:
                return await bench(args, database, ports)
            finally:
                await database.close()
    admin = args.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    name = f"fedhub_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    base = admin.rpartition("/")[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    database = Database(f"{base}/{name}")
    try:
        return await bench(args, database, ports)
    finally:
        await database.close()
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("FEDHUB_BENCH_POSTGRES_URL"),
        help="a PostgreSQL server to make a throwaway database on (default: SQLite)",
    )
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--inboxes", type=int, default=1_000)
    parser.add_argument("--receivers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if args.serve:
        serve_receiver()
        return
    database_kind = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"fan-out: {args.followers} followers -> {args.inboxes} shared inboxes on "
        f"{args.receivers} receiver processes; concurrency {args.concurrency}, batch "
        f"{args.batch}; {database_kind}"
    )
    procs, ports = start_receivers(args.receivers)
    try:
        asyncio.run(with_database(args, ports))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
