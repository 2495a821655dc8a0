"""Converters for the activities fedhub sends besides Create: follows, answers, edits, boosts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fedhub.activitypub.jsonld import PUBLIC, fresh_context
from fedhub.federation.to_ap import timestamp


def follow_to_ap(activity_id: str, actor: str, target: str) -> dict[str, Any]:
    return {
        "@context": fresh_context(),
        "id": activity_id,
        "type": "Follow",
        "actor": actor,
        "object": target,
    }


def answer_to_ap(
    kind: str, activity_id: str, actor: str, follow_id: str, follower: str
) -> dict[str, Any]:
    """Accept or Reject of a Follow, embedding the Follow as Mastodon and Fedify expect."""
    return {
        "@context": fresh_context(),
        "id": activity_id,
        "type": kind,
        "actor": actor,
        "to": [follower],
        "object": {"id": follow_id, "type": "Follow", "actor": follower, "object": actor},
    }


def undo_to_ap(activity_id: str, actor: str, undone: dict[str, Any]) -> dict[str, Any]:
    """Undo embeds the activity it takes back (without its context), so peers need no fetch."""
    inner = {key: value for key, value in undone.items() if key != "@context"}
    document: dict[str, Any] = {
        "@context": fresh_context(),
        "id": activity_id,
        "type": "Undo",
        "actor": actor,
        "object": inner,
    }
    for field in ("to", "cc"):
        if field in inner:
            document[field] = inner[field]
    return document


def announce_to_ap(
    activity_id: str,
    actor: str,
    followers: str,
    object_id: str,
    object_owner: str,
    published: datetime,
) -> dict[str, Any]:
    """A boost: public, to the sharer's followers and the original author, as Mastodon sends."""
    return {
        "@context": fresh_context(),
        "id": activity_id,
        "type": "Announce",
        "actor": actor,
        "published": timestamp(published),
        "to": [PUBLIC],
        "cc": [followers, object_owner],
        "object": object_id,
    }


def update_to_ap(
    activity_id: str, actor: str, obj: dict[str, Any], published: datetime
) -> dict[str, Any]:
    inner = {key: value for key, value in obj.items() if key != "@context"}
    return {
        "@context": fresh_context(),
        "id": activity_id,
        "type": "Update",
        "actor": actor,
        "published": timestamp(published),
        "to": inner.get("to", [PUBLIC]),
        "cc": inner.get("cc", []),
        "object": inner,
    }


def delete_to_ap(
    activity_id: str, actor: str, object_id: str, followers: str, published: datetime
) -> dict[str, Any]:
    """Delete carries a Tombstone, so peers can drop the object without fetching it (it is 410)."""
    return {
        "@context": fresh_context(),
        "id": activity_id,
        "type": "Delete",
        "actor": actor,
        "published": timestamp(published),
        "to": [PUBLIC],
        "cc": [followers],
        "object": {"id": object_id, "type": "Tombstone"},
    }
