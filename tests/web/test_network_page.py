"""The network page and tag pages over real HTTP: filters, search, paging, languages, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from lxml import html

from fedhub.federation.ingest import store_object
from fedhub.store import remote
from fedhub.store.network import Cursor
from tests.conftest import Instance
from tests.store.network_data import TBILISI_ACTOR, Seeded, seed


@pytest.fixture
async def seeded(instance: Instance) -> Seeded:
    return await seed(instance.database, instance.settings)


async def get_page(instance: Instance, path: str, status: int = 200) -> html.HtmlElement:
    async with instance.http.get(instance.base_url + path) as response:
        body = await response.text()
        assert response.status == status, body[:500]
        assert response.content_type == "text/html"
    return html.fromstring(body)


def titles(doc: html.HtmlElement) -> list[str]:
    return [
        a.text_content().strip() for a in doc.xpath("//ul[@class='posts']//a[@class='item-title']")
    ]


async def test_network_lists_followed_groups_with_each_text_in_its_language(
    instance: Instance, seeded: Seeded
) -> None:
    doc = await get_page(instance, "/network")
    assert titles(doc) == ["Зустріч громади", "حقوق الإنسان للجميع", "ქალთა უფლებები საქართველოში"]
    arabic = doc.xpath("//a[@class='item-title' and @lang='ar']")[0]
    assert arabic.get("dir") == "rtl"
    assert doc.xpath("//a[@class='item-title' and @lang='ka']")[0].get("dir") == "ltr"
    # Remote links leave the instance without a referrer or a ranking signal.
    assert "nofollow" in arabic.get("rel")
    # The filter form works without JavaScript: a GET form with every filter.
    form = doc.xpath("//form[@role='search']")[0]
    assert form.get("method") == "get"
    names = {field.get("name") for field in form.xpath(".//input | .//select")}
    assert names == {"q", "scope", "type", "group", "instance", "lang", "tag"}
    groups = [o.get("value") for o in form.xpath(".//select[@id='group']/option")]
    assert "women@tbilisi.example" in groups
    languages = {o.get("value") for o in form.xpath(".//select[@id='lang']/option")}
    assert {"ar", "ka", "uk", "ru", "en"} <= languages
    # A remote event's time is read in its own zone (16:00 UTC is 18:00 in Kyiv in December).
    [when] = doc.xpath("//time[@datetime='2026-12-05T16:00:00+00:00']")
    assert when.text_content() == "Dec 5, 2026 6:00\u202fPM (Europe/Kyiv)"
    # Tags link to their tag page.
    tag_links = [a.get("href") for a in doc.xpath("//p[@class='tags']/a")]
    assert instance.uris.tag("ქალები") in tag_links


async def test_search_finds_local_and_network_content(instance: Instance, seeded: Seeded) -> None:
    doc = await get_page(instance, f"/network?scope=all&q={quote('правозахисники')}")
    assert titles(doc) == ["Звіт правозахисників"]
    doc = await get_page(instance, f"/network?q={quote('ქალთა')}&scope=&type=")
    assert titles(doc) == ["ქალთა უფლებები საქართველოში"]
    assert doc.get_element_by_id("q").get("value") == "ქალთა"
    doc = await get_page(instance, f"/network?q={quote('حقوق')}&lang=ar")
    assert titles(doc) == ["حقوق الإنسان للجميع"]
    doc = await get_page(
        instance, f"/network?scope=all&type=event&group={quote('@pride@kyiv.example')}"
    )
    assert titles(doc) == ["Зустріч громади"]
    doc = await get_page(instance, "/network?instance=cairo.example&q=nothing")
    assert titles(doc) == []
    assert "Nothing matches" in doc.text_content()


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("type=note", "type must be one of"),
        ("scope=everything", "scope must be one of"),
        ("lang=%3Cscript%3E", "not a language code"),
        ("before=yesterday", "not a page position"),
        ("q=" + "x" * 201, "longer than 200"),
        ("tag=a%20b", "tag"),
        ("q=abc%00def", "the query holds a control character"),
        ("group=a%00b%40host", "the group holds a control character"),
        ("instance=ho%01st", "the instance holds a control character"),
    ],
)
async def test_bad_filters_are_refused_with_a_reason(
    instance: Instance, seeded: Seeded, query: str, reason: str
) -> None:
    async with instance.http.get(f"{instance.base_url}/network?{query}") as response:
        assert response.status == 400
        assert reason in await response.text()


@pytest.mark.parametrize("hostile", ['"', "NEAR(", "*", "a:*&!", "'", "\\", "body : x", "ــ"])
async def test_hostile_search_text_never_fails(
    instance: Instance, seeded: Seeded, hostile: str
) -> None:
    await get_page(instance, f"/network?scope=all&q={quote(hostile)}")


async def test_pages_link_to_older_items_keeping_the_filters(
    instance: Instance, seeded: Seeded
) -> None:
    async with instance.database.transaction() as session:
        actor = await remote.get_remote_actor(session, TBILISI_ACTOR)
        assert actor is not None
        start = datetime.now(UTC) - timedelta(days=30)
        for n in range(25):
            await store_object(
                session,
                {
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": f"https://tbilisi.example/notes/{n}",
                    "type": "Note",
                    "attributedTo": TBILISI_ACTOR,
                    "content": f"<p>შეტყობინება {n}</p>",
                    "contentMap": {"ka": f"<p>შეტყობინება {n}</p>"},
                    "published": (start + timedelta(hours=n)).isoformat(),
                },
                actor,
            )
    seen: list[str] = []
    path: str | None = "/network?type=article&lang=ka"
    pages = 0
    while path is not None:
        doc = await get_page(instance, path)
        seen += titles(doc)
        older = doc.xpath("//nav[@class='pager']/a[@rel='next']")
        path = older[0].get("href") if older else None
        if path is not None:
            assert "type=article" in path and "lang=ka" in path
        pages += 1
    assert pages == 2
    assert len(seen) == len(set(seen)) == 26  # 25 notes and the Georgian article
    assert seen[0] == "ქალთა უფლებები საქართველოში"
    assert seen[1:] == [f"შეტყობინება {n}" for n in reversed(range(25))]
    # The second page links back to the newest.
    cursor = Cursor(datetime.now(UTC), "remote", 1).encode()
    doc = await get_page(instance, f"/network?type=article&before={cursor}")
    assert (
        doc.xpath("//nav[@class='pager']/a[@rel='first']")[0].get("href") == "/network?type=article"
    )


async def test_the_network_answers_json_too(instance: Instance, seeded: Seeded) -> None:
    async with instance.http.get(
        f"{instance.base_url}/network?format=json&scope=all&tag=pride"
    ) as response:
        assert response.status == 200
        items = await response.json()
    assert [item["name"] for item in items] == ["Kyiv Pride march"]
    assert items[0]["local"] is True
    assert items[0]["tags"] == ["pride"]


async def test_tag_pages_list_local_and_network_posts(instance: Instance, seeded: Seeded) -> None:
    doc = await get_page(instance, "/tags/" + quote("лгбт"))
    assert titles(doc) == ["Звіт правозахисників"]
    assert doc.xpath("//h1")[0].text_content() == "#лгбт"
    doc = await get_page(instance, "/tags/" + quote("ЛГБТ"))
    assert titles(doc) == ["Звіт правозахисників"]
    # The Georgian article's tag leads to its tag page, which lists it.
    doc = await get_page(instance, "/tags/" + quote("ქალები"))
    assert titles(doc) == ["ქალთა უფლებები საქართველოში"]
    doc = await get_page(instance, "/tags/nothing_here")
    assert titles(doc) == []
    await get_page(instance, "/tags/" + quote("not a tag!"), status=404)
