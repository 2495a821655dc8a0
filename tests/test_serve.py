"""What a newcomer does: init with the demo, `fedhub serve`, and find the demo group over HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from fedhub.activitypub.schemas import validate

FEDHUB = str(Path(sys.executable).parent / "fedhub")
AP = {"Accept": "application/activity+json"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, server: subprocess.Popen[bytes]) -> None:
    """Wait until the server listens; fail at once if it exited."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            assert server.poll() is None, "the server exited"
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[str]:
    port = free_port()
    data = str(tmp_path / "data")
    common = [FEDHUB, "--data", data, "--database-url", database_url]
    subprocess.run(
        [*common, "init", "--domain", f"127.0.0.1:{port}", "--http", "--demo"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    server = subprocess.Popen(
        [*common, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port, server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


async def test_a_newcomer_finds_the_demo_group(served: str) -> None:
    host = served.removeprefix("http://")
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{served}/.well-known/webfinger", params={"resource": f"acct:demo@{host}"}
        ) as response:
            assert response.status == 200
            jrd = await response.json(content_type=None)
        actor_url = next(link["href"] for link in jrd["links"] if link["rel"] == "self")
        async with http.get(actor_url, headers=AP) as response:
            actor = await response.json(content_type=None)
        validate(actor, "group")
        async with http.get(actor["outbox"] + "?page=1", headers=AP) as response:
            page = await response.json(content_type=None)
        types = sorted(create["object"]["type"] for create in page["orderedItems"])
        assert types == ["Article", "Article", "Event", "Event"]
        async with http.get(served + "/") as response:
            assert response.status == 200
            assert "Rainbow Rights Network" in await response.text()
