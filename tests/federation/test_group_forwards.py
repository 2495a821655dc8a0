"""FEP-1b12: a group (Lemmy, Guppe, NodeBB) forwards its members' activities in its Announces."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fedhub.actions.groups import create_group
from fedhub.activitypub.keys import KeyPair, generate_key_pair
from fedhub.store import network, remote
from fedhub.store.tables import RemoteBoost
from tests.conftest import Instance, shared_fixture
from tests.federation.fake_peer import FakePeer
from tests.federation.test_boosts import undo
from tests.federation.test_inbox import PUBLIC, count, followed, post

LEMMY = "http://enterprise.lemmy.ml"


@pytest.fixture
async def community(
    instance: Instance, lemmy: FakePeer, community_keys: KeyPair, member_keys: KeyPair
) -> str:
    """A Lemmy community the local group follows, and one of its members on the same server."""
    await create_group(instance.database, "kyiv", "Kyiv", "", "uk")
    uri = lemmy.actor("main", community_keys, kind="Group")
    lemmy.actor("lemmy_beta", member_keys)
    await instance.federation.resolver.actor(uri)
    await followed(instance, uri)
    return uri


def forwarded_create(lemmy: FakePeer) -> dict[str, Any]:
    """Lemmy's own capture of a community forwarding a post, its host moved to the fake peer."""
    text = shared_fixture("lemmy/announce-create-page.json").read_text()
    text = text.replace(f"{LEMMY}/c/main", f"{lemmy.base}/users/main")
    text = text.replace(f"{LEMMY}/u/lemmy_beta", f"{lemmy.base}/users/lemmy_beta")
    activity: dict[str, Any] = json.loads(text.replace(LEMMY, lemmy.base))
    return activity


def forward(community: str, activity: dict[str, Any], n: int) -> dict[str, Any]:
    return {
        "id": f"{community}/activities/announce/{n}",
        "type": "Announce",
        "actor": community,
        "object": activity,
        "to": [PUBLIC],
    }


async def send(instance: Instance, announce: dict[str, Any], keys: KeyPair) -> int:
    return await post(instance, announce, keys, f"{announce['actor']}#main-key")


async def stored(instance: Instance, uri: str) -> dict[str, Any] | None:
    async with instance.database.reading() as session:
        row = await remote.get_remote_object(session, uri)
        if row is None or row.deleted_at is not None:
            return None
        return {"name": row.name, "content": row.content_html, "actor_id": row.actor_id}


async def in_view(instance: Instance) -> set[str]:
    async with instance.database.reading() as session:
        return {item.uri for item in await network.list_network(session)}


async def test_a_forwarded_post_reaches_the_network_view_as_the_communitys_boost(
    instance: Instance, community: str, lemmy: FakePeer, community_keys: KeyPair
) -> None:
    announce = forwarded_create(lemmy)
    post_id = announce["object"]["object"]["id"]
    assert await send(instance, announce, community_keys) == 202
    assert await in_view(instance) == {post_id}
    assert (await stored(instance, post_id) or {})["name"] == "post 4"
    assert await count(instance, RemoteBoost) == 1
    assert lemmy.fetches["/post/7"] == 0, "embedded on the community's origin: believed"
    # The same Announce again changes nothing; its Undo takes the boost back.
    assert await send(instance, announce, community_keys) == 202
    assert await count(instance, RemoteBoost) == 1
    assert await send(instance, undo(community, announce), community_keys) == 202
    assert await in_view(instance) == set()


async def test_a_forwarded_update_refreshes_and_a_forwarded_delete_removes(
    instance: Instance, community: str, lemmy: FakePeer, community_keys: KeyPair
) -> None:
    created = forwarded_create(lemmy)
    member = created["object"]["actor"]
    page = dict(created["object"]["object"])
    assert await send(instance, created, community_keys) == 202

    edited = {**page, "name": "post 4, corrected", "updated": "2021-11-02T10:00:00Z"}
    update = {"id": f"{member}/activities/update/1", "type": "Update", "actor": member}
    assert (
        await send(instance, forward(community, {**update, "object": edited}, 2), community_keys)
        == 202
    )
    assert (await stored(instance, page["id"]) or {})["name"] == "post 4, corrected"

    delete = {"id": f"{member}/activities/delete/1", "type": "Delete", "actor": member}
    assert (
        await send(
            instance, forward(community, {**delete, "object": page["id"]}, 3), community_keys
        )
        == 202
    )
    assert await stored(instance, page["id"]) is None
    assert await in_view(instance) == set()


async def test_a_member_cannot_edit_or_delete_another_members_post(
    instance: Instance, community: str, lemmy: FakePeer, community_keys: KeyPair
) -> None:
    created = forwarded_create(lemmy)
    page = dict(created["object"]["object"])
    assert await send(instance, created, community_keys) == 202
    lemmy.documents["/post/7"] = page  # its server still has it
    other = lemmy.actor("other", generate_key_pair())

    forged = {**page, "name": "defaced"}
    update = {"id": f"{other}/activities/update/9", "type": "Update", "actor": other}
    assert (
        await send(instance, forward(community, {**update, "object": forged}, 4), community_keys)
        == 202
    )
    delete = {"id": f"{other}/activities/delete/9", "type": "Delete", "actor": other}
    assert (
        await send(
            instance, forward(community, {**delete, "object": page["id"]}, 5), community_keys
        )
        == 202
    )
    assert (await stored(instance, page["id"]) or {})["name"] == "post 4"


async def test_a_remote_members_activity_is_fetched_from_its_own_server(
    instance: Instance,
    community: str,
    elsewhere: FakePeer,
    community_keys: KeyPair,
) -> None:
    """A member on another server: what the community embeds is not believed, but refetched."""
    member = elsewhere.actor("olena", generate_key_pair())
    note = {
        "id": f"{member}/notes/1",
        "type": "Note",
        "attributedTo": member,
        "content": "<p>the real words</p>",
        "to": [PUBLIC],
    }
    create = {"id": f"{member}/activities/1", "type": "Create", "actor": member, "to": [PUBLIC]}
    elsewhere.documents["/users/olena/activities/1"] = {**create, "object": note["id"]}
    elsewhere.documents["/users/olena/notes/1"] = note
    embedded = {**create, "object": {**note, "content": "<p>words put in her mouth</p>"}}

    assert await send(instance, forward(community, embedded, 6), community_keys) == 202
    assert elsewhere.fetches["/users/olena/activities/1"] == 1
    assert (await stored(instance, note["id"]) or {})["content"] == "<p>the real words</p>"

    # An activity its server does not serve is not believed at all.
    ghost = {
        **create,
        "id": f"{member}/activities/2",
        "object": {**note, "id": f"{member}/notes/2"},
    }
    assert await send(instance, forward(community, ghost, 7), community_keys) in {400, 403, 404}
    assert await stored(instance, f"{member}/notes/2") is None


async def test_a_community_nobody_follows_forwards_nothing(
    instance: Instance, lemmy: FakePeer, community_keys: KeyPair
) -> None:
    await create_group(instance.database, "kyiv", "Kyiv", "", "uk")
    lemmy.actor("main", community_keys, kind="Group")
    lemmy.actor("lemmy_beta", generate_key_pair())
    announce = forwarded_create(lemmy)
    assert await send(instance, announce, community_keys) == 202
    assert await in_view(instance) == set()


@pytest.mark.parametrize("origin_answers", ["404", "a Tombstone"])
async def test_a_moderators_removal_is_believed_from_the_posts_own_server(
    instance: Instance,
    community: str,
    lemmy: FakePeer,
    community_keys: KeyPair,
    origin_answers: str,
) -> None:
    """Lemmy forwards a moderator's removal as the community's Announce(Delete) by the moderator:
    not the moderator's post, so the post's own server is asked whether it is gone."""
    created = forwarded_create(lemmy)
    page = dict(created["object"]["object"])
    assert await send(instance, created, community_keys) == 202
    moderator = lemmy.actor("moderator", generate_key_pair())
    removal = {"id": f"{moderator}/activities/delete/1", "type": "Delete", "actor": moderator}

    lemmy.documents["/post/7"] = page  # still there: the removal changes nothing
    assert (
        await send(
            instance, forward(community, {**removal, "object": page["id"]}, 8), community_keys
        )
        == 202
    )
    assert await stored(instance, page["id"]) is not None

    if origin_answers == "404":
        del lemmy.documents["/post/7"]
    else:
        lemmy.documents["/post/7"] = {"id": page["id"], "type": "Tombstone"}
    removal = {**removal, "id": f"{moderator}/activities/delete/2"}
    assert (
        await send(
            instance, forward(community, {**removal, "object": page["id"]}, 9), community_keys
        )
        == 202
    )
    assert await stored(instance, page["id"]) is None
    assert await in_view(instance) == set()
