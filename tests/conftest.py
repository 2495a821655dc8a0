"""Shared fixtures: each database test runs on SQLite and on PostgreSQL, against real servers."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from fedhub.actions.instance import init_instance
from fedhub.federation.context import FederationContext
from fedhub.settings import Settings
from fedhub.store.database import Database
from fedhub.uris import Uris
from fedhub.web.app import create_app
from fedhub.web.state import FEDERATION

SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def postgres_admin_url() -> str | None:
    """The PostgreSQL server to make throwaway databases on; .ci/run starts one and sets this."""
    url = os.environ.get("FEDHUB_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("FEDHUB_REQUIRE_POSTGRES"):
            pytest.fail("FEDHUB_REQUIRE_POSTGRES is set but FEDHUB_TEST_POSTGRES_URL is not")
        pytest.skip("PostgreSQL not configured: set FEDHUB_TEST_POSTGRES_URL (.ci/run does)")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database: a file for SQLite, a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
        return
    admin = postgres_admin_url()
    assert admin is not None
    name = f"fedhub_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = admin.rpartition("/")
    yield f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
def free_socket() -> Iterator[socket.socket]:
    """A listening socket on 127.0.0.1 whose port is known before the instance is made."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


@dataclass
class Instance:
    """A running fedhub instance on 127.0.0.1, reached over real HTTP."""

    settings: Settings
    database: Database
    uris: Uris
    http: aiohttp.ClientSession
    app: web.Application

    @property
    def federation(self) -> FederationContext:
        """The running server's own federation context (its resolver, its worker's wake-up)."""
        return self.app[FEDERATION]

    @property
    def base_url(self) -> str:
        return self.settings.base_url


@pytest.fixture
async def instance(
    tmp_path: Path, database_url: str, free_socket: socket.socket
) -> AsyncIterator[Instance]:
    port = free_socket.getsockname()[1]
    settings = await init_instance(
        tmp_path / "data",
        f"127.0.0.1:{port}",
        http=True,
        database_url=database_url,
        name="test instance",
    )
    database = Database(settings.resolved_database_url())
    runner = web.AppRunner(create_app(settings, database))
    await runner.setup()
    await web.SockSite(runner, free_socket).start()
    async with aiohttp.ClientSession() as http:
        yield Instance(settings, database, Uris(settings.base_url), http, runner.app)
    await runner.cleanup()
    await database.close()


def shared_fixture(relative: str) -> Path:
    """A real peer's payload from ../shared/fixtures; the test is skipped if the folder is absent."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip("../shared/fixtures is absent on this machine")
    return SHARED_FIXTURES / relative
