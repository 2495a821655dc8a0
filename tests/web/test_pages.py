"""A browser's Accept gets HTML pages for the same URLs that serve ActivityStreams."""

from __future__ import annotations

import re
import socket
from html.parser import HTMLParser
from urllib.parse import quote, urljoin

import pytest
from aiohttp import web

from fedhub.actions import domain_blocks, publish
from fedhub.activitypub.schemas import validate
from fedhub.domain.drafts import validate_event
from tests.conftest import Instance
from tests.web.conftest import AP

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def html(instance: Instance, url: str, status: int = 200) -> str:
    async with instance.http.get(url, headers={"Accept": BROWSER}) as response:
        assert response.status == status
        assert response.content_type == "text/html"
        assert "Accept" in response.headers.get("Vary", "")
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        return await response.text()


async def test_home_lists_groups_articles_and_events(demo: Instance) -> None:
    page = await html(demo, demo.base_url + "/")
    assert "Rainbow Rights Network (demo)" in page
    assert "Digital safety for organisers" in page
    assert "Community workshop" in page


async def test_group_page(demo: Instance) -> None:
    page = await html(demo, demo.uris.group("demo"))
    assert f"@{demo.uris.handle('demo')}" in page
    assert 'rel="alternate" type="application/activity+json"' in page


async def test_article_and_event_pages(demo: Instance) -> None:
    async with demo.http.get(
        demo.uris.outbox("demo") + "?page=1", headers={"Accept": "application/activity+json"}
    ) as response:
        page = await response.json(content_type=None)
    validate(page, "ordered-collection-page")
    for create in page["orderedItems"]:
        obj = create["object"]
        body = await html(demo, obj["url"])
        assert obj["nameMap"][next(iter(obj["nameMap"]))] in body.replace("&#39;", "'")
    report = next(c["object"] for c in page["orderedItems"] if "uk" in c["object"]["nameMap"])
    ukrainian = await html(demo, report["url"] + "?lang=uk")
    assert 'lang="uk"' in ukrainian and report["nameMap"]["uk"] in ukrainian


async def test_not_found_is_a_page(demo: Instance) -> None:
    page = await html(demo, demo.base_url + "/groups/nobody", status=404)
    assert "Not found" in page


# --- the reader's pages in detail -----------------------------------------------------------


class Resources(HTMLParser):
    """What a page makes the browser load by itself, and any inline script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "style" in found or tag == "style":
            self.inline.append(f"style on <{tag}>")
        if any(name.startswith("on") for name in found):
            self.inline.append(f"event handler on <{tag}>")
        if tag == "script":
            if found.get("src"):
                self.loaded.append(found["src"] or "")
            else:
                self.inline.append("inline <script>")
        if tag in ("img", "iframe", "audio", "video", "source", "embed") and found.get("src"):
            self.loaded.append(found["src"] or "")
        if tag == "link" and found.get("rel") in ("stylesheet", "icon", "preload", "manifest"):
            self.loaded.append(found.get("href") or "")


async def event_and_article_urls(instance: Instance) -> dict[str, str]:
    async with instance.http.get(
        instance.uris.outbox("demo") + "?page=1", headers={"Accept": "application/activity+json"}
    ) as response:
        items = (await response.json(content_type=None))["orderedItems"]
    urls = {}
    for create in items:
        obj = create["object"]
        name = next(iter(obj["nameMap"].values()))
        if name.startswith("Community workshop"):
            urls["event"] = obj["url"]
        if name.startswith("Digital safety"):
            urls["article"] = obj["url"]
    return urls


async def test_pages_load_nothing_from_elsewhere_and_run_no_inline_code(demo: Instance) -> None:
    urls = await event_and_article_urls(demo)
    pages = [demo.base_url + "/", demo.uris.group("demo"), urls["event"], urls["article"]]
    for url in [*pages, demo.base_url + "/missing"]:
        async with demo.http.get(url, headers={"Accept": BROWSER}) as response:
            body = await response.text()
            csp = response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp and "script-src 'self'" in csp
        parser = Resources()
        parser.feed(body)
        assert parser.inline == [], url
        assert parser.loaded, url
        for resource in parser.loaded:
            assert (resource.startswith("/") and not resource.startswith("//")) or (
                resource.startswith(demo.base_url + "/")
            ), f"{url} loads {resource}"
            async with demo.http.get(urljoin(url, resource)) as loaded:
                assert loaded.status == 200, resource


async def test_static_files_are_cached_by_version(demo: Instance) -> None:
    page = await html(demo, demo.base_url + "/")
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page)
    script = re.search(r'<script src="([^"]+)" defer>', page)
    assert stylesheet and script
    async with demo.http.get(demo.base_url + stylesheet[1]) as response:
        assert response.status == 200
        assert response.content_type == "text/css"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "prefers-color-scheme: dark" in await response.text()
    async with demo.http.get(demo.base_url + script[1]) as response:
        assert response.content_type == "text/javascript"
    # An old or missing version may change: browsers check again within the hour.
    async with demo.http.get(demo.base_url + "/static/site.css?v=old") as response:
        assert response.headers["Cache-Control"] == "public, max-age=3600"
    for missing in ("/static/nothing.css", "/static/..%2Fbase.html", "/static/base.html"):
        async with demo.http.get(demo.base_url + missing) as response:
            assert response.status == 404, missing


async def test_group_page_offers_every_way_to_follow(demo: Instance) -> None:
    page = await html(demo, demo.uris.group("demo"))
    handle = demo.uris.handle("demo")
    assert f'<code id="handle">@{handle}</code>' in page
    # The copy button needs JavaScript, so it stays hidden until the script shows it.
    assert re.search(r'<button type="button"[^>]*data-copy="handle"[^>]*hidden>', page)
    assert f'<form method="get" action="{demo.uris.remote_follow("demo")}">' in page
    assert '<label for="account">' in page and 'id="account" name="account"' in page
    feeds = {
        "application/rss+xml": demo.uris.group_feed("demo", "rss"),
        "application/atom+xml": demo.uris.group_feed("demo", "atom"),
        "text/calendar": demo.uris.group_feed("demo", "ics"),
    }
    for media_type, href in feeds.items():
        assert f'<link rel="alternate" type="{media_type}" href="{href}"' in page
        assert f'<a href="{href}" type="{media_type}">' in page  # and visible, for people


async def test_article_page_lists_files_tags_translations_and_sharing(demo: Instance) -> None:
    url = (await event_and_article_urls(demo))["article"]
    page = await html(demo, url)
    assert re.search(r'<a href="[^"]+/safety-guide\.pdf" type="application/pdf">', page)
    assert re.search(r"PDF, \d+(\.\d)? kB", page)
    assert f'href="{demo.uris.tag("DigitalSafety")}" rel="tag">#DigitalSafety</a>' in page
    # The switcher names each language in itself; the current one is marked.
    assert '<a aria-current="true" href="?lang=en" lang="en">English</a>' in page
    assert '<a href="?lang=uk" hreflang="uk" lang="uk">Українська</a>' in page
    assert f'<input id="share-address" type="url" value="{url}" readonly' in page
    ukrainian = await html(demo, url + "?lang=uk")
    assert '<h1 lang="uk" dir="ltr">Цифрова безпека для організаторів' in ukrainian
    # A Ukrainian reader gets the Ukrainian version without asking.
    async with demo.http.get(url, headers={"Accept": BROWSER, "Accept-Language": "uk"}) as answer:
        assert '<h1 lang="uk" dir="ltr">Цифрова безпека' in await answer.text()


async def test_event_page_gives_time_place_map_and_calendar(demo: Instance) -> None:
    url = (await event_and_article_urls(demo))["event"]
    page = await html(demo, url)
    # In the event's zone with its offset, and in UTC: readers abroad need no script.
    assert re.search(
        r"\d{1,2}:00\s*–\s*\d{1,2}:00\sPM \(UTC\+4\)</time><br><span class=\"zone\">Asia/Tbilisi",
        page,
    )
    assert re.search(r"<dt>In UTC</dt>\s*<dd>[^<]*\(UTC\)</dd>", page)
    assert re.search(r'<div data-local-start="[^"]+" data-local-end="[^"]+" hidden>', page)
    assert "Community Centre, 12 Rustaveli Avenue, Tbilisi, Georgia" in page
    osm = "https://www.openstreetmap.org/search?query=12%20Rustaveli%20Avenue%2C%20Tbilisi%2C%20Georgia"
    assert f'<a href="{osm}" rel="external noopener noreferrer">' in page
    public_id = url.rsplit("/", 1)[1]
    assert f'href="{demo.uris.event_calendar("demo", public_id)}" type="text/calendar"' in page


async def test_past_events_are_listed_and_paged(demo: Instance) -> None:
    await publish.publish_event(
        demo.database,
        demo.settings,
        validate_event(
            group_slug="demo",
            lang="ru",
            title="Прошедшая встреча",
            start="2024-03-01T18:00",
            end="2024-03-01T20:00",
            timezone="Europe/Moscow",
            latitude="55.751244",
            longitude="37.618423",
            place_name="Кафе",
        ),
    )
    page = await html(demo, demo.uris.group("demo"))
    past = page.split('<h2 id="past">Past events</h2>')[1]
    assert 'lang="ru" dir="ltr">Прошедшая встреча</a>' in past
    assert "Прошедшая встреча" not in page.split('<h2 id="past">')[0]
    events = (await event_and_article_urls(demo)).keys()
    assert events  # the upcoming ones are still listed above
    second = await html(demo, demo.uris.group("demo") + "?past=2")
    assert "No more past events." in second
    assert f'<a rel="first" href="{demo.uris.group("demo")}#past">' in second
    async with demo.http.get(
        demo.uris.group("demo") + "?past=0", headers={"Accept": BROWSER}
    ) as response:
        assert response.status == 400


class FakeHome:
    """A reader's home server on 127.0.0.1 that answers WebFinger, with or without a template."""

    def __init__(self, template: str | None) -> None:
        self.template = template
        self.asked: list[str] = []
        self.runner: web.AppRunner | None = None
        self.host = ""

    async def webfinger(self, request: web.Request) -> web.Response:
        self.asked.append(request.query["resource"])
        links: list[dict[str, str]] = [{"rel": "self", "type": AP, "href": "http://x/users/me"}]
        if self.template:
            links.append(
                {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": self.template}
            )
        return web.json_response({"subject": request.query["resource"], "links": links})

    async def __aenter__(self) -> FakeHome:
        app = web.Application()
        app.router.add_get("/.well-known/webfinger", self.webfinger)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.host = f"127.0.0.1:{self.runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def remote_follow(instance: Instance, account: str, status: int = 303) -> str:
    async with instance.http.get(
        instance.uris.remote_follow("demo"),
        params={"account": account},
        headers={"Accept": BROWSER},
        allow_redirects=False,
    ) as response:
        assert response.status == status, await response.text()
        return response.headers.get("Location") or await response.text()


async def test_remote_follow_goes_to_the_readers_own_follow_page(demo: Instance) -> None:
    async with FakeHome("http://home.example/authorize_interaction?uri={uri}") as home:
        location = await remote_follow(demo, f"@me@{home.host}")
    assert home.asked == [f"acct:me@{home.host}"]
    assert location == "http://home.example/authorize_interaction?uri=" + quote(
        demo.uris.handle("demo"), safe="@"
    )


async def test_remote_follow_falls_back_to_mastodons_page(demo: Instance) -> None:
    async with FakeHome(None) as home:
        location = await remote_follow(demo, f"me@{home.host}")
        assert home.asked == [f"acct:me@{home.host}"]
        # A bare host is not looked up: there is nobody to look up.
        bare = await remote_follow(demo, home.host)
        assert len(home.asked) == 1
    actor = quote(demo.uris.group("demo"), safe="")
    assert location == f"http://{home.host}/authorize_interaction?uri={actor}"
    assert bare == location
    # A server that does not answer at all still gets the fallback: the browser may reach it.
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        down = f"127.0.0.1:{unused.getsockname()[1]}"
    assert await remote_follow(demo, f"@me@{down}") == (
        f"http://{down}/authorize_interaction?uri={actor}"
    )


async def test_remote_follow_from_a_blocked_server_is_refused_unasked(demo: Instance) -> None:
    async with FakeHome("http://home.example/authorize_interaction?uri={uri}") as home:
        await domain_blocks.block_domain(demo.federation, home.host)
        page = await remote_follow(demo, f"@me@{home.host}", status=400)
        assert home.asked == []
        await domain_blocks.unblock_domain(demo.federation, home.host)
        await remote_follow(demo, f"@me@{home.host}")
        assert home.asked == [f"acct:me@{home.host}"]
    assert f"This site does not federate with {home.host}" in page


@pytest.mark.parametrize("account", ["", "not a handle", "@me@", "me@host/path", "javascript:x"])
async def test_remote_follow_refuses_what_is_not_an_account(demo: Instance, account: str) -> None:
    page = await remote_follow(demo, account, status=400)
    assert "is not a handle like @you@your.server or a server address." in page


async def test_remote_follow_of_an_unknown_group_is_not_found(demo: Instance) -> None:
    async with demo.http.get(
        demo.uris.remote_follow("nobody"), params={"account": "a@b.example"}, allow_redirects=False
    ) as response:
        assert response.status == 404
