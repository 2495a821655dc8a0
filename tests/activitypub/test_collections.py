"""Collections and pages: valid, free of unmapped terms, and linked the way Mastodon pages them."""

from __future__ import annotations

from fedhub.activitypub.collections import ordered_collection, ordered_collection_page
from fedhub.activitypub.jsonld import CONTEXT, dropped_terms
from fedhub.activitypub.schemas import validate

OUTBOX = "https://fedhub.example/groups/tenants/outbox"


def test_collection_points_at_its_first_and_last_page() -> None:
    collection = ordered_collection(OUTBOX, 45, first=f"{OUTBOX}?page=1", last=f"{OUTBOX}?page=3")
    validate(collection, "ordered-collection")
    assert dropped_terms(collection) == []
    assert collection == {
        "@context": CONTEXT,
        "id": OUTBOX,
        "type": "OrderedCollection",
        "totalItems": 45,
        "first": f"{OUTBOX}?page=1",
        "last": f"{OUTBOX}?page=3",
    }


def test_collection_can_publish_only_its_count() -> None:
    followers = ordered_collection("https://fedhub.example/groups/tenants/followers", 12, None)
    validate(followers, "ordered-collection")
    assert "first" not in followers and "orderedItems" not in followers
    assert followers["totalItems"] == 12


def test_last_without_first_is_ignored() -> None:
    collection = ordered_collection(OUTBOX, 0, first=None, last=f"{OUTBOX}?page=1")
    assert "last" not in collection


def test_middle_page_links_both_ways() -> None:
    page = ordered_collection_page(
        f"{OUTBOX}?page=2",
        part_of=OUTBOX,
        items=["https://peer.example/users/a", "https://peer.example/users/b"],
        next=f"{OUTBOX}?page=3",
        prev=f"{OUTBOX}?page=1",
        start_index=20,
    )
    validate(page, "ordered-collection-page")
    assert dropped_terms(page) == []
    assert page["partOf"] == OUTBOX
    assert page["next"].endswith("page=3") and page["prev"].endswith("page=1")
    assert page["startIndex"] == 20


def test_last_page_has_no_next() -> None:
    page = ordered_collection_page(f"{OUTBOX}?page=1", part_of=OUTBOX, items=[])
    validate(page, "ordered-collection-page")
    assert set(page) == {"@context", "id", "type", "partOf", "orderedItems"}


def test_embedded_items_share_the_page_context() -> None:
    item = {
        "@context": CONTEXT,
        "id": "https://fedhub.example/groups/tenants/articles/a1/activity",
        "type": "Create",
    }
    page = ordered_collection_page(f"{OUTBOX}?page=1", part_of=OUTBOX, items=[item])
    assert page["orderedItems"] == [{"id": item["id"], "type": "Create"}]
    assert "@context" in item, "the caller's document is left as it was"
