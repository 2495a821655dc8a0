"""full-text search index and tag index of local posts and remote objects

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Two index tables, `post_search` (one row per post: every language's title, lead and text, and
its tags) and `remote_object_search` (one row per remote object: title, summary, content, and its
Hashtag names), kept in sync by triggers, so every write path (the CLI, the web, the inbox, bulk
statements) updates them without knowing they exist. `fedhub.store.search` queries them.

SQLite: FTS5 tables with the `unicode61` tokenizer (`remove_diacritics 2`): it splits and case-
folds Cyrillic, Georgian and Arabic words as it does Latin ones. Remote HTML is indexed as it is
(SQLite has no regexp), so markup words such as "href" match too.

PostgreSQL: a `tsvector` and a `text[]` of tag keys per row, with GIN indexes, built with the
'simple' configuration (lower-casing, no stemming): PostgreSQL ships no Ukrainian, Georgian or
Arabic stemmer, and a Russian one alone would treat the languages unequally. Lower-casing of
non-Latin letters needs a UTF-8 LC_CTYPE (C.UTF-8 or a real locale), not plain "C".

Tags are indexed by their key (`domain.content.tag_key`) without the separators `_ · ・ ZWNJ`, so
each tag is one token and "queer_rights" is one tag, not two words; `store.search.tag_token` makes
the same key from a query.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# --- SQLite ---------------------------------------------------------------------------------

SQLITE_TOKENIZER = "unicode61 remove_diacritics 2"


def _sqlite_tag(expr: str) -> str:
    return f"replace(replace(replace(replace({expr}, '_', ''), '·', ''), '・', ''), char(8204), '')"


def _sqlite_post_refresh(post_id: str) -> str:
    return f"""
    DELETE FROM post_search WHERE rowid = {post_id};
    INSERT INTO post_search(rowid, body, tags)
    SELECT p.id,
           (SELECT group_concat(t.name || ' ' || t.summary || ' ' || t.source, ' ')
              FROM post_texts t WHERE t.post_id = p.id),
           (SELECT group_concat({_sqlite_tag("g.tag")}, ' ') FROM post_tags g WHERE g.post_id = p.id)
      FROM posts p WHERE p.id = {post_id};
    """


_SQLITE_REMOTE_INSERT = f"""
    INSERT INTO remote_object_search(rowid, body, tags)
    VALUES (
      new.id,
      coalesce(new.name, '') || ' ' || coalesce(new.summary, '') || ' ' || coalesce(new.content_html, ''),
      (SELECT group_concat({_sqlite_tag("ltrim(name, '#')")}, ' ') FROM (
         SELECT CASE WHEN j.type = 'object' AND json_extract(j.value, '$.type') = 'Hashtag'
                     THEN json_extract(j.value, '$.name') END AS name
           FROM json_each(new.raw, CASE json_type(new.raw, '$.tag')
                                   WHEN 'array' THEN '$.tag' ELSE '$.no_tags' END) AS j
         UNION ALL
         SELECT json_extract(new.raw, '$.tag.name')
          WHERE json_type(new.raw, '$.tag') = 'object'
            AND json_extract(new.raw, '$.tag.type') = 'Hashtag'
       ) WHERE name IS NOT NULL)
    );
"""

SQLITE_UP = [
    f"CREATE VIRTUAL TABLE post_search USING fts5(body, tags, tokenize = '{SQLITE_TOKENIZER}')",
    f"CREATE VIRTUAL TABLE remote_object_search USING fts5(body, tags, "
    f"tokenize = '{SQLITE_TOKENIZER}')",
    *(
        f"CREATE TRIGGER {table}_search_{event} AFTER {event.upper()} ON {table} "
        f"BEGIN {_sqlite_post_refresh(row + '.post_id')} END"
        for table in ("post_texts", "post_tags")
        for event, row in (("insert", "new"), ("update", "new"), ("delete", "old"))
    ),
    "CREATE TRIGGER posts_search_delete AFTER DELETE ON posts "
    "BEGIN DELETE FROM post_search WHERE rowid = old.id; END",
    f"CREATE TRIGGER remote_objects_search_insert AFTER INSERT ON remote_objects "
    f"BEGIN {_SQLITE_REMOTE_INSERT} END",
    "CREATE TRIGGER remote_objects_search_update "
    "AFTER UPDATE OF name, summary, content_html, raw ON remote_objects "
    "BEGIN DELETE FROM remote_object_search WHERE rowid = old.id; "
    f"{_SQLITE_REMOTE_INSERT} END",
    "CREATE TRIGGER remote_objects_search_delete AFTER DELETE ON remote_objects "
    "BEGIN DELETE FROM remote_object_search WHERE rowid = old.id; END",
    # Rows written before this revision.
    "INSERT INTO post_search(rowid, body, tags) SELECT p.id, "
    "(SELECT group_concat(t.name || ' ' || t.summary || ' ' || t.source, ' ') "
    "FROM post_texts t WHERE t.post_id = p.id), "
    f"(SELECT group_concat({_sqlite_tag('g.tag')}, ' ') FROM post_tags g WHERE g.post_id = p.id) "
    "FROM posts p",
    "UPDATE remote_objects SET raw = raw",
]

SQLITE_DOWN = [
    *(
        f"DROP TRIGGER IF EXISTS {table}_search_{event}"
        for table in ("post_texts", "post_tags", "remote_objects")
        for event in ("insert", "update", "delete")
    ),
    "DROP TRIGGER IF EXISTS posts_search_delete",
    "DROP TABLE IF EXISTS post_search",
    "DROP TABLE IF EXISTS remote_object_search",
]

# --- PostgreSQL -----------------------------------------------------------------------------

_PG_TAG = "translate(lower({}), '_·・' || chr(8204), '')"

PG_UP = [
    "CREATE TABLE post_search (post_id integer PRIMARY KEY, document tsvector NOT NULL, "
    "tags text[] NOT NULL)",
    "CREATE INDEX ix_post_search_document ON post_search USING gin (document)",
    "CREATE INDEX ix_post_search_tags ON post_search USING gin (tags)",
    "CREATE TABLE remote_object_search (object_id integer PRIMARY KEY, "
    "document tsvector NOT NULL, tags text[] NOT NULL)",
    "CREATE INDEX ix_remote_object_search_document ON remote_object_search USING gin (document)",
    "CREATE INDEX ix_remote_object_search_tags ON remote_object_search USING gin (tags)",
    f"""
    CREATE FUNCTION fedhub_refresh_post_search(pid integer) RETURNS void
    LANGUAGE sql AS $$
      DELETE FROM post_search WHERE post_id = pid;
      INSERT INTO post_search(post_id, document, tags)
      SELECT p.id,
             to_tsvector('simple', coalesce((SELECT string_agg(
                 t.name || ' ' || t.summary || ' ' || t.source, ' ')
               FROM post_texts t WHERE t.post_id = p.id), '')),
             coalesce((SELECT array_agg({_PG_TAG.format("g.tag")})
               FROM post_tags g WHERE g.post_id = p.id), '{{}}')
        FROM posts p WHERE p.id = pid;
    $$
    """,
    """
    CREATE FUNCTION fedhub_post_child_search() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        PERFORM fedhub_refresh_post_search(OLD.post_id);
      ELSE
        PERFORM fedhub_refresh_post_search(NEW.post_id);
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION fedhub_post_deleted_search() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM post_search WHERE post_id = OLD.id;
      RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION fedhub_remote_object_tags(raw json) RETURNS text[]
    LANGUAGE sql IMMUTABLE AS $$
      SELECT coalesce(array_agg({_PG_TAG.format("ltrim(e->>'name', '#')")}), '{{}}')
        FROM json_array_elements(CASE json_typeof(raw->'tag')
                                 WHEN 'array' THEN raw->'tag'
                                 WHEN 'object' THEN json_build_array(raw->'tag')
                                 ELSE '[]'::json END) AS e
       WHERE json_typeof(e) = 'object' AND e->>'type' = 'Hashtag' AND e->>'name' IS NOT NULL;
    $$
    """,
    """
    CREATE FUNCTION fedhub_remote_object_search() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM remote_object_search WHERE object_id = OLD.id;
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO remote_object_search(object_id, document, tags)
        VALUES (NEW.id,
                to_tsvector('simple', coalesce(NEW.name, '') || ' ' || coalesce(NEW.summary, '')
                  || ' ' || regexp_replace(coalesce(NEW.content_html, ''), '<[^>]*>', ' ', 'g')),
                fedhub_remote_object_tags(NEW.raw));
      END IF;
      RETURN NULL;
    END $$
    """,
    *(
        f"CREATE TRIGGER {table}_search AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION fedhub_post_child_search()"
        for table in ("post_texts", "post_tags")
    ),
    "CREATE TRIGGER posts_search AFTER DELETE ON posts "
    "FOR EACH ROW EXECUTE FUNCTION fedhub_post_deleted_search()",
    "CREATE TRIGGER remote_objects_search "
    "AFTER INSERT OR DELETE OR UPDATE OF name, summary, content_html, raw ON remote_objects "
    "FOR EACH ROW EXECUTE FUNCTION fedhub_remote_object_search()",
    # Rows written before this revision.
    "SELECT fedhub_refresh_post_search(id) FROM posts",
    "UPDATE remote_objects SET raw = raw",
]

PG_DOWN = [
    "DROP TRIGGER IF EXISTS remote_objects_search ON remote_objects",
    "DROP TRIGGER IF EXISTS posts_search ON posts",
    "DROP TRIGGER IF EXISTS post_tags_search ON post_tags",
    "DROP TRIGGER IF EXISTS post_texts_search ON post_texts",
    "DROP FUNCTION IF EXISTS fedhub_remote_object_search()",
    "DROP FUNCTION IF EXISTS fedhub_remote_object_tags(json)",
    "DROP FUNCTION IF EXISTS fedhub_post_deleted_search()",
    "DROP FUNCTION IF EXISTS fedhub_post_child_search()",
    "DROP FUNCTION IF EXISTS fedhub_refresh_post_search(integer)",
    "DROP TABLE IF EXISTS remote_object_search",
    "DROP TABLE IF EXISTS post_search",
]


def upgrade() -> None:
    statements = SQLITE_UP if op.get_bind().dialect.name == "sqlite" else PG_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else PG_DOWN
    for statement in statements:
        op.execute(statement)
