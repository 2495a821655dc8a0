"""The ActivityStreams documents the server serves: valid, complete, and every id dereferences."""

from __future__ import annotations

from typing import Any

import pytest

from fedhub.actions import publish
from fedhub.activitypub.jsonld import dropped_terms
from fedhub.activitypub.schemas import validate
from fedhub.domain.drafts import validate_article
from tests.conftest import Instance
from tests.web.conftest import AP, LD


async def get_json(instance: Instance, url: str, accept: str = AP) -> dict[str, Any]:
    async with instance.http.get(url, headers={"Accept": accept}) as response:
        assert response.status == 200, (url, await response.text())
        assert response.content_type == "application/activity+json"
        document: dict[str, Any] = await response.json(content_type=None)
    return document


def check(document: dict[str, Any], schema: str) -> None:
    validate(document, schema)
    assert dropped_terms(document) == []


async def test_group_actor(demo: Instance) -> None:
    actor = await get_json(demo, demo.uris.group("demo"))
    check(actor, "group")
    assert actor["type"] == "Group"
    assert actor["preferredUsername"] == "demo"
    assert actor["publicKey"]["owner"] == actor["id"]
    assert "BEGIN PUBLIC KEY" in actor["publicKey"]["publicKeyPem"]
    assert actor["endpoints"]["sharedInbox"] == demo.uris.shared_inbox()
    same = await get_json(demo, demo.uris.group("demo"), accept=LD)
    assert same == actor


async def test_instance_actor(demo: Instance) -> None:
    actor = await get_json(demo, demo.uris.instance_actor())
    check(actor, "application")
    assert actor["type"] == "Application"


async def test_outbox_pages_creates_newest_first(demo: Instance) -> None:
    for n in range(20):
        draft = validate_article(
            group_slug="demo",
            lang="en",
            title=f"Bulletin {n}",
            body_markdown=f"Number {n}.",
            summary="",
            tags=[],
        )
        await publish.publish_article(demo.database, demo.settings, draft)
    outbox = await get_json(demo, demo.uris.outbox("demo"))
    check(outbox, "ordered-collection")
    assert outbox["totalItems"] == 24
    first = await get_json(demo, outbox["first"])
    check(first, "ordered-collection-page")
    assert len(first["orderedItems"]) == 20
    assert first["orderedItems"][0]["object"]["name"] == "Bulletin 19"
    for create in first["orderedItems"]:
        check({"@context": outbox["@context"], **create}, "create")
    second = await get_json(demo, first["next"])
    assert len(second["orderedItems"]) == 4
    assert "next" not in second
    assert second["prev"] == first["id"]
    seen = [c["id"] for c in first["orderedItems"] + second["orderedItems"]]
    assert len(set(seen)) == 24


async def test_followers_publish_only_a_count(demo: Instance) -> None:
    followers = await get_json(demo, demo.uris.followers("demo"))
    check(followers, "ordered-collection")
    assert followers["totalItems"] == 0
    assert "first" not in followers and "orderedItems" not in followers


async def test_articles_and_events_dereference_and_validate(demo: Instance) -> None:
    outbox = await get_json(demo, demo.uris.outbox("demo"))
    page = await get_json(demo, outbox["first"])
    kinds = set()
    for create in page["orderedItems"]:
        obj = await get_json(demo, create["object"]["id"])
        kinds.add(obj["type"])
        check(obj, obj["type"].lower())
        assert obj == {"@context": obj["@context"], **create["object"]}
        activity = await get_json(demo, create["id"])
        check(activity, "create")
        assert obj["summary"], "Mastodon shows only name, summary and url"
        assert next(iter(obj["contentMap"])) == next(iter(obj["nameMap"]))
    assert kinds == {"Article", "Event"}


@pytest.mark.parametrize("number", ["0", "-1", "x", "²", "1000001"])
async def test_a_bad_collection_page_number_is_a_400(demo: Instance, number: str) -> None:
    async with demo.http.get(
        f"{demo.uris.outbox('demo')}?page={number}",
        headers={"Accept": "application/activity+json"},
    ) as response:
        assert response.status == 400
        assert "page" in (await response.json(content_type=None))["error"]


async def test_translated_article_carries_every_language(demo: Instance) -> None:
    page = await get_json(demo, f"{demo.uris.outbox('demo')}?page=1")
    report = next(
        c["object"] for c in page["orderedItems"] if "Tbilisi" in c["object"].get("name", "")
    )
    assert list(report["contentMap"]) == ["en", "uk"]
    assert list(report["nameMap"]) == ["en", "uk"]
    assert report["content"] == report["contentMap"]["en"]
    assert report["attachment"][0]["mediaType"] == "application/pdf"
    async with demo.http.get(report["attachment"][0]["url"]) as response:
        assert response.status == 200
        assert response.content_type == "application/pdf"
        assert (await response.read()).startswith(b"%PDF-")
    assert {t["name"] for t in report["tag"]} == {"#digitalsafety", "#report"} or {
        t["name"] for t in report["tag"]
    } == {"#DigitalSafety", "#Report"}


@pytest.mark.parametrize(
    "path",
    [
        "/groups/nobody",
        "/groups/demo/articles/nope",
        "/groups/demo/events/nope/activity",
        "/groups/nobody/outbox",
        "/media/" + "0" * 64 + "/x.pdf",
    ],
)
async def test_unknown_things_are_404(demo: Instance, path: str) -> None:
    async with demo.http.get(demo.base_url + path, headers={"Accept": AP}) as response:
        assert response.status == 404
        assert "error" in await response.json()


async def test_bad_page_numbers_are_400(demo: Instance) -> None:
    for bad in ("0", "-1", "x", "99999999999"):
        async with demo.http.get(
            demo.uris.outbox("demo"), params={"page": bad}, headers={"Accept": AP}
        ) as response:
            assert response.status == 400


async def test_a_deleted_article_answers_410_with_a_tombstone(demo: Instance) -> None:
    draft = validate_article(group_slug="demo", lang="en", title="Soon gone", body_markdown="x")
    post = await publish.publish_article(demo.database, demo.settings, draft)
    url = demo.uris.post("demo", "article", post.public_id)
    await publish.delete_post(demo.database, demo.settings, url)
    async with demo.http.get(url, headers={"Accept": AP}) as response:
        assert response.status == 410
        tombstone = await response.json(content_type=None)
    assert tombstone["type"] == "Tombstone" and tombstone["id"] == url
    assert tombstone["formerType"] == "Article"
    assert dropped_terms(tombstone) == []
    async with demo.http.get(url) as response:
        assert response.status == 410
