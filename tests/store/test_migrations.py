"""The Alembic migrations build exactly the tables the models declare, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from fedhub.store.database import Database
from fedhub.store.search import is_search_table
from fedhub.store.tables import Base


def _outside_the_search_index(name: str | None, type_: str, parent_names: Any) -> bool:
    """The search index (migration 0002) is raw DDL: FTS5 tables cannot be declared as models."""
    return not (type_ == "table" and name is not None and is_search_table(name))


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"include_name": _outside_the_search_index}
    )
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
