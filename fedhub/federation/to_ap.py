"""Converters from fedhub's records to the ActivityStreams documents it serves and delivers."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fedhub.activitypub.jsonld import PUBLIC, fresh_context
from fedhub.domain.records import Attachment, EventDetails, Group, Place, Post
from fedhub.uris import Uris

# The name of an online event's VirtualLocation. Gancio, which needs a place name and an address
# for every event it imports, accepts a place without address only when it is called "online".
ONLINE_PLACE_NAME = "Online"
# Mobilizon reads an event's online address from an attachment Link with exactly this name.
MOBILIZON_ONLINE_ADDRESS_NAME = "Website"


def group_to_ap(group: Group, uris: Uris, icon_url: str | None = None) -> dict[str, Any]:
    """A group as a `Group` actor, followable from Mastodon, Mobilizon, Lemmy and the rest.

    `url` is the actor id itself: the same URL serves the HTML page to browsers. Groups are
    public by purpose, so they are `discoverable` and `indexable` (Mastodon's search opt-ins).
    """
    actor = uris.group(group.slug)
    document: dict[str, Any] = {
        "@context": fresh_context(),
        "id": actor,
        "type": "Group",
        "preferredUsername": group.slug,
        "name": group.name,
        "summary": paragraphs(group.summary),
        "url": actor,
        "inbox": uris.inbox(group.slug),
        "outbox": uris.outbox(group.slug),
        "followers": uris.followers(group.slug),
        "following": uris.following(group.slug),
        "endpoints": {"sharedInbox": uris.shared_inbox()},
        "publicKey": {
            "id": uris.group_key(group.slug),
            "owner": actor,
            "publicKeyPem": group.public_key_pem,
        },
        "published": timestamp(group.published),
        "manuallyApprovesFollowers": group.manually_approves_followers,
        "discoverable": True,
        "indexable": True,
    }
    if icon_url is None and group.icon is not None:
        icon_url = uris.media(group.icon.sha256, group.icon.filename)
    if icon_url is not None:
        icon: dict[str, Any] = {"type": "Image", "url": icon_url}
        if group.icon is not None:
            icon["mediaType"] = group.icon.media_type
        document["icon"] = icon
    return document


def instance_actor_to_ap(
    uris: Uris, public_key_pem: str, name: str, published: datetime
) -> dict[str, Any]:
    """The instance's own `Application` actor, which signs fetches that no group makes.

    Its preferredUsername is the instance's domain, as Mastodon's instance actor does, so
    `acct:domain@domain` finds it through WebFinger. Another instance that follows it gets an
    `Announce` of every article and event its groups publish (instance-to-instance follows);
    follows are accepted automatically. It is not `discoverable`: it is plumbing, not a voice.
    """
    actor = uris.instance_actor()
    return {
        "@context": fresh_context(),
        "id": actor,
        "type": "Application",
        "preferredUsername": urlsplit(uris.base).netloc,
        "name": name,
        "url": uris.instance_home(),
        "inbox": uris.instance_inbox(),
        "outbox": uris.instance_outbox(),
        "followers": uris.instance_followers(),
        "following": uris.instance_following(),
        "endpoints": {"sharedInbox": uris.shared_inbox()},
        "publicKey": {"id": uris.instance_key(), "owner": actor, "publicKeyPem": public_key_pem},
        "published": timestamp(published),
        "manuallyApprovesFollowers": False,
        "discoverable": False,
    }


def person_to_ap(
    uris: Uris, ident: str, name: str, public_key_pem: str, published: datetime
) -> dict[str, Any]:
    """A member's `Person` actor: it follows groups and publishes nothing.

    Members may be at risk, so the document names no login: `ident` is random and `name` is
    what the member chose (an anonymous "reader-…" by default). It asks not to be found,
    indexed or followed without approval (Mastodon's opt-outs); no `url`, as it has no page.
    """
    actor = uris.person(ident)
    return {
        "@context": fresh_context(),
        "id": actor,
        "type": "Person",
        "preferredUsername": ident,
        "name": name,
        "inbox": uris.person_inbox(ident),
        "outbox": uris.person_outbox(ident),
        "followers": uris.person_followers(ident),
        "following": uris.person_following(ident),
        "endpoints": {"sharedInbox": uris.shared_inbox()},
        "publicKey": {"id": uris.person_key(ident), "owner": actor, "publicKeyPem": public_key_pem},
        "published": timestamp(published),
        "manuallyApprovesFollowers": True,
        "discoverable": False,
        "indexable": False,
    }


def post_to_ap(post: Post, uris: Uris, group: Group) -> dict[str, Any]:
    """An article as an `Article`, an event as an FEP-8a8e `Event`, with every language.

    Mastodon shows an Article or Event as name, summary and link, so `summary` is the plain
    text lead; `content` is the full HTML of the primary language and `contentMap` holds every
    language, primary first.
    """
    if post.group_slug != group.slug:
        raise ValueError(f"post {post.public_id} belongs to {post.group_slug}, not {group.slug}")
    post_id = uris.post(group.slug, post.kind, post.public_id)
    document: dict[str, Any] = {
        "@context": fresh_context(),
        "id": post_id,
        "type": "Event" if post.kind == "event" else "Article",
        "attributedTo": uris.group(group.slug),
        "to": [PUBLIC],
        "cc": [uris.followers(group.slug)],
        "published": timestamp(post.published),
    }
    if post.updated is not None:
        document["updated"] = timestamp(post.updated)
    document.update(_texts(post))
    document["url"] = post_id
    document["mediaType"] = "text/html"
    document["sensitive"] = False
    if post.tags:
        document["tag"] = [_hashtag(word, uris) for word in post.tags]
    attachments = [_document(attachment, uris) for attachment in post.attachments]
    if post.kind == "event":
        if post.event is None:
            raise ValueError(f"event {post.public_id} has no date or place")
        document.update(_event(post, post.event, post_id))
        if post.event.online_url:
            attachments.append(_online_address_link(post.event.online_url))
    if attachments:
        document["attachment"] = attachments
    return document


def create_to_ap(post: Post, uris: Uris, group: Group) -> dict[str, Any]:
    """The `Create` that published a post: what followers receive and the outbox lists."""
    obj = post_to_ap(post, uris, group)
    del obj["@context"]
    return {
        "@context": fresh_context(),
        "id": uris.post_activity(group.slug, post.kind, post.public_id),
        "type": "Create",
        "actor": uris.group(group.slug),
        "published": obj["published"],
        "to": list(obj["to"]),
        "cc": list(obj["cc"]),
        "object": obj,
    }


def paragraphs(text: str) -> str:
    """Plain text as escaped HTML: blank lines separate paragraphs, newlines become breaks."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in block.splitlines()) + "</p>"
        for block in blocks
    )


def timestamp(moment: datetime) -> str:
    """An instant in UTC to the second, as Mastodon writes them; naive times are UTC."""
    return aware(moment).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def local_time(moment: datetime, zone: tzinfo) -> str:
    """The wall time in the event's zone with its offset, as Mobilizon and Gancio send it."""
    return aware(moment).astimezone(zone).isoformat(timespec="seconds")


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; fedhub stores instants in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _texts(post: Post) -> dict[str, Any]:
    primary = post.primary
    fields: dict[str, Any] = {
        "name": primary.name,
        "nameMap": {text.lang: text.name for text in post.texts if text.name},
    }
    summaries = {text.lang: text.summary for text in post.texts if text.summary}
    if primary.summary:
        fields["summary"] = primary.summary
    if summaries:
        fields["summaryMap"] = summaries
    fields["content"] = primary.content_html
    fields["contentMap"] = {text.lang: text.content_html for text in post.texts}
    return fields


def _hashtag(word: str, uris: Uris) -> dict[str, str]:
    word = word.lstrip("#")
    return {"type": "Hashtag", "name": f"#{word}", "href": uris.tag(word)}


def _document(attachment: Attachment, uris: Uris) -> dict[str, str]:
    return {
        "type": "Document",
        "mediaType": attachment.media_type,
        "url": uris.media(attachment.sha256, attachment.filename),
        "name": attachment.name or attachment.filename,
    }


def _event(post: Post, event: EventDetails, post_id: str) -> dict[str, Any]:
    """FEP-8a8e's fields, with the Mobilizon names for those FEP-8a8e took from Mobilizon.

    `joinMode: external` pointing at the event's page tells Mobilizon not to offer an
    in-app "participate" button (fedhub keeps no attendee list) and sends people to the page.
    """
    zone = ZoneInfo(event.timezone)
    fields: dict[str, Any] = {
        "startTime": local_time(event.start, zone),
        "endTime": local_time(event.end, zone),
        "timezone": event.timezone,
    }
    location = _location(event)
    if location is not None:
        fields["location"] = location
    fields["isOnline"] = bool(event.online_url) and _place(event.place) is None
    fields["inLanguage"] = post.lang
    # ActivityStreams has no event status; Mobilizon sends and reads iCalendar's STATUS.
    fields["ical:status"] = "CANCELLED" if event.cancelled else "CONFIRMED"
    fields["joinMode"] = "external"
    fields["externalParticipationUrl"] = post_id
    return fields


def _location(event: EventDetails) -> dict[str, Any] | None:
    """One location object, never an array.

    FEP-8a8e allows an array for hybrid events, but Mobilizon's address converter accepts only
    a single object (a list makes it drop the event) and Gancio reads `location.name`. So a
    hybrid event carries its Place here and its online address in the Mobilizon-style
    attachment Link; an online-only event carries a VirtualLocation.
    """
    place = _place(event.place)
    if place is not None:
        return place
    if event.online_url:
        return {"type": "VirtualLocation", "name": ONLINE_PLACE_NAME, "url": event.online_url}
    return None


def _place(place: Place | None) -> dict[str, Any] | None:
    """A Place whose address is always a schema.org PostalAddress, never a bare string.

    Mobilizon reads `address.streetAddress` and friends and fails on a string; the editor's
    free-text address stands in for the street when no street was given, which is also the
    field Mobilizon and Gancio show first.
    """
    if place is None:
        return None
    name = place.name.strip() or place.address.strip() or place.street_address.strip()
    if not name:
        return None
    document: dict[str, Any] = {"type": "Place", "name": name}
    parts = {
        "streetAddress": place.street_address or place.address,
        "addressLocality": place.locality,
        "addressRegion": place.region,
        "postalCode": place.postal_code,
        "addressCountry": place.country,
    }
    address = {key: value.strip() for key, value in parts.items() if value and value.strip()}
    if address:
        document["address"] = {"type": "PostalAddress", **address}
    if place.latitude is not None and place.longitude is not None:
        document["latitude"] = float(place.latitude)
        document["longitude"] = float(place.longitude)
    return document


def _online_address_link(url: str) -> dict[str, str]:
    return {
        "type": "Link",
        "href": url,
        "mediaType": "text/html",
        "name": MOBILIZON_ONLINE_ADDRESS_NAME,
    }
