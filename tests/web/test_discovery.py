"""WebFinger, host-meta and NodeInfo over real HTTP."""

from __future__ import annotations

from fedhub.activitypub.schemas import validate
from tests.conftest import Instance


async def test_webfinger_finds_a_group_by_handle_and_by_url(demo: Instance) -> None:
    handle = demo.uris.handle("demo")
    for resource in (f"acct:{handle}", demo.uris.group("demo")):
        async with demo.http.get(
            f"{demo.base_url}/.well-known/webfinger", params={"resource": resource}
        ) as response:
            assert response.status == 200
            assert response.content_type == "application/jrd+json"
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            jrd = await response.json(content_type=None)
        validate(jrd, "webfinger")
        assert jrd["subject"] == f"acct:{handle}"
        self_link = next(link for link in jrd["links"] if link["rel"] == "self")
        assert self_link["href"] == demo.uris.group("demo")
        assert self_link["type"] == "application/activity+json"


async def test_webfinger_refuses_bad_and_unknown_resources(demo: Instance) -> None:
    url = f"{demo.base_url}/.well-known/webfinger"
    async with demo.http.get(url) as response:
        assert response.status == 400
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "resource" in (await response.json())["error"]
    async with demo.http.get(url, params={"resource": "acct:"}) as response:
        assert response.status == 400
    async with demo.http.get(url, params={"resource": "acct:nobody@" + demo.settings.domain}) as r:
        assert r.status == 404
    async with demo.http.get(url, params={"resource": "acct:demo@elsewhere.example"}) as r:
        assert r.status == 404


async def test_instance_actor_is_found_by_webfinger(demo: Instance) -> None:
    domain = demo.settings.domain
    async with demo.http.get(
        f"{demo.base_url}/.well-known/webfinger", params={"resource": f"acct:{domain}@{domain}"}
    ) as response:
        jrd = await response.json(content_type=None)
    assert response.status == 200
    assert any(link.get("href") == demo.uris.instance_actor() for link in jrd["links"])


async def test_host_meta_points_at_webfinger(demo: Instance) -> None:
    async with demo.http.get(f"{demo.base_url}/.well-known/host-meta") as response:
        assert response.status == 200
        body = await response.text()
    assert f"{demo.base_url}/.well-known/webfinger?resource={{uri}}" in body


async def test_nodeinfo(demo: Instance) -> None:
    async with demo.http.get(f"{demo.base_url}/.well-known/nodeinfo") as response:
        links = await response.json()
    validate(links, "nodeinfo-links")
    href = links["links"][0]["href"]
    async with demo.http.get(href) as response:
        assert response.status == 200
        document = await response.json(content_type=None)
    validate(document, "nodeinfo")
    assert document["software"]["name"] == "fedhub"
    assert document["protocols"] == ["activitypub"]
    assert document["usage"]["localPosts"] == 4
