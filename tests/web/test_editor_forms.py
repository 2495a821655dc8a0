"""The editors' form checks, pure: every mistake on its own field, drafts when all is well."""

from __future__ import annotations

import pytest

from fedhub.web.editor_forms import (
    check_article,
    check_event,
    check_translation,
    language_name,
    reason_field,
    zone_choices,
)

EVENT = {
    "lang": "ka", "title": "Picnic", "body": "", "tags": "", "start": "2027-05-17T12:00",
    "end": "2027-05-17T15:00", "timezone": "Asia/Tbilisi", "place_name": "Vake park",
    "address": "", "latitude": "", "longitude": "", "online_url": "",
}  # fmt: skip


def test_every_independent_mistake_of_an_article_is_reported_at_once() -> None:
    checked = check_article(
        "kyiv", {"lang": "klingon!", "title": "", "summary": "a\x00b", "body": " ", "tags": ""}
    )
    assert checked.draft is None
    assert set(checked.errors) == {"lang", "title", "summary", "body"}
    assert checked.errors["body"] == "the article body is empty"


def test_a_good_article_becomes_a_draft() -> None:
    checked = check_article(
        "kyiv", {"lang": "UK", "title": " Марш ", "summary": "", "body": "Текст", "tags": "#Pride"}
    )
    assert checked.errors == {}
    assert checked.draft is not None
    assert (checked.draft.lang, checked.draft.title, checked.draft.tags) == (
        "uk",
        "Марш",
        ("Pride",),
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end": "2027-05-17T11:00"}, "end"),
        ({"start": "tomorrow"}, "start"),
        ({"place_name": "", "address": "Vake"}, "place_name"),
        ({"place_name": ""}, "place_name"),
        ({"longitude": "44.7"}, "latitude"),
        ({"latitude": "95", "longitude": "44.7"}, "latitude"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"online_url": "https://user:secret@meet.example/"}, "online_url"),
    ],
)
def test_an_event_mistake_lands_on_its_field(change: dict[str, str], field: str) -> None:
    checked = check_event("tbilisi", {**EVENT, **change})
    assert checked.draft is None
    assert list(checked.errors) == [field], checked.errors


def test_reasons_naming_no_field_go_to_the_whole_form() -> None:
    assert reason_field("something unexpected") == "form"
    assert reason_field("the event is longer than 366 days; check the years") == "end"


def test_an_articles_translation_needs_a_body_an_events_does_not() -> None:
    values = {"lang": "en", "title": "Picnic", "summary": "", "body": ""}
    assert check_translation(values, is_article=True).errors == {
        "body": "an article's translation needs a body"
    }
    assert check_translation(values, is_article=False).draft is not None


def test_pickers_offer_the_groups_zones_and_languages_first() -> None:
    common, rest = zone_choices()
    assert common[0] == "Europe/Kyiv" and "Asia/Tbilisi" in common
    assert "Europe/Kyiv" not in rest and list(rest) == sorted(rest)
    assert "localtime" not in rest and "Factory" not in rest
    assert language_name("uk") == "Українська"
    assert language_name("ka") == "ქართული"  # not capitalised into Mtavruli
    assert language_name("crh")  # CLDR names Crimean Tatar without having locale data for it
