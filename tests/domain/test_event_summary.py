"""An event's summary says when and where in the event's language, with the UTC offset."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from fedhub.domain.event_summary import event_summary, event_when

KYIV = ZoneInfo("Europe/Kyiv")
START = datetime(2026, 12, 12, 18, 0, tzinfo=KYIV)
END = datetime(2026, 12, 12, 20, 30, tzinfo=KYIV)
NEXT_DAY = datetime(2026, 12, 13, 2, 0, tzinfo=KYIV)


def plain(text: str) -> str:
    """babel puts narrow and thin no-break spaces around times; tests compare plain spaces."""
    return text.replace("\u202f", " ").replace("\u2009", " ")


def test_english_same_day_with_everything() -> None:
    summary = event_summary(
        START,
        END,
        "Europe/Kyiv",
        "en-GB",
        "Café Fox",
        "1 Khreshchatyk St",
        "https://meet.jit.si/pride",
        "Everyone is welcome.",
    )
    assert plain(summary) == (
        "Sat, 12 Dec 2026, 18:00–20:30 (UTC+2, Europe/Kyiv) · Café Fox, 1 Khreshchatyk St"
        " · Online: https://meet.jit.si/pride · Everyone is welcome."
    )


def test_us_english_uses_twelve_hour_clock() -> None:
    summary = plain(event_summary(START, END, "Europe/Kyiv", "en", "Café Fox"))
    assert summary == "Sat, Dec 12, 2026, 6:00 – 8:30 PM (UTC+2, Europe/Kyiv) · Café Fox"


@pytest.mark.parametrize(
    ("lang", "date", "online"),
    [
        ("uk", "сб, 12 груд. 2026 р., 18:00–20:30", "Онлайн"),
        ("ru", "сб, 12 дек. 2026 г., 18:00–20:30", "Онлайн"),
        ("ka", "შაბ, 12 დეკ. 2026, 18:00–20:30", "ონლაინ"),
        ("ar", "السبت، 12 ديسمبر 2026، 6:00–8:30 م", "عبر الإنترنت"),
        ("hy", "18:00–20:30", "Առցանց"),
        ("kk", "18:00–20:30", "Онлайн"),
        ("be", "сб, 12 сне 2026", "Анлайн"),
    ],
)
def test_localised(lang: str, date: str, online: str) -> None:
    summary = plain(event_summary(START, END, "Europe/Kyiv", lang, None, None, "https://x.example"))
    assert date in summary
    assert "(UTC+2, Europe/Kyiv)" in summary
    assert f"{online}: https://x.example" in summary


def test_unknown_words_fall_back_to_english() -> None:
    summary = event_summary(START, END, "Europe/Kyiv", "de", None, None, "https://x.example")
    assert "Sa., 12. Dez. 2026" in summary
    assert "Online: https://x.example" in summary


def test_language_without_cldr_formats_uses_english_dates() -> None:
    summary = plain(event_summary(START, END, "Europe/Kyiv", "crh", "Aqmescit"))
    assert summary.startswith("Sat, Dec 12, 2026, 6:00 – 8:30 PM")


def test_chinese_day_periods_do_not_break_formatting() -> None:
    summary = plain(event_summary(START, END, "Europe/Kyiv", "zh-Hant", "台北"))
    assert "2026年12月12日" in summary
    assert "18:00" in summary


def test_multi_day_shows_both_dates() -> None:
    summary = plain(event_summary(START, NEXT_DAY, "Europe/Kyiv", "uk", "Клуб"))
    assert summary.startswith("сб, 12 груд. 2026 р., 18:00 – нд, 13 груд. 2026 р., 02:00")


def test_times_are_shown_in_the_event_zone_whatever_zone_they_come_in() -> None:
    summary = event_summary(
        START.astimezone(UTC), END.astimezone(UTC), "Europe/Kyiv", "en-GB", "Café"
    )
    assert plain(summary).startswith("Sat, 12 Dec 2026, 18:00–20:30 (UTC+2, Europe/Kyiv)")


def test_offset_change_during_event_shows_both_offsets() -> None:
    start = datetime(2026, 3, 28, 20, 0, tzinfo=KYIV)
    end = datetime(2026, 3, 29, 12, 0, tzinfo=KYIV)
    summary = event_summary(start, end, "Europe/Kyiv", "en-GB", "Camp")
    assert "(UTC+2 / UTC+3, Europe/Kyiv)" in summary


@pytest.mark.parametrize(
    ("zone", "offset"),
    [("Asia/Kolkata", "UTC+5:30"), ("America/Sao_Paulo", "UTC-3"), ("UTC", "UTC")],
)
def test_offsets(zone: str, offset: str) -> None:
    start = datetime(2026, 12, 12, 18, 0, tzinfo=ZoneInfo(zone))
    end = datetime(2026, 12, 12, 19, 0, tzinfo=ZoneInfo(zone))
    assert f"({offset}, {zone})" in event_summary(start, end, zone, "en", "Somewhere")


def test_address_equal_to_place_is_not_repeated() -> None:
    summary = event_summary(START, END, "Europe/Kyiv", "uk", "Майдан", "Майдан")
    assert summary.endswith("· Майдан")


def test_arabic_uses_arabic_comma_between_place_and_address() -> None:
    summary = event_summary(START, END, "Europe/Kyiv", "ar", "المركز", "شارع 1")
    assert "المركز، شارع 1" in summary


def test_long_parts_keep_summary_under_500_and_time_first() -> None:
    summary = event_summary(
        START,
        NEXT_DAY,
        "America/Argentina/ComodRivadavia",
        "uk",
        "Дуже довга назва місця " * 20,
        "адреса " * 50,
        "https://example.org/" + "a" * 300,
        "Опис події. " * 100,
    )
    assert len(summary) < 500
    assert plain(summary).startswith("сб, 12 груд. 2026 р., 13:00–21:00 (UTC-3, America/")
    assert "Онлайн" in summary
    assert "https://example.org/aaa" not in summary  # too long to show; the post links to it


def test_lead_fills_the_remaining_room() -> None:
    summary = event_summary(START, END, "Europe/Kyiv", "en", "Hall", None, None, "Words " * 200)
    assert 400 < len(summary) < 500
    assert summary.endswith("…")


def test_event_pages_show_the_events_zone_and_utc_in_the_readers_language() -> None:
    """The reader's language decides the words; the zone given decides the clock."""
    assert (
        plain(event_when(START, END, "Europe/Kyiv", "uk"))
        == "сб, 12 груд. 2026 р., 18:00–20:30 (UTC+2)"
    )
    assert plain(event_when(START, END, "UTC", "en")) == "Sat, Dec 12, 2026, 4:00 – 6:30 PM (UTC)"
    over_midnight = plain(event_when(START, NEXT_DAY, "Asia/Tbilisi", "ru"))
    assert over_midnight == "сб, 12 дек. 2026 г., 20:00 – вс, 13 дек. 2026 г., 04:00 (UTC+4)"


@pytest.mark.parametrize(
    ("lang", "marker"),
    [
        ("en", "CANCELLED"),
        ("uk", "СКАСОВАНО"),
        ("ru", "ОТМЕНЕНО"),
        ("ka", "გაუქმებულია"),
        ("ar", "ملغاة"),
        ("hy", "ՉԵՂԱՐԿՎԱԾ Է"),
        ("kk", "ТОҚТАТЫЛДЫ"),
        ("be", "АДМЕНЕНА"),
        ("de", "CANCELLED"),  # no word yet: English rather than nothing
    ],
)
def test_a_cancelled_event_says_so_first_in_its_language(lang: str, marker: str) -> None:
    """Mastodon shows no `ical:status`, so the summary's first words are all its readers get."""
    summary = event_summary(START, END, "Europe/Kyiv", lang, "Hall", cancelled=True)
    uncancelled = event_summary(START, END, "Europe/Kyiv", lang, "Hall")
    assert summary == f"{marker} · {uncancelled}"


def test_a_cancelled_event_with_long_parts_keeps_the_marker_and_stays_under_500() -> None:
    summary = event_summary(
        START, NEXT_DAY, "Europe/Kyiv", "uk", "Місце " * 50, "адреса " * 50,
        "https://example.org/" + "a" * 300, "Опис. " * 200, cancelled=True,
    )  # fmt: skip
    assert plain(summary).startswith("СКАСОВАНО · сб, 12 груд. 2026 р.")
    assert len(summary) < 500
