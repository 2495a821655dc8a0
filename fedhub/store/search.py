"""The full-text and tag index (migration 0002): turning a reader's words into safe index queries.

The index tables are kept in sync by database triggers, except that a remote object is queued by
its trigger and indexed just after its commit (`index_backlog`, migration 0008). A reader's text
never reaches a query parser as syntax: each word is quoted (FTS5) or quoted as a lexeme
(PostgreSQL `to_tsquery`), so `"`, `*`, `:`, `&`, `(` or `NEAR` are only characters to look for.
Words match as prefixes ("правозахисн" finds "правозахисники"), which stands in for the stemmers
that Ukrainian, Georgian and Arabic lack. Arabic vowel marks and tatweel are ignored on both
sides (migration 0007 strips them from the index).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Text,
    bindparam,
    column,
    false,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.domain.content import tag_key
from fedhub.errors import InvalidInput
from fedhub.store.database import Database

# The index's tables; the test that compares migrations with the models leaves them out, as
# SQLAlchemy cannot declare an FTS5 table. SQLite adds shadow tables named `<table>_<suffix>`.
SEARCH_TABLES = ("post_search", "remote_object_search", "remote_search_backlog")
MAX_QUERY_CHARS = 200
MAX_TERMS = 12
BACKLOG_BATCH = 500  # remote objects indexed in one statement at most
_TAG_SEPARATORS = str.maketrans("", "", "_\u00b7\u30fb\u200c")
# Arabic vowel marks (harakat, U+064B-U+065F, U+0670) and tatweel (U+0640): the index holds words
# without them (migration 0007), so "حُقُوق" finds "حقوق" and the other way round.
_ARABIC_MARKS = str.maketrans("", "", "".join(map(chr, [*range(0x064B, 0x0660), 0x0670, 0x0640])))


def is_search_table(name: str) -> bool:
    return any(name == t or name.startswith(f"{t}_") for t in SEARCH_TABLES)


def search_terms(text: str) -> list[str]:
    """The words of a search box, split on spaces, without Arabic vowel marks; words without a
    letter or digit are dropped."""
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(f"the search text is longer than {MAX_QUERY_CHARS} characters")
    words = [w for w in text.translate(_ARABIC_MARKS).split() if any(c.isalnum() for c in w)]
    if len(words) > MAX_TERMS:
        raise InvalidInput(f"search for at most {MAX_TERMS} words")
    return words


def tag_token(tag: str) -> str:
    """A tag as the index holds it: its key without separators, one token in both databases."""
    return tag_key(tag).translate(_TAG_SEPARATORS)


def fts5_query(words: list[str]) -> str:
    """An FTS5 query that matches every word as a prefix, whatever characters they hold."""
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words)


def tsquery_text(words: list[str]) -> str:
    """A `to_tsquery` text that matches every word as a prefix; each is a quoted lexeme."""
    quoted = ("'" + w.replace("\\", "\\\\").replace("'", "''") + "':*" for w in words)
    return " & ".join(quoted)


_POST_FTS = table("post_search", column("rowid", Integer))
_REMOTE_FTS = table("remote_object_search", column("rowid", Integer))
_POST_PG = table(
    "post_search",
    column("post_id", Integer),
    column("document", TSVECTOR),
    column("tags", ARRAY(Text)),
)
_REMOTE_PG = table(
    "remote_object_search",
    column("object_id", Integer),
    column("document", TSVECTOR),
    column("tags", ARRAY(Text)),
)


def matching_ids(
    *, sqlite: bool, remote: bool, words: list[str] | None = None, tag: str | None = None
) -> Select[int] | ColumnElement[bool]:
    """The ids of posts (or remote objects) holding every word and the tag.

    Returns `false()` when the words hold nothing to look for, so the caller finds nothing.
    """
    if words is None and tag is None:
        raise ValueError("matching_ids needs words or a tag")
    if words is not None and not words:
        return false()
    if sqlite:
        name = "remote_object_search" if remote else "post_search"
        fts = _REMOTE_FTS if remote else _POST_FTS
        parts = [f"({fts5_query(words)})"] if words else []
        if tag is not None:
            parts.append('tags : "' + tag_token(tag).replace('"', '""') + '"')
        expression = " AND ".join(parts)
        return select(fts.c.rowid).where(
            literal_column(name).op("MATCH")(bindparam(None, expression))
        )
    pg = _REMOTE_PG if remote else _POST_PG
    query = select(pg.c.object_id if remote else pg.c.post_id)
    if words:
        query = query.where(
            pg.c.document.op("@@")(func.to_tsquery("simple", bindparam(None, tsquery_text(words))))
        )
    if tag is not None:
        query = query.where(pg.c.tags.contains([tag_token(tag)]))
    return query


_BACKLOG = table("remote_search_backlog", column("remote_object_id", Integer))
_SQLITE_INDEX = text(
    "INSERT OR REPLACE INTO remote_object_search(rowid, body, tags) "
    "SELECT id, body, tags FROM remote_object_search_source WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))
# One round trip: take a batch off the backlog and index it. SKIP LOCKED lets another process
# index its own batch meanwhile.
_PG_INDEX = """
WITH queued AS (
  DELETE FROM remote_search_backlog WHERE remote_object_id IN (
    SELECT remote_object_id FROM remote_search_backlog {only}
     ORDER BY remote_object_id LIMIT :limit FOR UPDATE SKIP LOCKED)
  RETURNING remote_object_id)
INSERT INTO remote_object_search(object_id, document, tags)
SELECT s.id, s.document, s.tags
  FROM remote_object_search_source s JOIN queued q ON q.remote_object_id = s.id
ON CONFLICT (object_id) DO UPDATE SET document = excluded.document, tags = excluded.tags
RETURNING object_id
"""
_PG_INDEX_ALL = text(_PG_INDEX.format(only=""))
_PG_INDEX_ONLY = text(_PG_INDEX.format(only="WHERE remote_object_id IN :only")).bindparams(
    bindparam("only", expanding=True)
)


async def index_backlog(
    session: AsyncSession, only: Collection[int] | None = None, *, limit: int = BACKLOG_BATCH
) -> int:
    """Index remote objects queued for search; how many were indexed.

    Indexing cost most of an inbox Create's database time, so the triggers only queue an
    object (migration 0008) and this indexes it after the commit: the inbox's writer calls it
    after each group, `put_remote_object` for its own row, the server at start for what a
    crash left. `only` limits it to those objects.
    """
    if session.get_bind().dialect.name == "postgresql":
        if only is None:
            result = await session.execute(_PG_INDEX_ALL, {"limit": limit})
        else:
            result = await session.execute(_PG_INDEX_ONLY, {"limit": limit, "only": list(only)})
        return len(result.all())
    queued = select(_BACKLOG.c.remote_object_id).order_by(_BACKLOG.c.remote_object_id)
    if only is not None:
        queued = queued.where(_BACKLOG.c.remote_object_id.in_(list(only)))
    taken = _BACKLOG.delete().where(_BACKLOG.c.remote_object_id.in_(queued.limit(limit)))
    ids = list((await session.scalars(taken.returning(_BACKLOG.c.remote_object_id))).all())
    if ids:
        await session.execute(_SQLITE_INDEX, {"ids": ids})
    return len(ids)


async def drain_backlog(database: Database) -> int:
    """Index every queued remote object, a batch per transaction; how many."""
    total = 0
    while True:
        async with database.transaction() as session:
            indexed = await index_backlog(session)
        total += indexed
        if indexed < BACKLOG_BATCH:
            return total
