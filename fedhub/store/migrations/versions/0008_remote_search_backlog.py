"""remote objects are indexed for search just after their commit, not inside it

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24

Measured with `bench/inbox.py` before this revision: indexing a remote object in its insert
trigger was most of an inbox Create's database time (FTS5: ~20 µs of a ~27 µs row; on
PostgreSQL `to_tsvector`, the tag function and two GIN indexes in the database server's
process), and the inbox's writer held every request of a group until it was done. Without it,
the inbox reached 113% (SQLite) and 98% (PostgreSQL) of the reference's activities per second
instead of 80% and 65-71%.

The triggers now only queue a new or changed remote object in `remote_search_backlog`, in the
same transaction, so nothing is ever lost; its index row is written from the view
`remote_object_search_source` (the text of revision 0007) by
`fedhub.store.search.index_backlog`: by the inbox's writer right after each group's commit
(while the next group's requests are being checked), by `put_remote_object` in its own
transaction, and when the server starts. A changed or deleted object leaves the index at once.
Local posts are still indexed by their triggers: editors write them one at a time.

Downgrading indexes the backlog and restores the triggers of revision 0007.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MARKS = [*range(0x064B, 0x0660), 0x0670, 0x0640]  # as in 0007

# --- SQLite ---------------------------------------------------------------------------------


def _strip_marks(expr: str) -> str:
    for code in MARKS:
        expr = f"replace({expr}, char({code}), '')"
    return expr


def _tag(expr: str) -> str:
    return f"replace(replace(replace(replace({expr}, '_', ''), '·', ''), '・', ''), char(8204), '')"


def _body(row: str) -> str:
    return _strip_marks(
        f"coalesce({row}.name, '') || ' ' || coalesce({row}.summary, '') || ' ' "
        f"|| coalesce({row}.content_html, '')"
    )


def _tags(row: str) -> str:
    return f"""(SELECT group_concat({_tag("ltrim(name, '#')")}, ' ') FROM (
         SELECT CASE WHEN j.type = 'object' AND json_extract(j.value, '$.type') = 'Hashtag'
                     THEN json_extract(j.value, '$.name') END AS name
           FROM json_each({row}.raw, CASE json_type({row}.raw, '$.tag')
                                   WHEN 'array' THEN '$.tag' ELSE '$.no_tags' END) AS j
         UNION ALL
         SELECT json_extract({row}.raw, '$.tag.name')
          WHERE json_type({row}.raw, '$.tag') = 'object'
            AND json_extract({row}.raw, '$.tag.type') = 'Hashtag'
       ) WHERE name IS NOT NULL)"""


# Not `INSERT OR IGNORE`: a trigger takes the conflict policy of the statement that fired it,
# and the inbox's upsert would turn it into ABORT.
_QUEUE = (
    "INSERT INTO remote_search_backlog(remote_object_id) SELECT new.id WHERE NOT EXISTS "
    "(SELECT 1 FROM remote_search_backlog WHERE remote_object_id = new.id);"
)
_UNINDEX = "DELETE FROM remote_object_search WHERE rowid = old.id;"
_INDEX_0007 = (
    f"INSERT INTO remote_object_search(rowid, body, tags) "
    f"VALUES (new.id, {_body('new')}, {_tags('new')});"
)
_TRIGGERS = ("insert", "update", "delete")
_UPDATE_OF = "AFTER UPDATE OF name, summary, content_html, raw ON remote_objects"

SQLITE_UP = [
    "CREATE TABLE remote_search_backlog (remote_object_id INTEGER PRIMARY KEY)",
    "CREATE VIEW remote_object_search_source AS "
    f"SELECT o.id AS id, {_body('o')} AS body, {_tags('o')} AS tags FROM remote_objects o",
    *(f"DROP TRIGGER remote_objects_search_{event}" for event in _TRIGGERS),
    f"CREATE TRIGGER remote_objects_search_insert AFTER INSERT ON remote_objects BEGIN {_QUEUE} END",
    f"CREATE TRIGGER remote_objects_search_update {_UPDATE_OF} BEGIN {_UNINDEX} {_QUEUE} END",
    "CREATE TRIGGER remote_objects_search_delete AFTER DELETE ON remote_objects BEGIN "
    f"{_UNINDEX} DELETE FROM remote_search_backlog WHERE remote_object_id = old.id; END",
]

SQLITE_DOWN = [
    "INSERT OR REPLACE INTO remote_object_search(rowid, body, tags) "
    "SELECT id, body, tags FROM remote_object_search_source "
    "WHERE id IN (SELECT remote_object_id FROM remote_search_backlog)",
    *(f"DROP TRIGGER remote_objects_search_{event}" for event in _TRIGGERS),
    f"CREATE TRIGGER remote_objects_search_insert AFTER INSERT ON remote_objects "
    f"BEGIN {_INDEX_0007} END",
    f"CREATE TRIGGER remote_objects_search_update {_UPDATE_OF} BEGIN {_UNINDEX} {_INDEX_0007} END",
    f"CREATE TRIGGER remote_objects_search_delete AFTER DELETE ON remote_objects BEGIN {_UNINDEX} END",
    "DROP VIEW remote_object_search_source",
    "DROP TABLE remote_search_backlog",
]


# --- PostgreSQL -----------------------------------------------------------------------------


def _pg_text(row: str) -> str:
    marks = " || ".join(f"chr({code})" for code in MARKS)
    return (
        f"translate(coalesce({row}.name, '') || ' ' || coalesce({row}.summary, '') || ' ' "
        f"|| regexp_replace(coalesce({row}.content_html, ''), '<[^>]*>', ' ', 'g'), {marks}, '')"
    )


def _pg_trigger(on_write: str) -> str:
    return f"""
    CREATE OR REPLACE FUNCTION fedhub_remote_object_search() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM remote_object_search WHERE object_id = OLD.id;
      END IF;
      IF TG_OP = 'DELETE' THEN
        DELETE FROM remote_search_backlog WHERE remote_object_id = OLD.id;
      ELSE
        {on_write}
      END IF;
      RETURN NULL;
    END $$
    """


PG_UP = [
    "CREATE TABLE remote_search_backlog (remote_object_id integer PRIMARY KEY)",
    "CREATE VIEW remote_object_search_source AS "
    f"SELECT o.id AS id, to_tsvector('simple', {_pg_text('o')}) AS document, "
    "fedhub_remote_object_tags(o.raw) AS tags FROM remote_objects o",
    _pg_trigger(
        "INSERT INTO remote_search_backlog(remote_object_id) VALUES (NEW.id) "
        "ON CONFLICT DO NOTHING;"
    ),
]

PG_DOWN = [
    "INSERT INTO remote_object_search(object_id, document, tags) "
    "SELECT id, document, tags FROM remote_object_search_source "
    "WHERE id IN (SELECT remote_object_id FROM remote_search_backlog) "
    "ON CONFLICT (object_id) DO UPDATE SET document = excluded.document, tags = excluded.tags",
    _pg_trigger(
        "INSERT INTO remote_object_search(object_id, document, tags) VALUES (NEW.id, "
        f"to_tsvector('simple', {_pg_text('NEW')}), fedhub_remote_object_tags(NEW.raw));"
    ),
    "DROP VIEW remote_object_search_source",
    "DROP TABLE remote_search_backlog",
]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_UP if sqlite else PG_UP:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_DOWN if sqlite else PG_DOWN:
        op.execute(statement)
