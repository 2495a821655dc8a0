"""Storage: SQLAlchemy tables, the engine, query functions and Alembic migrations."""
