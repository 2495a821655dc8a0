"""The network page and tag pages: one filtered, paged timeline of local and followed content."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC
from typing import TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_date, format_time

from fedhub.errors import InvalidInput, NotFound
from fedhub.feeds.calendars import CALENDAR_TYPE
from fedhub.feeds.syndication import ATOM_TYPE, RSS_TYPE
from fedhub.store import network
from fedhub.store.network import KINDS, SCOPES, Cursor, NetworkFilters, NetworkPage
from fedhub.store.network_items import NetworkItem
from fedhub.store.search import tag_token
from fedhub.uris import FeedKind, Uris
from fedhub.web import i18n
from fedhub.web.render import json_response, page, wants_json
from fedhub.web.state import DATABASE, URIS

PAGE_SIZE = 20
# The filter form's query parameters, in the order page links repeat them.
FILTER_FIELDS = ("q", "scope", "type", "group", "instance", "lang", "tag")
T = TypeVar("T", bound=str)


def _choice(value: str | None, allowed: tuple[T, ...], name: str) -> T | None:
    if value is None:
        return None
    for option in allowed:
        if value == option:
            return option
    raise InvalidInput(f"{name} must be one of: {', '.join(allowed)}")


def filters_from_query(query: Mapping[str, str], **fixed: str) -> NetworkFilters:
    """The filter form's fields (empty ones mean "any"), checked by `NetworkFilters`."""

    def value(name: str) -> str | None:
        return (fixed.get(name) or query.get(name, "")).strip() or None

    return NetworkFilters(
        scope=_choice(value("scope"), SCOPES, "scope") or "network",
        kind=_choice(value("type"), KINDS, "type"),
        group=value("group"),
        instance=value("instance"),
        lang=value("lang"),
        tag=value("tag"),
        query=value("q"),
    )


def _cursor(query: Mapping[str, str]) -> Cursor | None:
    before = query.get("before")
    return Cursor.decode(before) if before else None


def page_links(
    path: str, query: Mapping[str, str], result: NetworkPage
) -> tuple[str | None, str | None]:
    """The older page's and the newest page's addresses, keeping the reader's filters."""
    kept = _kept(query)
    older = None
    if result.older is not None:
        older = f"{path}?{urlencode([*kept, ('before', result.older.encode())])}"
    newest = None
    if query.get("before"):
        newest = f"{path}?{urlencode(kept)}" if kept else path
    return older, newest


def _kept(query: Mapping[str, str]) -> list[tuple[str, str]]:
    return [(name, query[name]) for name in FILTER_FIELDS if query.get(name, "").strip()]


def filter_query(query: Mapping[str, str]) -> str:
    """The reader's filters as a query string (`?…`, or empty), for links that keep them."""
    kept = _kept(query)
    return f"?{urlencode(kept)}" if kept else ""


def network_alternates(uris: Uris, query: str = "") -> list[dict[str, str]]:
    """The network's feeds, with the page's filters: a reader subscribes to what they see."""
    return _alternates(uris.network_feed, query)


def _alternates(feed: Callable[[FeedKind], str], query: str = "") -> list[dict[str, str]]:
    _ = i18n.gettext
    return [
        {"type": RSS_TYPE, "href": feed("rss") + query, "title": _("RSS feed")},
        {"type": ATOM_TYPE, "href": feed("atom") + query, "title": _("Atom feed")},
        {
            "type": CALENDAR_TYPE,
            "href": feed("ics") + query,
            "title": _("Events calendar (iCalendar)"),
        },
    ]


def checked_tag(name: str) -> str:
    """The tag of a `/tags/…` address; one that cannot be a tag is not found, not a bad request."""
    try:
        tag_token(name)
    except InvalidInput as error:
        raise NotFound(f"{name[:40]!r} is not a tag") from error
    return name


def when(item: NetworkItem) -> str:
    """An event's start as the reader's language writes it, in the event's zone (else UTC)."""
    assert item.starts_at is not None
    zone = ZoneInfo(item.timezone) if item.timezone else UTC
    start, locale = item.starts_at.astimezone(zone), i18n.current().locale
    day = format_date(start, "medium", locale=locale)
    return f"{day} {format_time(start, 'short', tzinfo=zone, locale=locale)} ({item.timezone or 'UTC'})"


async def network_view(request: web.Request) -> web.Response:
    """What followed groups published, filtered and searched (with local posts if asked)."""
    uris = request.app[URIS]
    filters = filters_from_query(request.query)
    before = _cursor(request.query)
    async with request.app[DATABASE].reading() as session:
        result = await network.list_items(session, uris, filters, before=before, limit=PAGE_SIZE)
        choices = await network.filter_choices(session, uris)
    older, newest = page_links(request.rel_url.raw_path, request.query, result)
    if wants_json(request) or request.query.get("format") == "json":
        response = json_response([network.item_json(item) for item in result.items])
        if older:
            response.headers["Link"] = f'<{uris.base}{older}>; rel="next"'
        return response
    return page(
        request,
        "network.html",
        items=result.items,
        filters=filters,
        choices=choices,
        older_url=older,
        newest_url=newest,
        alternates=network_alternates(uris, filter_query(request.query)),
        when=when,
    )


async def tag_view(request: web.Request) -> web.Response:
    """Everything tagged `name`, here and in the network, whatever the tag's case or script."""
    name = checked_tag(request.match_info["name"])
    uris = request.app[URIS]
    filters = filters_from_query(request.query, tag=name, scope="all")
    before = _cursor(request.query)
    async with request.app[DATABASE].reading() as session:
        result = await network.list_items(session, uris, filters, before=before, limit=PAGE_SIZE)
    older, newest = page_links(request.rel_url.raw_path, request.query, result)
    if wants_json(request) or request.query.get("format") == "json":
        return json_response([network.item_json(item) for item in result.items])
    return page(
        request,
        "tag.html",
        tag=name.lstrip("#"),
        items=result.items,
        filters=filters,
        older_url=older,
        newest_url=newest,
        alternates=_alternates(lambda kind: uris.tag_feed(name, kind)),
        when=when,
    )
