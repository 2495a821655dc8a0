"""Following a group fetches its outbox's first page, so the network view is not empty until it posts."""

from __future__ import annotations

import logging
from typing import Any

from fedhub.errors import FedhubError
from fedhub.federation.context import FederationContext
from fedhub.federation.from_ap import CONTENT_TYPES, id_of, is_http_iri, same_origin
from fedhub.federation.ingest import store_object
from fedhub.store.tables import RemoteActor

log = logging.getLogger("fedhub.backfill")

MAX_ITEMS = 40


async def backfill_outbox(ctx: FederationContext, actor: RemoteActor) -> int:
    """Store the newest public articles and events of a followed actor; returns how many."""
    if not actor.outbox:
        return 0
    collection = await ctx.resolver.fetch(actor.outbox)
    page: Any = collection.get("first", collection)
    if isinstance(page, str) and is_http_iri(page) and same_origin(page, actor.uri):
        page = await ctx.resolver.fetch(page)
    if not isinstance(page, dict):
        return 0
    items = page.get("orderedItems", page.get("items", []))
    stored = 0
    for item in (items if isinstance(items, list) else [])[:MAX_ITEMS]:
        if not isinstance(item, dict) or item.get("type") != "Create":
            continue
        obj = item.get("object")
        if not isinstance(obj, dict) or obj.get("type") not in CONTENT_TYPES:
            continue
        if id_of(item.get("actor")) != actor.uri:
            continue
        try:
            async with ctx.database.transaction() as session:
                await store_object(session, obj, actor)
            stored += 1
        except FedhubError as error:
            log.info("skipped %s from %s: %s", obj.get("id"), actor.uri, error.reason)
    return stored
