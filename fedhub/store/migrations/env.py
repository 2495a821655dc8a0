"""Alembic environment: fedhub always hands in an open connection (see store.database)."""

from alembic import context

from fedhub.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `fedhub migrate` (fedhub.store.database.Database)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
