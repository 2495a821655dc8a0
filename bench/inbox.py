"""Benchmark: signed Create activities into fedhub's inbox, against a bare verify-and-store handler.

    .venv/bin/python bench/inbox.py                                   # SQLite
    .venv/bin/python bench/inbox.py --database-url postgresql://postgres@127.0.0.1:55432/postgres

The servers run in their own processes on 127.0.0.1, so the load generator (this process) does
not share their event loop: a real fedhub instance (`create_app`, one group following a remote
actor whose key a small local app serves), and the reference, a bare aiohttp handler that
verifies the same RSA signature with fedhub's `verify_request` and a fixed key, and stores the
activity with SQLAlchemy, its commits grouped every ~10 ms by one writer task; for context, the
same handler committing each activity on its own. All answer 202 only after the commit. The same
pre-signed requests (signing is the sender's cost) are POSTed to each, 64 at a time; it prints
activities/s, fedhub's ratio to the reference (target: >= 80%), the servers' CPU time per
activity, and checks every activity was stored.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, func, insert, select

from fedhub.actions.groups import create_group
from fedhub.actions.instance import init_instance
from fedhub.activitypub.keys import KeyPair, generate_key_pair
from fedhub.activitypub.signatures import sign_request, verify_request
from fedhub.settings import load_settings
from fedhub.store import actors, remote
from fedhub.store.database import Database
from fedhub.store.tables import Following, InboxActivity, RemoteObject
from fedhub.web.app import create_app
from fedhub.web.serving import tune_collector

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
GROUP = "bench"
GROUP_INTERVAL = 0.010  # the reference's commit interval
WAYS = ("reference", "fedhub", "each commit")  # "each commit": the reference, one commit each
# The search index of remote objects (a row per object on both databases, migration 0002).
REMOTE_SEARCH = Table("remote_object_search", MetaData(), Column("rowid", Integer))

METADATA = MetaData()
REFERENCE_TABLES = {
    way: Table(
        f"bench_{way.replace(' ', '_')}",
        METADATA,
        Column("id", Integer, primary_key=True),
        Column("uri", String(2048), unique=True, nullable=False),
        Column("actor_uri", String(2048), nullable=False),
        Column("payload", JSON, nullable=False),
    )
    for way in ("reference", "each commit")
}


# --- the servers (separate processes) -----------------------------------------------------


def serve_fedhub(fd: int, data_dir: str, database_url: str, profile: str) -> None:
    """fedhub as the tests run it: `create_app` on a socket made before the instance.

    With `profile`, the server runs under cProfile and writes its stats there when terminated.
    """

    async def main() -> None:
        settings = load_settings(Path(data_dir), database_url or None)
        database = Database(settings.resolved_database_url())
        app = create_app(settings, database)
        tune_collector()  # as `fedhub serve` does
        runner = web.AppRunner(app)
        await runner.setup()
        await web.SockSite(runner, socket.socket(fileno=fd), backlog=1024).start()
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        print("ready", flush=True)
        await stop.wait()
        await runner.cleanup()

    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    asyncio.run(main())
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)


class GroupedWriter:
    """The reference's one writer: collects inserts and commits them together every ~10 ms."""

    def __init__(self, database: Database, table: Table) -> None:
        self.database = database
        self.table = table
        self.pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self.arrived = asyncio.Event()

    async def store(self, row: dict[str, Any]) -> None:
        done = asyncio.get_running_loop().create_future()
        self.pending.append((row, done))
        self.arrived.set()
        await done

    async def run(self) -> None:
        while True:
            await self.arrived.wait()
            await asyncio.sleep(GROUP_INTERVAL)
            self.arrived.clear()
            batch, self.pending = self.pending, []
            try:
                async with self.database.transaction() as session:
                    await session.execute(insert(self.table), [row for row, _ in batch])
            except Exception as error:
                for _, done in batch:
                    done.set_exception(error)
                continue
            for _, done in batch:
                done.set_result(None)


def serve_reference(fd: int, way: str, database_url: str, domain: str, key_file: str) -> None:
    """The bare handler: verify the signature (fixed key), store the activity, 202 after commit."""
    public_pem = Path(key_file).read_text()
    table = REFERENCE_TABLES[way]

    async def main() -> None:
        database = Database(database_url)
        writer = GroupedWriter(database, table)

        async def store_alone(row: dict[str, Any]) -> None:
            async with database.transaction() as session:
                await session.execute(insert(table), row)

        store = writer.store if way == "reference" else store_alone

        async def inbox(request: web.Request) -> web.Response:
            body = await request.read()
            outcome = verify_request(
                method=request.method,
                target=request.raw_path,
                headers=request.headers,
                body=body,
                public_key_pem=public_pem,
                now=datetime.now(UTC),
                host=domain,
                scheme="http",
            )
            if not outcome:
                return web.Response(status=401)
            activity = json.loads(body)
            await store(
                {"uri": activity["id"], "actor_uri": activity["actor"], "payload": activity}
            )
            return web.Response(status=202)

        app = web.Application()
        app.router.add_post("/{path:.*}", inbox)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.SockSite(runner, socket.socket(fileno=fd), backlog=1024).start()
        writing = asyncio.create_task(writer.run())
        print("ready", flush=True)
        await asyncio.Event().wait()
        writing.cancel()

    asyncio.run(main())


def start_server(*args: str, sock: socket.socket) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", *args, str(sock.fileno())],
        stdout=subprocess.PIPE,
        text=True,
        pass_fds=[sock.fileno()],
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    sock.close()
    return proc


def listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """CPU time a process (or one of its threads) has used so far, user + system, from /proc;
    0 where there is none."""
    stat = Path(f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat")
    try:
        fields = stat.read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the remote actor and its activities --------------------------------------------------


@dataclass
class RemoteSender:
    """A remote server on loopback serving one actor's document, whose key signs the load."""

    keys: KeyPair
    runner: web.AppRunner | None = None
    base: str = ""

    @property
    def actor(self) -> str:
        return f"{self.base}/users/alice"

    @property
    def key_id(self) -> str:
        return f"{self.actor}#main-key"

    async def start(self) -> None:
        async def actor(request: web.Request) -> web.Response:
            document = {
                "@context": [
                    "https://www.w3.org/ns/activitystreams",
                    "https://w3id.org/security/v1",
                ],
                "id": self.actor,
                "type": "Person",
                "preferredUsername": "alice",
                "inbox": f"{self.actor}/inbox",
                "outbox": f"{self.actor}/outbox",
                "publicKey": {
                    "id": self.key_id,
                    "owner": self.actor,
                    "publicKeyPem": self.keys.public_pem,
                },
            }
            return web.json_response(document, content_type="application/activity+json")

        async def accept(request: web.Request) -> web.Response:
            await request.read()  # the group's Accept of the Follow
            return web.Response(status=202)

        app = web.Application()
        app.router.add_get("/users/alice", actor)
        app.router.add_post("/{path:.*}", accept)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        sock = listening_socket()
        self.base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        await web.SockSite(self.runner, sock).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def create(self, tag: str, n: int) -> dict[str, Any]:
        note = {
            "id": f"{self.actor}/notes/{tag}-{n}",
            "type": "Note",
            "attributedTo": self.actor,
            "content": f"<p>Tenants' assembly on Saturday, note {n}: we meet at the square.</p>",
            "to": [PUBLIC],
            "published": "2026-11-20T10:00:00Z",
        }
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{self.actor}/activities/{tag}-{n}",
            "type": "Create",
            "actor": self.actor,
            "object": note,
            "to": [PUBLIC],
        }

    def signed(self, url: str, activity: dict[str, Any]) -> tuple[dict[str, str], bytes]:
        body = json.dumps(activity).encode()
        headers = sign_request(
            method="POST",
            url=url,
            body=body,
            key_id=self.key_id,
            private_key_pem=self.keys.private_pem,
            now=datetime.now(UTC),
        )
        headers["Content-Type"] = "application/activity+json"
        return headers, body


# --- the load -----------------------------------------------------------------------------


async def load(
    http: aiohttp.ClientSession,
    url: str,
    requests: list[tuple[dict[str, str], bytes]],
    limit: int,
) -> tuple[float, Counter[int]]:
    """POST every request, `limit` at a time; seconds until all answered, and their statuses."""
    statuses: Counter[int] = Counter()
    queue = iter(requests)

    async def sender() -> None:
        for headers, body in queue:
            async with http.post(url, data=body, headers=headers) as response:
                await response.read()
                statuses[response.status] += 1

    start = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(limit)))
    return time.perf_counter() - start, statuses


# --- the run ------------------------------------------------------------------------------


async def count(database: Database, table: Any) -> int:
    async with database.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def follow_back(database: Database, actor_uri: str) -> None:
    """The group follows the remote actor, accepted: its posts are kept for the network view."""
    async with database.transaction() as session:
        group = await actors.get_group_row(session, GROUP)
        row = await remote.get_remote_actor(session, actor_uri)
        assert row is not None, "fedhub did not fetch the actor"
        session.add(
            Following(
                local_actor_id=group.id,
                remote_actor_id=row.id,
                state="accepted",
                follow_activity_uri=f"{actor_uri}/follow-of-{GROUP}",
            )
        )


async def bench(args: argparse.Namespace, folder: Path, database_url: str) -> bool:
    sender = RemoteSender(generate_key_pair())
    await sender.start()
    sockets = {way: listening_socket() for way in WAYS}
    domain = f"127.0.0.1:{sockets['fedhub'].getsockname()[1]}"
    settings = await init_instance(
        folder / "data", domain, http=True, database_url=database_url, name="bench"
    )
    database = Database(settings.resolved_database_url())
    await create_group(database, GROUP, "Bench", "", "en")
    async with database.engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    path = f"/groups/{GROUP}/inbox"
    url = f"{settings.base_url}{path}"  # what every request is signed for

    print(f"  signing {args.rounds} x {args.activities} activities ...", flush=True)
    rounds = [
        [sender.signed(url, sender.create(f"r{r}", n)) for n in range(args.activities)]
        for r in range(args.rounds)
    ]
    warmup = [sender.signed(url, sender.create("warm", n)) for n in range(args.warmup)]

    urls = {way: f"http://127.0.0.1:{sock.getsockname()[1]}{path}" for way, sock in sockets.items()}
    key_file = folder / "sender.pem"
    key_file.write_text(sender.keys.public_pem)
    db_url = settings.resolved_database_url()
    servers = {
        way: (
            start_server(
                "fedhub", str(settings.data_dir), database_url, args.profile, sock=sockets[way]
            )
            if way == "fedhub"
            else start_server(way, db_url, domain, str(key_file), sock=sockets[way])
        )
        for way in WAYS
    }
    times: dict[str, list[float]] = {way: [] for way in WAYS}
    cpu: dict[str, list[float]] = {way: [] for way in WAYS}
    failures: Counter[int] = Counter()
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            # The actor's first signed request makes fedhub fetch its key; then the group follows
            # it (as if it had accepted), so its Creates are kept.
            follow = {
                "id": f"{sender.actor}/follows/1",
                "type": "Follow",
                "actor": sender.actor,
                "object": settings.base_url + f"/groups/{GROUP}",
            }
            _, statuses = await load(http, urls["fedhub"], [sender.signed(url, follow)], 1)
            assert statuses == Counter({202: 1}), statuses
            await follow_back(database, sender.actor)
            for way in WAYS:
                _, statuses = await load(http, urls[way], warmup, args.concurrency)
                failures.update(s for s in statuses.elements() if s != 202)
            for r, requests in enumerate(rounds):
                # Alternate the order, so neither side always runs on a warmer machine.
                order = WAYS if r % 2 == 0 else WAYS[1::-1] + WAYS[2:]
                for way in order:
                    pid = servers[way].pid
                    before, loop_before = cpu_seconds(pid), cpu_seconds(pid, pid)
                    seconds, statuses = await load(http, urls[way], requests, args.concurrency)
                    cpu[way].append((cpu_seconds(pid) - before) / len(requests))
                    loop_cpu = (cpu_seconds(pid, pid) - loop_before) / len(requests)
                    failures.update(s for s in statuses.elements() if s != 202)
                    times[way].append(seconds)
                    print(
                        f"  round {r + 1} {way + ':':12} {len(requests) / seconds:6.0f} /s"
                        f"  ({seconds:5.2f} s, server CPU {cpu[way][-1] * 1e6:5.0f} µs each,"
                        f" {loop_cpu * 1e6:4.0f} in its event loop's thread)",
                        flush=True,
                    )
    finally:
        for proc in servers.values():
            proc.terminate()
            proc.wait()
        await sender.stop()

    expected = args.warmup + args.rounds * args.activities
    stored = {
        "fedhub objects": await count(database, RemoteObject),
        "fedhub ids": await count(database, InboxActivity) - 1,  # less the Follow
        "fedhub search index": await count(database, REMOTE_SEARCH),
        **{way: await count(database, table) for way, table in REFERENCE_TABLES.items()},
    }
    await database.close()
    rate = {way: args.activities / statistics.median(times[way]) for way in WAYS}
    each = {way: statistics.median(cpu[way]) * 1e6 for way in WAYS}
    n = args.rounds
    print(
        f"reference (verify + commits grouped every ~10 ms): {rate['reference']:6.0f} /s"
        f"   {each['reference']:5.0f} µs server CPU each, median of {n}"
    )
    print(
        f"fedhub inbox:                                      {rate['fedhub']:6.0f} /s"
        f"   {each['fedhub']:5.0f} µs server CPU each, median of {n}"
    )
    print(
        f"ratio fedhub / reference:                          {rate['fedhub'] / rate['reference']:6.0%}"
        "   (target >= 80%)"
    )
    print(
        f"for context, the reference committing each one:    {rate['each commit']:6.0f} /s"
        f"   {each['each commit']:5.0f} µs server CPU each"
    )
    exact = not failures and all(value == expected for value in stored.values())
    print(
        f"every activity answered 202 and stored: {'yes' if exact else 'NO'}"
        + ("" if exact else f" (non-202: {dict(failures)}, stored: {stored}, expected {expected})")
    )
    return exact


async def with_database(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        if not args.database_url:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
            return await bench(args, Path(folder), url)
        admin = args.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        name = f"fedhub_bench_{uuid.uuid4().hex[:10]}"
        conn = await asyncpg.connect(admin)
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        base = admin.rpartition("/")[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        try:
            return await bench(args, Path(folder), f"{base}/{name}")
        finally:
            conn = await asyncpg.connect(admin)
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("FEDHUB_BENCH_POSTGRES_URL"),
        help="a PostgreSQL server to make a throwaway database on (default: SQLite)",
    )
    parser.add_argument("--activities", type=int, default=3_000, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--profile", default="", help="write the fedhub server's cProfile stats to this file"
    )
    args = parser.parse_args()
    if args.serve:
        role, *rest = args.serve
        if role == "fedhub":
            data_dir, database_url, profile, fd = rest
            serve_fedhub(int(fd), data_dir, database_url, profile)
        else:
            database_url, domain, key_file, fd = rest
            serve_reference(int(fd), role, database_url, domain, key_file)
        return
    database_kind = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"inbox: {args.activities} signed Create(Note) per round, {args.rounds} rounds, "
        f"concurrency {args.concurrency}; {database_kind}"
    )
    sys.exit(0 if asyncio.run(with_database(args)) else 1)


if __name__ == "__main__":
    main()
