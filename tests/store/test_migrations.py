"""The Alembic migrations build exactly the tables the models declare, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from fedhub.store.database import Database
from fedhub.store.tables import Base


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection)
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_match_the_models(database_url: str) -> None:
    database = Database(database_url)
    try:
        await database.migrate()
        await database.migrate()  # a second run is a no-op
        async with database.engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"local_actors", "posts", "remote_actors", "deliveries"} <= tables
    finally:
        await database.close()
