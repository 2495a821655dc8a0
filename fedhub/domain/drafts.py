"""Validates what an editor submits (raw strings from a web form or the CLI) before storing."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from fedhub.domain.content import normalise_tag, tag_key
from fedhub.domain.languages import normalise_lang
from fedhub.domain.records import Place
from fedhub.errors import InvalidInput

MAX_TITLE_CHARS = 300
MAX_BODY_CHARS = 200_000
MAX_SUMMARY_CHARS = 500
MAX_GROUP_NAME_CHARS = 100
MAX_PLACE_CHARS = 200
MAX_ADDRESS_CHARS = 300
MAX_URL_CHARS = 2000
MAX_TAGS = 20
# Longer than a year is almost always a typo in the year; exhibitions and camps still fit.
MAX_EVENT_LENGTH = timedelta(days=366)
# Years outside this are typos, and far-off years overflow when shifted between time zones.
MIN_YEAR, MAX_YEAR = 1900, 2200

# A group is followed by its handle (`slug@host`). Mastodon's own usernames are [a-z0-9_] only,
# at most 30 characters, and its mention parsing has long stumbled over '-' and '.' in handles,
# so a slug keeps to what every Mastodon version can address.
_SLUG = re.compile(r"[a-z0-9_]{1,30}")
# Names that are, or may become, paths of ours or well-known addresses someone could impersonate.
RESERVED_SLUGS = frozenset(
    {
        "about", "abuse", "account", "accounts", "activity", "actor", "admin", "administrator",
        "api", "app", "articles", "assets", "auth", "events", "feed", "fedhub", "followers",
        "following", "groups", "help", "hostmaster", "inbox", "instance", "login", "logout",
        "mail", "media", "moderator", "network", "new", "nodeinfo", "noreply", "null", "oauth",
        "outbox", "postmaster", "public", "root", "search", "security", "settings", "static",
        "support", "system", "tags", "undefined", "webfinger", "webmaster", "www",
    }
)  # fmt: skip

# Zone names are paths under the tz database; only plain names may reach `ZoneInfo`.
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2}")
# In the tz database but not places: the server's own zone, and a placeholder.
_NOT_ZONES = frozenset({"localtime", "Factory"})
_HAS_TIME = re.compile(r"\d[T ]\d", re.IGNORECASE)
_COORDINATE = re.compile(r"[+-]?\d{1,3}(?:[.,]\d+)?")


@dataclass(frozen=True)
class ArticleDraft:
    """A checked article; files are not here, the action stores them itself."""

    group_slug: str
    lang: str
    title: str
    body_markdown: str
    summary: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class TranslationDraft:
    """A checked language version to add to a post already published."""

    lang: str
    title: str
    body_markdown: str
    summary: str | None = None


@dataclass(frozen=True)
class EventDraft:
    """A checked event; `start` and `end` are aware datetimes in the zone named by `timezone`."""

    group_slug: str
    lang: str
    title: str
    body_markdown: str
    start: datetime
    end: datetime
    timezone: str
    place_name: str | None = None
    address: str | None = None
    online_url: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    tags: tuple[str, ...] = ()

    @property
    def place(self) -> Place | None:
        if self.place_name is None:
            return None
        return Place(
            name=self.place_name,
            address=self.address or "",
            latitude=self.latitude,
            longitude=self.longitude,
        )


def validate_group_slug(slug: str) -> str:
    """A group's slug: 1-30 of a-z, 0-9 and '_', not a reserved name."""
    value = slug.strip()
    if not value:
        raise InvalidInput("the group slug is empty")
    if not _SLUG.fullmatch(value):
        raise InvalidInput(
            f"group slug {value!r} may hold only a-z, 0-9 and '_', at most 30 characters"
        )
    if value in RESERVED_SLUGS:
        raise InvalidInput(f"group slug {value!r} is reserved")
    return value


def validate_group_name(name: str) -> str:
    """A group's display name: one line, NFC, 1-100 characters."""
    value = _single_line(name, "group name", MAX_GROUP_NAME_CHARS)
    if value is None:
        raise InvalidInput("the group name is empty")
    return value


def validate_tags(raw: str | Iterable[str]) -> tuple[str, ...]:
    """Tags from a form field ("pride, #kyiv lgbt") or repeated CLI options, without duplicates.

    The first spelling of a tag is kept ("Pride" and "pride" are one tag).
    """
    items = [raw] if isinstance(raw, str) else list(raw)
    tags: dict[str, str] = {}
    for item in items:
        for word in re.split(r"[\s,]+", item):
            if word:
                tag = normalise_tag(word)
                tags.setdefault(tag_key(tag), tag)
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"at most {MAX_TAGS} tags, got {len(tags)}")
    return tuple(tags.values())


def validate_timezone(name: str) -> str:
    """An IANA time zone name such as "Europe/Kyiv"; never a path or the server's own zone."""
    value = name.strip()
    if not _ZONE_NAME.fullmatch(value) or value in _NOT_ZONES or value not in _known_zones():
        raise InvalidInput(f"unknown time zone {value!r} (use a name like Europe/Kyiv)")
    return value


@functools.cache
def _known_zones() -> frozenset[str]:
    """The zone names installed (system tz database or the tzdata package); read once."""
    return frozenset(zoneinfo.available_timezones())


def validate_online_url(url: str) -> str | None:
    """An http(s) link to an online event, or None when empty; links holding a password are
    refused because they would be published to every follower."""
    value = url.strip()
    if not value:
        return None
    if len(value) > MAX_URL_CHARS:
        raise InvalidInput(f"the online link is longer than {MAX_URL_CHARS} characters")
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in value):
        raise InvalidInput("the online link contains spaces or control characters")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidInput("the online link must start with https:// or http://")
    if "@" in parts.netloc:
        raise InvalidInput("the online link must not contain a user name or password")
    try:
        _ = parts.port  # raises ValueError for a port out of range
    except ValueError:
        raise InvalidInput("the online link has an invalid port") from None
    if not parts.hostname:
        raise InvalidInput("the online link has no host")
    return value


def validate_article(
    *,
    group_slug: str,
    lang: str,
    title: str,
    body_markdown: str,
    summary: str = "",
    tags: str | Iterable[str] = (),
) -> ArticleDraft:
    """Checks an article as submitted; an article needs a body, unlike an event."""
    body = _body(body_markdown)
    if not body:
        raise InvalidInput("the article body is empty")
    return ArticleDraft(
        group_slug=validate_group_slug(group_slug),
        lang=normalise_lang(lang),
        title=_title(title),
        body_markdown=body,
        summary=_single_line(summary, "summary", MAX_SUMMARY_CHARS),
        tags=validate_tags(tags),
    )


def validate_translation(
    *, lang: str, title: str, body: str, summary: str = ""
) -> TranslationDraft:
    """Checks another language version of a post. The body may be empty, as an event's may;
    the action, which knows whether the post is an article, refuses an empty article body."""
    return TranslationDraft(
        lang=normalise_lang(lang),
        title=_title(title),
        body_markdown=_body(body),
        summary=_single_line(summary, "summary", MAX_SUMMARY_CHARS),
    )


def validate_event(
    *,
    group_slug: str,
    lang: str,
    title: str,
    start: str,
    end: str,
    timezone: str,
    body_markdown: str = "",
    place_name: str = "",
    address: str = "",
    online_url: str = "",
    latitude: str = "",
    longitude: str = "",
    tags: str | Iterable[str] = (),
) -> EventDraft:
    """Checks an event as submitted.

    Dates are ISO 8601 with a time. A date without an offset ("2026-12-01T18:00") is wall-clock
    time in `timezone`; a time the clocks skip is refused, and a time they pass twice (autumn)
    is the first, summer-time one. A date with an offset ("...+02:00", "...Z") is that instant.
    An event needs a place or an online link, since remote servers show neither the time nor the
    place and followers must learn where to go; a group keeping the address private can name
    just the city ("Kyiv, address after registration").
    """
    zone_name = validate_timezone(timezone)
    zone = zoneinfo.ZoneInfo(zone_name)
    starts = _parse_datetime(start, "start", zone)
    ends = _parse_datetime(end, "end", zone)
    if ends <= starts:
        raise InvalidInput("the event ends before it starts")
    if ends - starts > MAX_EVENT_LENGTH:
        raise InvalidInput("the event is longer than 366 days; check the years")
    place = _single_line(place_name, "place name", MAX_PLACE_CHARS)
    where = _single_line(address, "address", MAX_ADDRESS_CHARS)
    online = validate_online_url(online_url)
    lat = _coordinate(latitude, "latitude", 90)
    lon = _coordinate(longitude, "longitude", 180)
    if (lat is None) != (lon is None):
        raise InvalidInput("give both latitude and longitude, or neither")
    if place is None and (where is not None or lat is not None):
        raise InvalidInput("an address or coordinates need a place name")
    if place is None and online is None:
        raise InvalidInput("an event needs a place or an online link")
    return EventDraft(
        group_slug=validate_group_slug(group_slug),
        lang=normalise_lang(lang),
        title=_title(title),
        body_markdown=_body(body_markdown),
        start=starts,
        end=ends,
        timezone=zone_name,
        place_name=place,
        address=where,
        online_url=online,
        latitude=lat,
        longitude=lon,
        tags=validate_tags(tags),
    )


def _title(title: str) -> str:
    value = _single_line(title, "title", MAX_TITLE_CHARS)
    if value is None:
        raise InvalidInput("the title is empty")
    return value


def _single_line(raw: str, what: str, max_chars: int) -> str | None:
    """One line of text in NFC with runs of whitespace made one space; None when empty."""
    value = " ".join(unicodedata.normalize("NFC", raw).split())
    if not value:
        return None
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise InvalidInput(f"the {what} contains control characters")
    if len(value) > max_chars:
        raise InvalidInput(f"the {what} is longer than {max_chars} characters")
    return value


def _body(raw: str) -> str:
    """Markdown in NFC with Unix line ends; NUL and other control characters are refused
    (PostgreSQL cannot store NUL in text)."""
    value = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if any(unicodedata.category(char) == "Cc" and char not in "\n\t" for char in value):
        raise InvalidInput("the body contains control characters")
    if len(value) > MAX_BODY_CHARS:
        raise InvalidInput(f"the body is longer than {MAX_BODY_CHARS} characters")
    return value


def _parse_datetime(raw: str, what: str, zone: zoneinfo.ZoneInfo) -> datetime:
    value = raw.strip()
    if not value:
        raise InvalidInput(f"the {what} date is missing")
    example = "such as 2026-12-01T18:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"the {what} {value!r} is not an ISO 8601 date, {example}") from None
    if not _HAS_TIME.search(value):
        raise InvalidInput(f"the {what} {value!r} has no time of day, {example}")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise InvalidInput(f"the {what} year {parsed.year} is out of range")
    if parsed.tzinfo is not None:
        return parsed.astimezone(zone)
    local = parsed.replace(tzinfo=zone, fold=0)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != parsed:
        raise InvalidInput(
            f"the {what} {value} does not exist in {zone.key} (the clocks go forward then)"
        )
    return local


def _coordinate(raw: str, what: str, limit: int) -> float | None:
    """A latitude or longitude in decimal degrees; a decimal comma ("50,45") is accepted."""
    value = raw.strip()
    if not value:
        return None
    if not _COORDINATE.fullmatch(value):
        raise InvalidInput(f"the {what} {value!r} is not a number of degrees such as 50.45")
    number = float(value.replace(",", "."))
    if not math.isfinite(number) or abs(number) > limit:
        raise InvalidInput(f"the {what} must be between -{limit} and {limit}")
    return number
