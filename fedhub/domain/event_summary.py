"""Writes an event's time and place as plain text in its language, for servers that show no more."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_interval, format_skeleton

from fedhub.domain.content import shorten

MAX_SUMMARY_CHARS = 499
_SEPARATOR = " · "
# Long parts are cut so that the time, which matters most, always fits with room to spare.
MAX_PLACE_CHARS = 120
MAX_URL_CHARS = 150
MIN_LEAD_CHARS = 40

# The few fixed words; babel's CLDR data has dates but not these. They are written in the
# event's own language (any a group posts in), not the reader's interface language, so they do
# not belong to the interface's gettext catalogues. English is the fallback.
_WORDS: dict[str, dict[str, str]] = {
    "online": {
        "en": "Online",
        "uk": "Онлайн",
        "ru": "Онлайн",
        "ka": "ონლაინ",
        "ar": "عبر الإنترنت",
        "hy": "Առցանց",
        "kk": "Онлайн",
        "be": "Анлайн",
    },
    # First in a cancelled event's summary: Mastodon ignores `ical:status`, so this is all its
    # readers are told. The name is left alone: Mobilizon reads `ical:status` and marks it itself.
    "cancelled": {
        "en": "CANCELLED",
        "uk": "СКАСОВАНО",
        "ru": "ОТМЕНЕНО",
        "ka": "გაუქმებულია",
        "ar": "ملغاة",
        "hy": "ՉԵՂԱՐԿՎԱԾ Է",
        "kk": "ТОҚТАТЫЛДЫ",
        "be": "АДМЕНЕНА",
    },
    "comma": {"ar": "، ", "fa": "، ", "ur": "، "},
}
_ENGLISH = {"online": "Online", "comma": ", ", "cancelled": "CANCELLED"}


def event_summary(
    start: datetime,
    end: datetime,
    timezone: str,
    lang: str,
    place_name: str | None = None,
    address: str | None = None,
    online_url: str | None = None,
    description_lead: str = "",
    cancelled: bool = False,
) -> str:
    """The `summary` of an event: cancelled or not, when (with offset and zone), where, link, lead.

    Mastodon shows an Event as its name, this summary and a link, never its time or place, so
    they must be written out here, in the event's language, for people who cannot open the page.
    The offset is given explicitly because readers are spread over many zones (exiles abroad).
    Long parts are shortened and the lead dropped when there is no room; under 500 characters.
    Dates come from CLDR via babel; the few fixed words ("Online") come from `_WORDS`.
    A cancelled event's summary starts with a marker, since no other field Mastodon shows says so.
    """
    zone = ZoneInfo(timezone)
    locale = _locale(lang)
    language = lang.split("-")[0].lower()
    parts = [_word("cancelled", language)] if cancelled else []
    parts.append(f"{_when(start, end, zone, locale)} ({_offsets(start, end, zone)}, {timezone})")
    where = _word("comma", language).join(
        part for part in (place_name, address if address != place_name else None) if part
    )
    if where:
        parts.append(shorten(where, MAX_PLACE_CHARS))
    if online_url:
        online = _word("online", language)
        parts.append(f"{online}: {online_url}" if len(online_url) <= MAX_URL_CHARS else online)
    room = MAX_SUMMARY_CHARS - len(_SEPARATOR.join(parts)) - len(_SEPARATOR)
    lead_text = " ".join(description_lead.split())
    if lead_text and room >= MIN_LEAD_CHARS:
        parts.append(shorten(lead_text, room))
    return shorten(_SEPARATOR.join(parts), MAX_SUMMARY_CHARS)


def event_when(start: datetime, end: datetime, timezone: str, lang: str) -> str:
    """The dates and times as read in `timezone` by a reader of `lang`, with the UTC offset.

    Event pages show this twice, in the event's zone and in UTC, so that a reader abroad can
    work out their own time even with JavaScript off.
    """
    zone = ZoneInfo(timezone)
    return f"{_when(start, end, zone, _locale(lang))} ({_offsets(start, end, zone)})"


def _word(key: str, language: str) -> str:
    return _WORDS[key].get(language, _ENGLISH[key])


def _locale(lang: str) -> Locale:
    """The babel locale for a tag, else its language alone, else English (for languages CLDR
    names but has no formats for, such as Crimean Tatar)."""
    for candidate in (lang.replace("-", "_"), lang.split("-")[0]):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale("en")


def _when(start: datetime, end: datetime, zone: ZoneInfo, locale: Locale) -> str:
    """The date and times ("Sat, 12 Dec 2026, 18:00–20:00"); both dates if it spans days."""
    starts, ends = start.astimezone(zone), end.astimezone(zone)
    date_and_time = str(locale.datetime_formats["medium"]).replace("'", "")
    hours = _hours_skeleton(locale)
    start_date = format_skeleton("yMMMEd", starts, locale=locale)
    if starts.date() == ends.date():
        try:
            times = format_interval(starts, ends, skeleton=hours, locale=locale)
        except (NotImplementedError, KeyError):
            # babel cannot take apart some locales' patterns (Chinese "下午" day periods).
            times = f"{_time(starts, 'Hm', locale)}–{_time(ends, 'Hm', locale)}"
        return date_and_time.format(times, start_date)
    end_date = format_skeleton("yMMMEd", ends, locale=locale)
    start_text = date_and_time.format(_time(starts, hours, locale), start_date)
    end_text = date_and_time.format(_time(ends, hours, locale), end_date)
    return str(locale.interval_formats.get(None, "{0} – {1}")).format(start_text, end_text)


def _hours_skeleton(locale: Locale) -> str:
    """12- or 24-hour clock, as the locale's own short time format uses (CLDR's `j`, which
    babel's skeletons do not understand)."""
    pattern = locale.time_formats["short"].pattern
    return "hm" if "h" in pattern and "B" not in pattern else "Hm"


def _time(moment: datetime, skeleton: str, locale: Locale) -> str:
    try:
        return format_skeleton(skeleton, moment, locale=locale)
    except (NotImplementedError, KeyError):
        return moment.strftime("%H:%M")


def _offsets(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """The offset ("UTC+2"), or both ("UTC+2 / UTC+3") when the clocks change meanwhile."""
    first = _offset(start.astimezone(zone).utcoffset())
    last = _offset(end.astimezone(zone).utcoffset())
    return first if first == last else f"{first} / {last}"


def _offset(delta: timedelta | None) -> str:
    minutes = round((delta or timedelta()).total_seconds() / 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
