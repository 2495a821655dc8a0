"""OrderedCollections and their pages, linked the way Mastodon walks them (`first`, `next`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fedhub.activitypub.jsonld import fresh_context


def ordered_collection(
    id: str, total_items: int, first: str | None, last: str | None = None
) -> dict[str, Any]:
    """The collection itself: its size and where its pages start.

    Items live only in pages, so a collection of thousands stays one small document; `first`
    is None for a collection that publishes only its count (a group's followers).
    """
    document: dict[str, Any] = {
        "@context": fresh_context(),
        "id": id,
        "type": "OrderedCollection",
        "totalItems": total_items,
    }
    if first is not None:
        document["first"] = first
        if last is not None:
            document["last"] = last
    return document


def ordered_collection_page(
    id: str,
    part_of: str,
    items: Sequence[Any],
    next: str | None = None,
    prev: str | None = None,
    start_index: int | None = None,
) -> dict[str, Any]:
    """One page, newest first; `next` is absent on the last page, which is how peers stop."""
    document: dict[str, Any] = {
        "@context": fresh_context(),
        "id": id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": [_without_context(item) for item in items],
    }
    if next is not None:
        document["next"] = next
    if prev is not None:
        document["prev"] = prev
    if start_index is not None:
        document["startIndex"] = start_index
    return document


def _without_context(item: Any) -> Any:
    """Embedded items share the page's `@context`; a second copy in each would only bloat it."""
    if isinstance(item, dict) and "@context" in item:
        return {key: value for key, value in item.items() if key != "@context"}
    return item
