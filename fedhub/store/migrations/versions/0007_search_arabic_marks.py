"""search ignores Arabic vowel marks and tatweel

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

Arabic is mostly written without vowel marks (harakat), but religious, legal and teaching texts
and some headlines carry them: "حُقُوق" and "حقوق" are one word and must find each other. The
marks (U+064B–U+065F, U+0670) and the tatweel stretching a word (U+0640) are taken out of the
indexed text here and of the reader's words by `store.search.search_terms`.

Measured before this revision: SQLite's `unicode61 remove_diacritics 2` folds only Latin-script
diacritics; it treats Arabic marks as separators, so "حُقُوق" was indexed as "ح", "ق", "وق". On
PostgreSQL the 'simple' configuration keeps them inside the word. Both index texts are now
stripped by the triggers (nested `replace` on SQLite, `translate` on PostgreSQL), and every
existing row is indexed again. Downgrading restores the triggers of revision 0002.
"""

from collections.abc import Callable, Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MARKS = [*range(0x064B, 0x0660), 0x0670, 0x0640]
Clean = Callable[[str], str]


def _sqlite_strip(expr: str) -> str:
    for code in MARKS:
        expr = f"replace({expr}, char({code}), '')"
    return expr


def _pg_strip(expr: str) -> str:
    marks = " || ".join(f"chr({code})" for code in MARKS)
    return f"translate({expr}, {marks}, '')"


def _same(expr: str) -> str:
    return expr


# --- SQLite (triggers as in 0002, with the body passed through `clean`) ----------------------


def _sqlite_tag(expr: str) -> str:
    return f"replace(replace(replace(replace({expr}, '_', ''), '·', ''), '・', ''), char(8204), '')"


def _sqlite_post_body(clean: Clean) -> str:
    return clean(
        "(SELECT group_concat(t.name || ' ' || t.summary || ' ' || t.source, ' ') "
        "FROM post_texts t WHERE t.post_id = p.id)"
    )


def _sqlite_post_refresh(post_id: str, clean: Clean) -> str:
    return f"""
    DELETE FROM post_search WHERE rowid = {post_id};
    INSERT INTO post_search(rowid, body, tags)
    SELECT p.id, {_sqlite_post_body(clean)},
           (SELECT group_concat({_sqlite_tag("g.tag")}, ' ') FROM post_tags g WHERE g.post_id = p.id)
      FROM posts p WHERE p.id = {post_id};
    """


def _sqlite_remote_insert(clean: Clean) -> str:
    body = clean(
        "coalesce(new.name, '') || ' ' || coalesce(new.summary, '') || ' ' "
        "|| coalesce(new.content_html, '')"
    )
    return f"""
    INSERT INTO remote_object_search(rowid, body, tags)
    VALUES (
      new.id,
      {body},
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


_POST_TRIGGERS = [
    (table, event, row)
    for table in ("post_texts", "post_tags")
    for event, row in (("insert", "new"), ("update", "new"), ("delete", "old"))
]


def _sqlite(clean: Clean) -> list[str]:
    return [
        *(f"DROP TRIGGER {table}_search_{event}" for table, event, _ in _POST_TRIGGERS),
        "DROP TRIGGER remote_objects_search_insert",
        "DROP TRIGGER remote_objects_search_update",
        *(
            f"CREATE TRIGGER {table}_search_{event} AFTER {event.upper()} ON {table} "
            f"BEGIN {_sqlite_post_refresh(row + '.post_id', clean)} END"
            for table, event, row in _POST_TRIGGERS
        ),
        "CREATE TRIGGER remote_objects_search_insert AFTER INSERT ON remote_objects "
        f"BEGIN {_sqlite_remote_insert(clean)} END",
        "CREATE TRIGGER remote_objects_search_update "
        "AFTER UPDATE OF name, summary, content_html, raw ON remote_objects "
        "BEGIN DELETE FROM remote_object_search WHERE rowid = old.id; "
        f"{_sqlite_remote_insert(clean)} END",
        # Index what was written before again.
        "DELETE FROM post_search",
        "INSERT INTO post_search(rowid, body, tags) "
        f"SELECT p.id, {_sqlite_post_body(clean)}, (SELECT group_concat({_sqlite_tag('g.tag')}, ' ') "
        "FROM post_tags g WHERE g.post_id = p.id) FROM posts p",
        "UPDATE remote_objects SET raw = raw",
    ]


# --- PostgreSQL (functions as in 0002, with the text passed through `clean`) -----------------


def _pg(clean: Clean) -> list[str]:
    post_text = clean(
        "coalesce((SELECT string_agg(t.name || ' ' || t.summary || ' ' || t.source, ' ') "
        "FROM post_texts t WHERE t.post_id = p.id), '')"
    )
    remote_text = clean(
        "coalesce(NEW.name, '') || ' ' || coalesce(NEW.summary, '') || ' ' "
        "|| regexp_replace(coalesce(NEW.content_html, ''), '<[^>]*>', ' ', 'g')"
    )
    return [
        f"""
        CREATE OR REPLACE FUNCTION fedhub_refresh_post_search(pid integer) RETURNS void
        LANGUAGE sql AS $$
          DELETE FROM post_search WHERE post_id = pid;
          INSERT INTO post_search(post_id, document, tags)
          SELECT p.id,
                 to_tsvector('simple', {post_text}),
                 coalesce((SELECT array_agg(translate(lower(g.tag), '_·・' || chr(8204), ''))
                   FROM post_tags g WHERE g.post_id = p.id), '{{}}')
            FROM posts p WHERE p.id = pid;
        $$
        """,
        f"""
        CREATE OR REPLACE FUNCTION fedhub_remote_object_search() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM remote_object_search WHERE object_id = OLD.id;
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO remote_object_search(object_id, document, tags)
            VALUES (NEW.id, to_tsvector('simple', {remote_text}),
                    fedhub_remote_object_tags(NEW.raw));
          END IF;
          RETURN NULL;
        END $$
        """,
        # Index what was written before again.
        "SELECT fedhub_refresh_post_search(id) FROM posts",
        "UPDATE remote_objects SET raw = raw",
    ]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _sqlite(_sqlite_strip) if sqlite else _pg(_pg_strip):
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _sqlite(_same) if sqlite else _pg(_same):
        op.execute(statement)
