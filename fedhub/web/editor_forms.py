"""The editors' forms as data: submitted fields checked into drafts, each refusal on its field.

The domain validators refuse with one reason at a time. A form should show every mistake at
once, next to the field it concerns, so each field that can be judged alone is checked alone
first; rules that tie fields together (the end after the start, a place or a link) are checked
last, on the whole draft, and their reason is put on the field that names it.
"""

from __future__ import annotations

import functools
import unicodedata
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from babel import Locale, UnknownLocaleError

from fedhub.domain.content import lead
from fedhub.domain.drafts import (
    ArticleDraft,
    EventDraft,
    TranslationDraft,
    validate_article,
    validate_event,
    validate_online_url,
    validate_tags,
    validate_timezone,
    validate_translation,
)
from fedhub.domain.languages import normalise_lang
from fedhub.domain.records import Post
from fedhub.errors import InvalidInput

ARTICLE_FIELDS = ("lang", "title", "summary", "body", "tags")
TRANSLATION_FIELDS = ("lang", "title", "summary", "body")
EVENT_FIELDS = (
    "lang", "title", "body", "tags", "start", "end", "timezone",
    "place_name", "address", "latitude", "longitude", "online_url",
)  # fmt: skip

# The languages of the groups fedhub is made for, offered first; any BCP 47 tag is accepted.
COMMON_LANGUAGES = ("uk", "ru", "ka", "ar", "en", "be", "hy", "az", "kk", "crh", "tr", "fa")
# The zones of those groups' cities, offered first in the picker.
COMMON_ZONES = (
    "Europe/Kyiv", "Asia/Tbilisi", "Europe/Moscow", "Asia/Yerevan",
    "Asia/Baku", "Europe/Minsk", "Europe/Chisinau", "Asia/Almaty", "Asia/Tashkent",
    "Europe/Istanbul", "Asia/Beirut", "Europe/Berlin", "Europe/Warsaw", "Europe/London", "UTC",
)  # fmt: skip

# For refusals of rules that tie fields together: words in the reason → the field it concerns.
# Most specific first ("an address or coordinates need a place name" is about the place name).
_CROSS_FIELD_REASONS: tuple[tuple[str, str], ...] = (
    ("needs a place or an online link", "place_name"),
    ("need a place name", "place_name"),
    ("latitude and longitude", "latitude"),
    ("ends before it starts", "end"),
    ("longer than 366 days", "end"),
    ("the start", "start"),
    ("the end", "end"),
    ("place name", "place_name"),
    ("the address", "address"),
    ("the latitude", "latitude"),
    ("the longitude", "longitude"),
)


T = TypeVar("T")


@dataclass
class Checked(Generic[T]):
    """A draft when every field passed, else the reasons by field name ("form": the whole)."""

    draft: T | None = None
    errors: dict[str, str] = field(default_factory=dict)


def form_values(form: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    """The named text fields as submitted ("" when absent or a file), to refill the form."""
    values = {}
    for name in names:
        value = form.get(name, "")
        values[name] = value if isinstance(value, str) else ""
    return values


def check_article(slug: str, values: Mapping[str, str]) -> Checked[ArticleDraft]:
    checked: Checked[ArticleDraft] = Checked()
    _check_text_fields(checked.errors, values)
    if not values["body"].strip() and "body" not in checked.errors:
        checked.errors["body"] = "the article body is empty"
    _probe(checked.errors, "tags", validate_tags, values["tags"])
    if not checked.errors:
        checked.draft = _whole(
            checked.errors,
            lambda: validate_article(
                group_slug=slug,
                lang=values["lang"],
                title=values["title"],
                body_markdown=values["body"],
                summary=values["summary"],
                tags=values["tags"],
            ),
        )
    return checked


def check_translation(values: Mapping[str, str], is_article: bool) -> Checked[TranslationDraft]:
    checked: Checked[TranslationDraft] = Checked()
    _check_text_fields(checked.errors, values)
    if is_article and not values["body"].strip() and "body" not in checked.errors:
        checked.errors["body"] = "an article's translation needs a body"
    if not checked.errors:
        checked.draft = _whole(
            checked.errors,
            lambda: validate_translation(
                lang=values["lang"],
                title=values["title"],
                body=values["body"],
                summary=values["summary"],
            ),
        )
    return checked


def check_event(slug: str, values: Mapping[str, str]) -> Checked[EventDraft]:
    checked: Checked[EventDraft] = Checked()
    _check_text_fields(checked.errors, {**values, "summary": ""})
    _probe(checked.errors, "tags", validate_tags, values["tags"])
    _probe(checked.errors, "timezone", validate_timezone, values["timezone"])
    _probe(checked.errors, "online_url", validate_online_url, values["online_url"])
    if checked.errors:
        return checked
    try:
        checked.draft = validate_event(
            group_slug=slug,
            lang=values["lang"],
            title=values["title"],
            body_markdown=values["body"],
            start=values["start"],
            end=values["end"],
            timezone=values["timezone"],
            place_name=values["place_name"],
            address=values["address"],
            latitude=values["latitude"],
            longitude=values["longitude"],
            online_url=values["online_url"],
            tags=values["tags"],
        )
    except InvalidInput as error:
        checked.errors[reason_field(error.reason)] = error.reason
    return checked


def reason_field(reason: str) -> str:
    """The event field a whole-draft refusal concerns, or "form" when it names none."""
    return next((name for words, name in _CROSS_FIELD_REASONS if words in reason), "form")


def article_values(post: Post, lang: str) -> dict[str, str]:
    """An article's version in `lang` as the edit form shows it."""
    text = next(t for t in post.texts if t.lang == lang)
    return {
        "lang": text.lang,
        "title": text.name,
        # A summary that is only the body's lead was not written by anyone: left empty, it
        # follows the body when that is edited.
        "summary": "" if text.summary == lead(text.source) else text.summary,
        "body": text.source,
        "tags": " ".join(post.tags),
    }


def event_values(post: Post, lang: str) -> dict[str, str]:
    """An event's version in `lang` as the edit form shows it, times on the event's own clock."""
    assert post.event is not None
    event = post.event
    text = next(t for t in post.texts if t.lang == lang)
    zone = zoneinfo.ZoneInfo(event.timezone)
    place = event.place
    return {
        "lang": text.lang,
        "title": text.name,
        "body": text.source,
        "tags": " ".join(post.tags),
        "start": local_input(event.start, zone),
        "end": local_input(event.end, zone),
        "timezone": event.timezone,
        "place_name": place.name if place else "",
        "address": place.address if place else "",
        "latitude": _number(place.latitude if place else None),
        "longitude": _number(place.longitude if place else None),
        "online_url": event.online_url or "",
    }


def local_input(moment: datetime, zone: zoneinfo.ZoneInfo) -> str:
    """The value an `<input type="datetime-local">` takes: wall time, to the minute."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


@functools.cache
def zone_choices() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(common zones, every other zone, sorted) for the time-zone picker."""
    everything = zoneinfo.available_timezones() - {"localtime", "Factory"}
    common = tuple(zone for zone in COMMON_ZONES if zone in everything)
    rest = tuple(sorted(zone for zone in everything if zone not in common and "/" in zone))
    return common, rest


@functools.cache
def language_choices() -> tuple[tuple[str, str], ...]:
    """(code, name in that language) of the common languages, for the language picker."""
    return tuple((code, language_name(code)) for code in COMMON_LANGUAGES)


def language_name(code: str) -> str:
    """A language's own name ("Українська"), or its English one when CLDR has no data for it."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        name = None
    name = name or Locale("en").languages.get(code.split("-")[0]) or code
    if "GEORGIAN" in unicodedata.name(name[0], ""):
        return name  # Georgian has no capitals in running text; .upper() would give Mtavruli
    return name[:1].upper() + name[1:]


def _check_text_fields(errors: dict[str, str], values: Mapping[str, str]) -> None:
    _probe(errors, "lang", normalise_lang, values["lang"])
    _probe(
        errors,
        "title",
        lambda v: validate_translation(lang="en", title=v, body=""),
        values["title"],
    )
    _probe(
        errors,
        "summary",
        lambda v: validate_translation(lang="en", title="-", body="", summary=v),
        values.get("summary", ""),
    )
    _probe(
        errors, "body", lambda v: validate_translation(lang="en", title="-", body=v), values["body"]
    )


def _probe(errors: dict[str, str], name: str, check: Callable[[str], object], value: str) -> None:
    try:
        check(value)
    except InvalidInput as error:
        errors[name] = error.reason


def _whole(errors: dict[str, str], build: Callable[[], T]) -> T | None:
    try:
        return build()
    except InvalidInput as error:
        errors["form"] = error.reason
        return None


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
