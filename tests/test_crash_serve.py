"""`kill -9` of `fedhub serve` in the middle of a fan-out loses nothing: after a restart, every
follower's inbox gets the article."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from fedhub.settings import load_settings
from fedhub.store import actors
from fedhub.store.database import Database
from fedhub.store.tables import Follower, RemoteActor
from tests.delivery.loopback import Receiver, serve
from tests.test_serve import free_port

FEDHUB = str(Path(sys.executable).parent / "fedhub")
FOLLOWERS = 1500


async def run(*args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        FEDHUB, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_kill_9_of_the_server_mid_fan_out(tmp_path: Path, database_url: str) -> None:
    receiver = Receiver(delay=0.05)
    runner, receiver_port = await serve(receiver.app(), ["127.0.0.81"])
    data, port = tmp_path / "data", free_port()
    common = ["--data", str(data), "--database-url", database_url]
    try:
        await run(*common, "init", "--domain", f"127.0.0.1:{port}", "--http")
        with (data / "fedhub.toml").open("a") as config:
            config.write("delivery_lease_seconds = 2\n")
        await run(*common, "group", "create", "kyiv", "--name", "Kyiv")
        settings = load_settings(data, database_url)
        database = Database(settings.resolved_database_url())
        async with database.transaction() as session:
            group = await actors.get_group_row(session, "kyiv")
            for n in range(FOLLOWERS):
                uri = f"http://127.0.0.81:{receiver_port}/users/{n}"
                follower = RemoteActor(
                    uri=uri,
                    type="Person",
                    domain=f"127.0.0.81:{receiver_port}",
                    inbox=f"http://127.0.0.81:{receiver_port}/inbox/{n}",
                    raw={},
                )
                session.add(follower)
                await session.flush()
                session.add(
                    Follower(
                        local_actor_id=group.id,
                        remote_actor_id=follower.id,
                        state="accepted",
                        follow_activity_uri=f"{uri}/follow",
                    )
                )
        body = tmp_path / "body.md"
        body.write_text("Fan-out under fire.")
        await run(
            *common, "article", "publish", "kyiv", "--title", "Crash", "--body-file", str(body)
        )

        server = await asyncio.create_subprocess_exec(
            FEDHUB,
            *common,
            "serve",
            "--port",
            str(port),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        async with asyncio.timeout(60):
            while len(receiver.received) < FOLLOWERS // 4:
                await asyncio.sleep(0.01)
        os.kill(server.pid, signal.SIGKILL)
        assert await server.wait() == -signal.SIGKILL
        at_kill = len(receiver.received)
        assert at_kill < FOLLOWERS, "the kill must land mid-way"

        again = await asyncio.create_subprocess_exec(
            FEDHUB,
            *common,
            "serve",
            "--port",
            str(port),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            async with asyncio.timeout(90):
                while len(receiver.received) < FOLLOWERS:
                    await asyncio.sleep(0.05)
        finally:
            again.terminate()
            await again.wait()
        assert len(receiver.received) == FOLLOWERS, "every inbox got the article"
        duplicates = sum(receiver.received.values()) - FOLLOWERS
        assert duplicates <= 160, "only deliveries in flight at the kill may be sent twice"
        await database.close()
    finally:
        await runner.cleanup()
