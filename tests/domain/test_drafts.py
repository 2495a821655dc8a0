"""What editors submit is checked before it is stored: each refusal has its own reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fedhub.domain.drafts import (
    ArticleDraft,
    EventDraft,
    TranslationDraft,
    validate_article,
    validate_event,
    validate_group_name,
    validate_group_slug,
    validate_online_url,
    validate_tags,
    validate_timezone,
    validate_translation,
)
from fedhub.domain.records import Place
from fedhub.errors import InvalidInput

KYIV = ZoneInfo("Europe/Kyiv")


def article(**changes: Any) -> ArticleDraft:
    fields: dict[str, Any] = {
        "group_slug": "kyivpride",
        "lang": "uk",
        "title": "Марш рівності",
        "body_markdown": "Збираємося **о шостій**.",
    }
    return validate_article(**(fields | changes))


def event(**changes: Any) -> EventDraft:
    fields: dict[str, Any] = {
        "group_slug": "kyivpride",
        "lang": "uk",
        "title": "Марш рівності",
        "start": "2026-06-13T18:00",
        "end": "2026-06-13T20:00",
        "timezone": "Europe/Kyiv",
        "place_name": "Поштова площа",
    }
    return validate_event(**(fields | changes))


# group slug and name


@pytest.mark.parametrize("slug", ["kyivpride", "k", "tbilisi_pride", "group2026", "a" * 30])
def test_group_slug_accepted(slug: str) -> None:
    assert validate_group_slug(slug) == slug


def test_group_slug_is_stripped() -> None:
    assert validate_group_slug("  kyiv  ") == "kyiv"


@pytest.mark.parametrize(
    ("slug", "reason"),
    [
        ("", "empty"),
        ("KyivPride", "only a-z"),
        ("kyiv-pride", "only a-z"),
        ("kyiv.pride", "only a-z"),
        ("київ", "only a-z"),
        ("../etc", "only a-z"),
        ("a" * 31, "at most 30"),
        ("admin", "reserved"),
        ("inbox", "reserved"),
        ("actor", "reserved"),
        ("media", "reserved"),
        ("tags", "reserved"),
        ("network", "reserved"),
    ],
)
def test_group_slug_rejected(slug: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        validate_group_slug(slug)


def test_reasons_are_one_line_even_for_hostile_input() -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_group_slug("evil\nInjected: log line")
    assert "\n" not in refused.value.reason
    assert "'evil\\nInjected: log line'" in refused.value.reason


def test_group_name_is_one_nfc_line() -> None:
    assert validate_group_name("  Київ\nПрайд  ") == "Київ Прайд"
    assert validate_group_name("Cafe\u0301") == "Caf\u00e9"


@pytest.mark.parametrize(
    ("name", "reason"),
    [("", "empty"), ("   ", "empty"), ("x" * 101, "longer than 100"), ("a\x00b", "control")],
)
def test_group_name_rejected(name: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        validate_group_name(name)


# articles


def test_article_valid() -> None:
    draft = article(summary="  Коротко\nпро марш ", tags="Pride, #Київ pride")
    assert draft == ArticleDraft(
        group_slug="kyivpride",
        lang="uk",
        title="Марш рівності",
        body_markdown="Збираємося **о шостій**.",
        summary="Коротко про марш",
        tags=("Pride", "Київ"),
    )


def test_article_empty_summary_is_none() -> None:
    assert article(summary="   ").summary is None


def test_article_body_line_ends_are_unix() -> None:
    assert article(body_markdown="a\r\nb\rc\n").body_markdown == "a\nb\nc"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"title": ""}, "the title is empty"),
        ({"title": " \n\t "}, "the title is empty"),
        ({"title": "x" * 301}, "the title is longer than 300 characters"),
        ({"title": "bell\x07"}, "the title contains control characters"),
        ({"body_markdown": ""}, "the article body is empty"),
        ({"body_markdown": "x" * 200_001}, "the body is longer than 200000 characters"),
        ({"body_markdown": "nul\x00here"}, "the body contains control characters"),
        ({"summary": "s" * 501}, "the summary is longer than 500"),
        ({"lang": "xx"}, "unknown language code 'xx'"),
        ({"group_slug": "Bad Slug"}, "group slug"),
        ({"tags": "ok, not-ok"}, "tag 'not-ok'"),
        ({"tags": [f"tag{n}x" for n in range(21)]}, "at most 20 tags"),
    ],
)
def test_article_rejected(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        article(**changes)


def test_article_title_at_limit_is_accepted() -> None:
    assert len(article(title="я" * 300).title) == 300


# translations


def test_translation_valid() -> None:
    draft = validate_translation(lang="EN_gb", title=" Equality march ", body="We meet at six.\r\n")
    assert draft == TranslationDraft(
        lang="en-GB", title="Equality march", body_markdown="We meet at six.", summary=None
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"lang": "xx"}, "unknown language code"),
        ({"title": ""}, "the title is empty"),
        ({"body": "\x00"}, "control characters"),
        ({"summary": "s" * 501}, "longer than 500"),
    ],
)
def test_translation_rejected(changes: dict[str, Any], reason: str) -> None:
    fields = {"lang": "en", "title": "Title", "body": "Body", "summary": ""} | changes
    with pytest.raises(InvalidInput, match=reason):
        validate_translation(**fields)


# tags


def test_tags_from_list_and_string_are_deduplicated_first_spelling_kept() -> None:
    assert validate_tags(["KyivPride pride", "#kyivpride,ЛГБТ", "Pride"]) == (
        "KyivPride",
        "pride",
        "ЛГБТ",
    )


def test_tags_string_is_not_split_into_characters() -> None:
    assert validate_tags("pride") == ("pride",)
    assert validate_tags("") == ()


# time zones


@pytest.mark.parametrize("zone", ["Europe/Kyiv", "Asia/Tbilisi", "Asia/Almaty", "UTC", "Etc/GMT+3"])
def test_timezone_accepted(zone: str) -> None:
    assert validate_timezone(zone) == zone


@pytest.mark.parametrize(
    "zone",
    [
        "",
        "Mars/Olympus",
        "europe/kyiv",
        "../etc/passwd",
        "/etc/localtime",
        "Europe/../UTC",
        "Europe",
        "localtime",
        "Factory",
        "posixrules",
        "Europe/Kyiv\x00",
    ],
)
def test_timezone_rejected(zone: str) -> None:
    with pytest.raises(InvalidInput, match="unknown time zone"):
        validate_timezone(zone)


# online links


@pytest.mark.parametrize(
    "url", ["https://meet.jit.si/KyivPride", "http://example.org:8080/x?y=1#z", "https://київ.укр/"]
)
def test_online_url_accepted(url: str) -> None:
    assert validate_online_url(f"  {url} ") == url


def test_online_url_empty_is_none() -> None:
    assert validate_online_url("  ") is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("javascript:alert(1)", "must start with https://"),
        ("ftp://example.org/", "must start with https://"),
        ("meet.jit.si/room", "must start with https://"),
        ("https://user:secret@zoom.example/j/1", "user name or password"),
        ("https://user@zoom.example/j/1", "user name or password"),
        ("https:///path", "no host"),
        ("https://example.org:99999/", "invalid port"),
        ("https://exa mple.org/", "spaces"),
        ("https://example.org/\x00", "control"),
        ("https://example.org/" + "a" * 2000, "longer than 2000"),
    ],
)
def test_online_url_rejected(url: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        validate_online_url(url)


# events


def test_event_naive_dates_are_wall_clock_in_the_zone() -> None:
    draft = event()
    assert draft.start == datetime(2026, 6, 13, 18, 0, tzinfo=KYIV)
    assert draft.start.tzinfo == KYIV
    assert draft.start.utcoffset() == timedelta(hours=3)  # summer time
    assert draft.end - draft.start == timedelta(hours=2)
    assert draft.timezone == "Europe/Kyiv"


def test_event_dates_with_offset_keep_the_instant_shown_in_the_zone() -> None:
    draft = event(start="2026-06-13T15:00Z", end="2026-06-13T19:00+02:00")
    assert draft.start == datetime(2026, 6, 13, 15, 0, tzinfo=UTC)
    assert draft.start.tzinfo == KYIV
    assert (draft.start.hour, draft.end.hour) == (18, 20)


def test_event_accepts_space_and_seconds() -> None:
    draft = event(start="2026-06-13 18:00:30", end="2026-06-13 20:00")
    assert draft.start.second == 30


def test_event_dst_spring_forward_gap_is_refused() -> None:
    # Kyiv moves from 03:00 to 04:00 on the last Sunday of March.
    with pytest.raises(InvalidInput, match="does not exist in Europe/Kyiv"):
        event(start="2026-03-29T03:30", end="2026-03-29T05:00")


def test_event_across_spring_forward_is_one_hour_shorter() -> None:
    draft = event(start="2026-03-29T02:00", end="2026-03-29T05:00")
    assert draft.start.utcoffset() == timedelta(hours=2)
    assert draft.end.utcoffset() == timedelta(hours=3)
    assert draft.end.astimezone(UTC) - draft.start.astimezone(UTC) == timedelta(hours=2)


def test_event_dst_autumn_ambiguous_time_is_the_first() -> None:
    # On the last Sunday of October 03:30 happens twice in Kyiv; summer time comes first.
    draft = event(start="2026-10-25T03:30", end="2026-10-25T05:00")
    assert draft.start.utcoffset() == timedelta(hours=3)
    offset = event(start="2026-10-25T03:30+02:00", end="2026-10-25T05:00")
    assert offset.start.utcoffset() == timedelta(hours=2)


def test_event_online_only() -> None:
    draft = event(place_name="", online_url="https://meet.jit.si/KyivPride")
    assert draft.place is None
    assert draft.online_url == "https://meet.jit.si/KyivPride"


def test_event_place_with_address_and_coordinates() -> None:
    draft = event(address="  вул. Хрещатик,\n1 ", latitude="50,4501", longitude="30.5234")
    assert draft.place == Place(
        name="Поштова площа", address="вул. Хрещатик, 1", latitude=50.4501, longitude=30.5234
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"title": ""}, "the title is empty"),
        ({"start": ""}, "the start date is missing"),
        ({"start": "tomorrow"}, "the start 'tomorrow' is not an ISO 8601 date"),
        ({"start": "2026-13-01T18:00"}, "not an ISO 8601 date"),
        ({"start": "2026-06-13"}, "has no time of day"),
        ({"end": "2026-06-13T25:00"}, "the end '2026-06-13T25:00' is not an ISO 8601"),
        ({"start": "0001-01-01T00:00+14:00"}, "year 1 is out of range"),
        ({"end": "9999-12-31T23:59"}, "year 9999 is out of range"),
        ({"end": "2026-06-13T17:00"}, "ends before it starts"),
        ({"end": "2026-06-13T18:00"}, "ends before it starts"),
        ({"end": "2027-06-15T18:00"}, "longer than 366 days"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"timezone": "../etc/passwd"}, "unknown time zone"),
        ({"place_name": ""}, "needs a place or an online link"),
        ({"place_name": "", "address": "вул. Хрещатик, 1"}, "need a place name"),
        ({"place_name": "", "latitude": "50", "longitude": "30"}, "need a place name"),
        ({"place_name": "x" * 201}, "place name is longer than 200"),
        ({"address": "x" * 301}, "address is longer than 300"),
        ({"latitude": "50.45"}, "both latitude and longitude"),
        ({"latitude": "91", "longitude": "30"}, "latitude must be between -90 and 90"),
        ({"latitude": "50", "longitude": "-181"}, "longitude must be between -180 and 180"),
        ({"latitude": "nan", "longitude": "30"}, "latitude 'nan' is not a number"),
        ({"latitude": "1e2", "longitude": "30"}, "not a number"),
        ({"online_url": "javascript:alert(1)"}, "must start with https://"),
        ({"online_url": "https://a:b@zoom.example/"}, "user name or password"),
        ({"lang": "klingon"}, "unknown language code"),
        ({"tags": "#"}, "tag cannot be empty"),
        ({"group_slug": "api"}, "reserved"),
    ],
)
def test_event_rejected(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        event(**changes)


def test_event_may_last_a_year() -> None:
    draft = event(end="2027-06-13T18:00")
    assert draft.end.year == 2027


def test_event_description_is_optional() -> None:
    assert event().body_markdown == ""
