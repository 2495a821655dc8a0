"""RSS, Atom and iCalendar: the pure renderers, then the served feeds parsed back by feedparser
and icalendar, as feed readers and calendar apps read them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import feedparser
import icalendar
import pytest
from lxml import html

from fedhub.feeds.calendars import render_calendar
from fedhub.feeds.syndication import Channel, render_atom, render_rss
from fedhub.store.network_items import NetworkItem
from tests.conftest import Instance
from tests.store.network_data import Seeded, seed

KYIV_EVENT = NetworkItem(
    uri="https://local.example/groups/kyivpride/events/abc",
    type="Event",
    name="Марш рівності",
    summary="14 червня, 12:00, Майдан",
    url="https://local.example/groups/kyivpride/events/abc",
    lang="uk",
    published=datetime(2026, 5, 1, 10, 0, tzinfo=UTC),
    updated=datetime(2026, 5, 2, 10, 0, tzinfo=UTC),
    starts_at=datetime(2026, 6, 14, 9, 0, tzinfo=UTC),  # 12:00 in Kyiv (summer time, +03:00)
    ends_at=datetime(2026, 6, 14, 12, 0, tzinfo=UTC),
    actor_uri="https://local.example/groups/kyivpride",
    actor_name="Київ Прайд",
    actor_handle="@kyivpride@local.example",
    source="local",
    content_html="<p>Беріть <strong>прапори</strong>.</p>",
    timezone="Europe/Kyiv",
    location="Майдан Незалежності, Київ",
    tags=("pride", "ЛГБТ"),
)
NOTE = NetworkItem(
    uri="https://cairo.example/notes/7",
    type="Note",
    name=None,
    summary=None,
    url="https://cairo.example/@huquq/7",
    lang="ar",
    published=datetime(2026, 5, 3, 8, 0, tzinfo=UTC),
    starts_at=None,
    ends_at=None,
    actor_uri="https://cairo.example/users/huquq",
    actor_name="Huquq",
    actor_handle="@huquq@cairo.example",
    content_html="<p>حقوق الإنسان للجميع</p>",
)
CHANNEL = Channel(
    title="Київ Прайд",
    link="https://local.example/groups/kyivpride",
    self_url="https://local.example/groups/kyivpride/feed.atom",
    description="Новини",
    updated=datetime(2026, 5, 3, 8, 0, tzinfo=UTC),
    lang="uk",
)


def test_rss_and_atom_parse_back_with_every_item() -> None:
    for render, version in ((render_rss, "rss20"), (render_atom, "atom10")):
        parsed: Any = feedparser.parse(render(CHANNEL, [NOTE, KYIV_EVENT]))
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.version == version
        assert parsed.feed.title == "Київ Прайд"
        assert [e.link for e in parsed.entries] == [NOTE.url, KYIV_EVENT.url]
        assert [e.id for e in parsed.entries] == [NOTE.uri, KYIV_EVENT.uri]
        note, event = parsed.entries
        assert note.title == "حقوق الإنسان للجميع", "a Note's first words stand for its title"
        assert event.title == "Марш рівності"
        assert event.published_parsed[:5] == (2026, 5, 1, 10, 0)
        assert "<strong>прапори</strong>" in event.content[0].value
        assert event.content[0].type == "text/html"
        assert [t.term for t in event.tags] == ["pride", "ЛГБТ"]


def test_an_event_in_kyiv_time_keeps_its_zone_and_id() -> None:
    calendar = icalendar.Calendar.from_ical(render_calendar("Київ Прайд", [KYIV_EVENT, NOTE]))
    events = calendar.walk("VEVENT")
    assert len(events) == 1, "only events go into a calendar"
    event = events[0]
    assert str(event["uid"]) == KYIV_EVENT.uri
    start = event.decoded("dtstart")
    assert event["dtstart"].params["TZID"] == "Europe/Kyiv"
    assert (start.hour, start.minute) == (12, 0)
    assert start == KYIV_EVENT.starts_at
    assert event.decoded("dtend") == KYIV_EVENT.ends_at
    assert event.decoded("dtstamp") == KYIV_EVENT.updated
    assert str(event["summary"]) == "Марш рівності"
    assert event["summary"].params["LANGUAGE"] == "uk"
    assert str(event["location"]) == "Майдан Незалежності, Київ"
    assert str(event["url"]) == KYIV_EVENT.url
    assert "прапори" in str(event["description"]) and "<" not in str(event["description"])
    assert "status" not in event
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["tzid"]) for z in zones] == ["Europe/Kyiv"]
    assert str(calendar["x-wr-calname"]) == "Київ Прайд"


def test_a_cancelled_event_says_so_and_one_without_a_zone_is_in_utc() -> None:
    item = NetworkItem(**{**KYIV_EVENT.__dict__, "cancelled": True, "timezone": None})
    calendar = icalendar.Calendar.from_ical(render_calendar("x", [item]))
    event = calendar.walk("VEVENT")[0]
    assert str(event["status"]) == "CANCELLED"
    assert event.decoded("dtstart") == KYIV_EVENT.starts_at
    assert event.decoded("dtstart").utcoffset().total_seconds() == 0
    assert calendar.walk("VTIMEZONE") == []


# --- served ---------------------------------------------------------------------------------


@pytest.fixture
async def seeded(instance: Instance) -> Seeded:
    return await seed(instance.database, instance.settings)


async def fetch(instance: Instance, url: str, media_type: str, **headers: str) -> tuple[bytes, Any]:
    async with instance.http.get(url, headers=headers) as response:
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
        return await response.read(), response.headers


async def test_group_feeds_and_calendar(instance: Instance, seeded: Seeded) -> None:
    uris = instance.uris
    body, _ = await fetch(instance, uris.group_feed("kyivpride", "rss"), "application/rss+xml")
    rss: Any = feedparser.parse(body)
    assert not rss.bozo
    assert {e.title for e in rss.entries} == {"Звіт правозахисників", "Kyiv Pride march"}
    assert rss.feed.language == "uk"
    body, headers = await fetch(
        instance, uris.group_feed("kyivpride", "atom"), "application/atom+xml"
    )
    atom: Any = feedparser.parse(body)
    assert not atom.bozo
    assert {e.id for e in atom.entries} == {
        uris.post("kyivpride", "article", seeded.ukrainian.public_id),
        uris.post("kyivpride", "event", seeded.event.public_id),
    }
    # A reader polling with the ETag gets 304 and no body.
    async with instance.http.get(
        uris.group_feed("kyivpride", "atom"), headers={"If-None-Match": headers["ETag"]}
    ) as response:
        assert response.status == 304
        assert await response.read() == b""
    assert headers["Last-Modified"].endswith("GMT")
    body, _ = await fetch(instance, uris.group_feed("kyivpride", "ics"), "text/calendar")
    calendar = icalendar.Calendar.from_ical(body)
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == uris.post("kyivpride", "event", seeded.event.public_id)
    assert event["dtstart"].params["TZID"] == "Europe/Kyiv"
    assert event.decoded("dtstart").hour == 12
    assert str(event["location"]) == "Maidan Nezalezhnosti, Kyiv, Ukraine"


async def test_one_event_as_an_ics_file(instance: Instance, seeded: Seeded) -> None:
    uris = instance.uris
    url = uris.event_calendar("kyivpride", seeded.event.public_id)
    body, headers = await fetch(instance, url, "text/calendar")
    assert headers["Content-Disposition"] == f'inline; filename="{seeded.event.public_id}.ics"'
    [event] = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["url"]) == uris.post("kyivpride", "event", seeded.event.public_id)
    assert str(event["summary"]) == "Kyiv Pride march"
    for missing in (
        uris.event_calendar("kyivpride", "nosuchevent"),
        uris.event_calendar("kyivpride", seeded.ukrainian.public_id),  # an article, not an event
        uris.event_calendar("memorial", seeded.event.public_id),  # another group's
        uris.group_feed("nosuchgroup", "rss"),
    ):
        async with instance.http.get(missing) as response:
            assert response.status == 404, missing


async def test_network_feeds_follow_the_page_filters(instance: Instance, seeded: Seeded) -> None:
    uris = instance.uris
    body, _ = await fetch(instance, uris.network_feed("atom"), "application/atom+xml")
    atom: Any = feedparser.parse(body)
    assert not atom.bozo
    assert [e.id for e in atom.entries] == [
        seeded.remote_event_uri,
        seeded.arabic_uri,
        seeded.georgian_uri,
    ]
    body, _ = await fetch(instance, uris.network_feed("rss") + "?lang=ka", "application/rss+xml")
    assert [e.id for e in feedparser.parse(body).entries] == [seeded.georgian_uri]
    body, _ = await fetch(instance, uris.network_feed("ics"), "text/calendar")
    [event] = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["uid"]) == seeded.remote_event_uri
    assert event["dtstart"].params["TZID"] == "Europe/Kyiv"
    assert event.decoded("dtstart").hour == 18  # 16:00 UTC in Kyiv winter time
    assert str(event["location"]) == "Community centre, Khreshchatyk 1"
    async with instance.http.get(uris.network_feed("rss") + "?type=poem") as response:
        assert response.status == 400


async def test_the_network_page_links_its_feeds(instance: Instance, seeded: Seeded) -> None:
    async with instance.http.get(f"{instance.base_url}/network?lang=uk&before=") as response:
        doc = html.fromstring(await response.text())
    links = {
        link.get("type"): link.get("href") for link in doc.xpath("//head/link[@rel='alternate']")
    }
    assert links == {
        "application/rss+xml": instance.uris.network_feed("rss") + "?lang=uk",
        "application/atom+xml": instance.uris.network_feed("atom") + "?lang=uk",
        "text/calendar": instance.uris.network_feed("ics") + "?lang=uk",
    }


async def test_the_group_and_event_pages_link_feeds_that_parse(
    instance: Instance, seeded: Seeded
) -> None:
    uris = instance.uris
    async with instance.http.get(uris.group("kyivpride")) as response:
        doc = html.fromstring(await response.text())
    alternates = {
        link.get("type"): link.get("href") for link in doc.xpath("//head/link[@rel='alternate']")
    }
    for media_type in ("application/rss+xml", "application/atom+xml"):
        body, _ = await fetch(instance, alternates[media_type], media_type)
        parsed: Any = feedparser.parse(body)
        assert not parsed.bozo and len(parsed.entries) == 2
    body, _ = await fetch(instance, alternates["text/calendar"], "text/calendar")
    assert len(icalendar.Calendar.from_ical(body).walk("VEVENT")) == 1
    event_page = uris.post("kyivpride", "event", seeded.event.public_id)
    async with instance.http.get(event_page) as response:
        doc = html.fromstring(await response.text())
    [href] = doc.xpath("//a[@type='text/calendar']/@href")
    body, _ = await fetch(instance, str(href), "text/calendar")
    [event] = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["uid"]) == event_page


async def test_tag_feeds_list_local_and_network_posts_whatever_the_case(
    instance: Instance, seeded: Seeded
) -> None:
    uris = instance.uris
    body, _ = await fetch(instance, uris.tag_feed("ЛГБТ", "atom"), "application/atom+xml")
    atom: Any = feedparser.parse(body)
    assert not atom.bozo
    assert [e.id for e in atom.entries] == [
        uris.post("kyivpride", "article", seeded.ukrainian.public_id)
    ]
    assert atom.feed.title == f"#лгбт on {instance.settings.name}"  # as the address has it
    assert atom.feed.link == uris.tag("ЛГБТ")
    # The remote Georgian article, written in another script, under an upper-cased address.
    body, _ = await fetch(instance, uris.tag_feed("ქალები", "rss"), "application/rss+xml")
    rss: Any = feedparser.parse(body)
    assert not rss.bozo and [e.id for e in rss.entries] == [seeded.georgian_uri]
    body, _ = await fetch(
        instance, f"{instance.base_url}/tags/PRIDE/feed.rss", "application/rss+xml"
    )
    titles = {e.title for e in feedparser.parse(body).entries}
    assert "Kyiv Pride march" in titles
    body, _ = await fetch(
        instance, uris.tag_feed("pride", "rss") + "?lang=ka", "application/rss+xml"
    )
    assert feedparser.parse(body).entries == []  # the page's other filters apply
    body, _ = await fetch(instance, uris.tag_feed("pride", "ics"), "text/calendar")
    uids = {str(e["uid"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    assert uris.post("kyivpride", "event", seeded.event.public_id) in uids
    body, _ = await fetch(instance, uris.tag_feed("nothing_here", "atom"), "application/atom+xml")
    assert feedparser.parse(body).entries == []
    async with instance.http.get(f"{instance.base_url}/tags/not%20a%20tag!/feed.rss") as response:
        assert response.status == 404


async def test_the_tag_page_links_its_feeds(instance: Instance, seeded: Seeded) -> None:
    async with instance.http.get(instance.uris.tag("pride")) as response:
        doc = html.fromstring(await response.text())
    links = {
        link.get("type"): link.get("href") for link in doc.xpath("//head/link[@rel='alternate']")
    }
    assert links == {
        "application/rss+xml": instance.uris.tag_feed("pride", "rss"),
        "application/atom+xml": instance.uris.tag_feed("pride", "atom"),
        "text/calendar": instance.uris.tag_feed("pride", "ics"),
    }
    body, _ = await fetch(instance, links["application/atom+xml"], "application/atom+xml")
    assert len(feedparser.parse(body).entries) >= 1
