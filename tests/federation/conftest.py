"""Federation tests' fixtures: real fedhub instances on 127.0.0.1 that federate with each other
over HTTP, and the fake peers, their keys and the local group that single-instance tests use."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from fedhub.actions.groups import create_group
from fedhub.actions.instance import init_instance
from fedhub.activitypub.keys import KeyPair, generate_key_pair
from fedhub.federation.context import FederationContext
from fedhub.settings import Settings
from fedhub.store.database import Database
from fedhub.uris import Uris
from fedhub.web.app import create_app
from fedhub.web.state import FEDERATION
from tests.conftest import Instance
from tests.federation.fake_peer import FakePeer

T = TypeVar("T")


@dataclass
class Node:
    """One fedhub instance; `stop()` and `start()` take it off and back on the network."""

    name: str
    settings: Settings
    database: Database
    sock: socket.socket
    runner: web.AppRunner | None = None

    @property
    def uris(self) -> Uris:
        return Uris(self.settings.base_url)

    @property
    def ctx(self) -> FederationContext:
        assert self.runner is not None, f"{self.name} is stopped"
        return self.runner.app[FEDERATION]

    def http_session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession()

    def handle(self, slug: str) -> str:
        return f"@{self.uris.handle(slug)}"

    async def start(self) -> None:
        if self.sock.fileno() == -1:  # closed by a stop(): listen again on the same port
            self.sock = listening_socket(int(self.settings.domain.rsplit(":", 1)[1]))
        self.runner = web.AppRunner(create_app(self.settings, self.database))
        await self.runner.setup()
        await web.SockSite(self.runner, self.sock).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


def listening_socket(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


async def eventually(check: Callable[[], Awaitable[T | None]], what: str, timeout: float = 20) -> T:
    """Poll until `check` returns something truthy: delivery is asynchronous by design."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@pytest.fixture
async def make_node(
    tmp_path: Path, database_url: str
) -> AsyncIterator[Callable[[str, str], Awaitable[Node]]]:
    nodes: list[Node] = []

    async def make(name: str, group: str) -> Node:
        sock = listening_socket(0)
        port = sock.getsockname()[1]
        # Every node shares the test's database server but has its own database (or file).
        url = database_url if not nodes else await _sibling_database(database_url, name, tmp_path)
        settings = await init_instance(
            tmp_path / name, f"127.0.0.1:{port}", http=True, database_url=url, name=name
        )
        database = Database(settings.resolved_database_url())
        await create_group(database, group, f"{group.title()} group", "", "en")
        node = Node(name, settings, database, sock)
        await node.start()
        nodes.append(node)
        return node

    yield make
    for node in nodes:
        await node.stop()
        await node.database.close()
        node.sock.close()
        if node.database.url != database_url and not node.database.is_sqlite:
            base, _, db = node.database.url.rpartition("/")
            await _admin(base, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


async def _sibling_database(url: str, name: str, tmp_path: Path) -> str:
    if url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{tmp_path / (name + '.sqlite3')}"
    base, _, db = url.rpartition("/")
    await _admin(base, f'CREATE DATABASE "{db}_{name}"')
    return f"{base}/{db}_{name}"


async def _admin(base: str, statement: str) -> None:
    conn = await asyncpg.connect(base.replace("+asyncpg", "") + "/postgres")
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


# --- one instance and the peers around it ---------------------------------------------------


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated database without a server, for the writer's own tests."""
    db = Database(database_url)
    await db.migrate()
    yield db
    await db.close()


@pytest.fixture
async def group(instance: Instance) -> str:
    """The local group "kyiv" that the peers write to; its id."""
    await create_group(instance.database, "kyiv", "Kyiv", "", "uk")
    return instance.uris.group("kyiv")


def _key_pair() -> KeyPair:
    return generate_key_pair()


async def _fake_peer() -> AsyncIterator[FakePeer]:
    async with FakePeer() as fake:
        yield fake


# A key pair per role, made once per test module (RSA-2048 takes a while), and a fake server
# per role, started for each test: a test names the ones its story needs.
alice_keys = pytest.fixture(_key_pair, scope="module", name="alice_keys")
mallory_keys = pytest.fixture(_key_pair, scope="module", name="mallory_keys")
member_keys = pytest.fixture(_key_pair, scope="module", name="member_keys")
intruder_keys = pytest.fixture(_key_pair, scope="module", name="intruder_keys")
booster_keys = pytest.fixture(_key_pair, scope="module", name="booster_keys")
author_keys = pytest.fixture(_key_pair, scope="module", name="author_keys")
community_keys = pytest.fixture(_key_pair, scope="module", name="community_keys")
peer = pytest.fixture(_fake_peer, name="peer")
other_peer = pytest.fixture(_fake_peer, name="other_peer")
mobilizon = pytest.fixture(_fake_peer, name="mobilizon")
elsewhere = pytest.fixture(_fake_peer, name="elsewhere")
boosters = pytest.fixture(_fake_peer, name="boosters")
authors = pytest.fixture(_fake_peer, name="authors")
lemmy = pytest.fixture(_fake_peer, name="lemmy")
