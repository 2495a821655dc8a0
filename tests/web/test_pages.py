"""A browser's Accept gets HTML pages for the same URLs that serve ActivityStreams."""

from __future__ import annotations

from fedhub.activitypub.schemas import validate
from tests.conftest import Instance

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
