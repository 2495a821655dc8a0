"""Feeds and calendars over HTTP: the views load items, `fedhub.feeds` renders them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from aiohttp import web

from fedhub.feeds.calendars import CALENDAR_TYPE, render_calendar
from fedhub.feeds.syndication import (
    ATOM_TYPE,
    RSS_TYPE,
    Channel,
    newest_change,
    render_atom,
    render_rss,
)
from fedhub.store import actors, network, posts
from fedhub.store.network_items import NetworkItem, local_item
from fedhub.uris import FEED_FILES, FeedKind
from fedhub.web import i18n
from fedhub.web.network_views import checked_tag, filters_from_query
from fedhub.web.state import DATABASE, SETTINGS, URIS

FEED_LIMIT = 50
CALENDAR_LIMIT = 500
# A calendar keeps recent past events, so a subscriber still sees what they went to.
CALENDAR_PAST = timedelta(days=90)
# The `updated` of a feed with no item yet: fixed, so its ETag stays the same.
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)
# The file names of `Uris.group_feed` and `Uris.network_feed`, back to their kinds.
_KINDS: dict[str, FeedKind] = {
    FEED_FILES["rss"]: "rss",
    FEED_FILES["atom"]: "atom",
    FEED_FILES["ics"]: "ics",
}


def _kind(request: web.Request) -> FeedKind:
    return _KINDS[request.match_info["file"]]


async def group_feed(request: web.Request) -> web.Response:
    """A group's articles and events as RSS or Atom, or its events as a calendar."""
    slug, kind = request.match_info["slug"], _kind(request)
    uris = request.app[URIS]
    async with request.app[DATABASE].reading() as session:
        group = await actors.get_group(session, slug)
        if kind == "ics":
            after = datetime.now(UTC) - CALENDAR_PAST
            records = await posts.list_posts(
                session, slug=slug, upcoming_after=after, limit=CALENDAR_LIMIT
            )
        else:
            records = await posts.list_posts(session, slug=slug, limit=FEED_LIMIT)
    items = [local_item(record, uris, group.name) for record in records]
    channel = Channel(
        title=group.name,
        link=uris.group(slug),
        self_url=uris.group_feed(slug, kind),
        description=group.summary,
        updated=newest_change(items, EMPTY_FEED_UPDATED),
        lang=group.lang,
    )
    return respond_with_feed(request, kind, channel, items)


async def network_feed(request: web.Request) -> web.Response:
    """The network page as a feed; the page's filters apply (`?tag=pride&lang=uk`)."""
    kind = _kind(request)
    uris = request.app[URIS]
    # The calendar holds events only, whatever the page showed.
    filters = filters_from_query(request.query, **({"type": "event"} if kind == "ics" else {}))
    limit = CALENDAR_LIMIT if kind == "ics" else FEED_LIMIT
    async with request.app[DATABASE].reading() as session:
        result = await network.list_items(session, uris, filters, limit=limit)
    name = request.app[SETTINGS].name
    channel = Channel(
        title=i18n.gettext("%(site)s: network") % {"site": name},
        link=uris.network(),
        self_url=uris.network_feed(kind),
        description=i18n.gettext("What the groups followed from %(site)s published.")
        % {"site": name},
        updated=newest_change(result.items, EMPTY_FEED_UPDATED),
    )
    return respond_with_feed(request, kind, channel, result.items)


async def tag_feed(request: web.Request) -> web.Response:
    """Everything tagged `name`, here and in the network, as a feed: what the tag page lists.

    The network page's other filters apply too (`?lang=uk`).
    """
    name, kind = checked_tag(request.match_info["name"]), _kind(request)
    uris = request.app[URIS]
    filters = filters_from_query(
        request.query, tag=name, scope="all", **({"type": "event"} if kind == "ics" else {})
    )
    async with request.app[DATABASE].reading() as session:
        result = await network.list_items(
            session, uris, filters, limit=CALENDAR_LIMIT if kind == "ics" else FEED_LIMIT
        )
    tag, site = name.lstrip("#"), request.app[SETTINGS].name
    channel = Channel(
        title=i18n.gettext("#%(tag)s on %(site)s") % {"tag": tag, "site": site},
        link=uris.tag(name),
        self_url=uris.tag_feed(name, kind),
        description=i18n.gettext("Articles and events tagged #%(tag)s.") % {"tag": tag},
        updated=newest_change(result.items, EMPTY_FEED_UPDATED),
    )
    return respond_with_feed(request, kind, channel, result.items)


async def event_calendar(request: web.Request) -> web.Response:
    """One event as an .ics file: "add to my calendar" without an account."""
    slug, public_id = request.match_info["slug"], request.match_info["public_id"]
    uris = request.app[URIS]
    async with request.app[DATABASE].reading() as session:
        group = await actors.get_group(session, slug)
        record = await posts.get_post(session, slug, "event", public_id)
    item = local_item(record, uris, group.name)
    response = _response(
        request,
        render_calendar(item.name or group.name, [item]),
        CALENDAR_TYPE,
        newest_change([item], EMPTY_FEED_UPDATED),
    )
    response.headers["Content-Disposition"] = f'inline; filename="{public_id}.ics"'
    return response


def respond_with_feed(
    request: web.Request, kind: FeedKind, channel: Channel, items: Sequence[NetworkItem]
) -> web.Response:
    """The items as the feed or calendar `kind`, with validators; shared by every feed view."""
    if kind == "rss":
        return _response(request, render_rss(channel, items), RSS_TYPE, channel.updated)
    if kind == "atom":
        return _response(request, render_atom(channel, items), ATOM_TYPE, channel.updated)
    return _response(request, render_calendar(channel.title, items), CALENDAR_TYPE, channel.updated)


def _response(
    request: web.Request, body: bytes, content_type: str, modified: datetime
) -> web.Response:
    """The document with validators: feed readers poll, and a 304 costs them nothing."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(modified.astimezone(UTC), usegmt=True),
        "Cache-Control": "public, max-age=300",
    }
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    headers["Content-Type"] = f"{content_type}; charset=utf-8"
    return web.Response(body=body, headers=headers)
