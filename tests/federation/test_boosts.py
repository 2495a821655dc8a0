"""Undo(Announce): a boost taken back leaves the network view, unless its object is there anyway."""

from __future__ import annotations

from typing import Any

import pytest

from fedhub.actions import sharing
from fedhub.activitypub.keys import KeyPair, generate_key_pair
from fedhub.store import network
from fedhub.store.tables import RemoteBoost
from tests.conftest import Instance
from tests.federation.fake_peer import FakePeer
from tests.federation.test_inbox import PUBLIC, count, followed, note, post


def announce(actor: str, object_id: str, n: int = 1) -> dict[str, Any]:
    """Mastodon's shape: the object by id, the Announce's id under the booster's status."""
    return {
        "id": f"{actor}/statuses/{n}/activity",
        "type": "Announce",
        "actor": actor,
        "object": object_id,
        "to": [PUBLIC],
    }


def undo(actor: str, boost: dict[str, Any], n: int = 1) -> dict[str, Any]:
    """Mastodon embeds the whole Announce in its Undo (fixtures/mastodon/undo-announce.json)."""
    return {"id": f"{actor}#announces/{n}/undo", "type": "Undo", "actor": actor, "object": boost}


async def in_view(instance: Instance) -> set[str]:
    async with instance.database.reading() as session:
        return {item.uri for item in await network.list_network(session)}


@pytest.fixture
async def boosted(
    instance: Instance,
    group: str,
    boosters: FakePeer,
    authors: FakePeer,
    booster_keys: KeyPair,
    author_keys: KeyPair,
) -> tuple[str, str, dict[str, Any]]:
    """Alice (followed) has boosted Bob's note (Bob is not followed): it is in the view."""
    alice = boosters.actor("alice", booster_keys)
    bob = authors.actor("bob", author_keys)
    bobs_note = note(bob, 1)
    authors.documents["/users/bob/notes/1"] = bobs_note
    await instance.federation.resolver.actor(alice)
    await followed(instance, alice)
    boost = announce(alice, bobs_note["id"])
    assert await post(instance, boost, booster_keys, f"{alice}#main-key") == 202
    assert await in_view(instance) == {bobs_note["id"]}
    return alice, bobs_note["id"], boost


async def test_an_undone_boost_leaves_the_network_view(
    instance: Instance, boosted: tuple[str, str, dict[str, Any]], booster_keys: KeyPair
) -> None:
    alice, _, boost = boosted
    assert await post(instance, undo(alice, boost), booster_keys, f"{alice}#main-key") == 202
    assert await in_view(instance) == set()
    # The same Undo again, or a second one, changes nothing and is no error.
    assert await post(instance, undo(alice, boost), booster_keys, f"{alice}#main-key") == 202
    assert await post(instance, undo(alice, boost, 2), booster_keys, f"{alice}#main-key") == 202
    assert await in_view(instance) == set()


async def test_the_object_stays_when_its_author_is_followed(
    instance: Instance,
    boosted: tuple[str, str, dict[str, Any]],
    booster_keys: KeyPair,
) -> None:
    alice, note_id, boost = boosted
    await followed(instance, note_id.rsplit("/notes/", 1)[0])  # Bob, followed after all
    assert await post(instance, undo(alice, boost), booster_keys, f"{alice}#main-key") == 202
    assert await in_view(instance) == {note_id}


async def test_the_object_stays_while_a_local_group_shares_it(
    instance: Instance,
    boosted: tuple[str, str, dict[str, Any]],
    booster_keys: KeyPair,
) -> None:
    alice, note_id, boost = boosted
    await sharing.share(instance.federation, "kyiv", note_id)
    assert await post(instance, undo(alice, boost), booster_keys, f"{alice}#main-key") == 202
    assert await in_view(instance) == {note_id}
    # Alice boosts it again; once the group takes its share back, her next Undo has nothing
    # else keeping the object.
    again = announce(alice, note_id, 2)
    assert await post(instance, again, booster_keys, f"{alice}#main-key") == 202
    await sharing.unshare(instance.federation, "kyiv", note_id)
    assert await post(instance, undo(alice, again, 2), booster_keys, f"{alice}#main-key") == 202
    assert await in_view(instance) == set()


async def test_nobody_can_undo_anothers_boost(
    instance: Instance,
    boosted: tuple[str, str, dict[str, Any]],
    boosters: FakePeer,
) -> None:
    _, note_id, boost = boosted
    mallory_keys = generate_key_pair()
    mallory = boosters.actor("mallory", mallory_keys)
    key = f"{mallory}#main-key"
    # Alice's Announce inside Mallory's Undo; then the same Announce re-labelled as Mallory's;
    # then an Undo of an Announce never received.
    assert await post(instance, undo(mallory, boost), mallory_keys, key) == 202
    relabelled = {**boost, "actor": mallory}
    assert await post(instance, undo(mallory, relabelled, 2), mallory_keys, key) == 202
    never_sent = announce(mallory, note_id, 9)
    assert await post(instance, undo(mallory, never_sent, 3), mallory_keys, key) == 202
    assert await in_view(instance) == {note_id}


@pytest.fixture
async def carol(
    instance: Instance, boosted: tuple[str, str, dict[str, Any]], boosters: FakePeer
) -> tuple[str, KeyPair, dict[str, Any]]:
    """Carol (followed too) boosts the same note as Alice."""
    keys = generate_key_pair()
    carol = boosters.actor("carol", keys)
    await instance.federation.resolver.actor(carol)
    await followed(instance, carol)
    boost = announce(carol, boosted[1])
    assert await post(instance, boost, keys, f"{carol}#main-key") == 202
    return carol, keys, boost


async def test_each_boost_is_recorded_once(
    instance: Instance, boosted: tuple[str, str, dict[str, Any]], booster_keys: KeyPair
) -> None:
    alice, _, boost = boosted
    assert await post(instance, boost, booster_keys, f"{alice}#main-key") == 202
    assert await count(instance, RemoteBoost) == 1


async def test_the_object_stays_while_another_followed_actor_boosts_it(
    instance: Instance,
    boosted: tuple[str, str, dict[str, Any]],
    booster_keys: KeyPair,
    carol: tuple[str, KeyPair, dict[str, Any]],
) -> None:
    alice, note_id, alices_boost = boosted
    carol_uri, carol_keys, carols_boost = carol
    assert await count(instance, RemoteBoost) == 2
    assert await post(instance, undo(alice, alices_boost), booster_keys, f"{alice}#main-key") == 202
    assert await in_view(instance) == {note_id}, "Carol still boosts it"
    assert await count(instance, RemoteBoost) == 1
    carols_undo = undo(carol_uri, carols_boost)
    assert await post(instance, carols_undo, carol_keys, f"{carol_uri}#main-key") == 202
    assert await in_view(instance) == set()
    assert await count(instance, RemoteBoost) == 0


async def test_an_undo_naming_only_the_announce_id(
    instance: Instance, boosted: tuple[str, str, dict[str, Any]], booster_keys: KeyPair
) -> None:
    alice, _, boost = boosted
    by_id = {**undo(alice, boost), "object": boost["id"]}
    assert await post(instance, by_id, booster_keys, f"{alice}#main-key") == 202
    assert await in_view(instance) == set()
    assert await count(instance, RemoteBoost) == 0


async def test_a_third_actor_cannot_undo_a_boost_by_its_id(
    instance: Instance,
    boosted: tuple[str, str, dict[str, Any]],
    boosters: FakePeer,
    carol: tuple[str, KeyPair, dict[str, Any]],
) -> None:
    _, note_id, alices_boost = boosted
    mallory_keys = generate_key_pair()
    mallory = boosters.actor("mallory", mallory_keys)
    forged = {**undo(mallory, alices_boost), "object": alices_boost["id"]}
    assert await post(instance, forged, mallory_keys, f"{mallory}#main-key") == 202
    # Carol, who boosted it too, cannot take back Alice's boost either.
    carol_uri, carol_keys, _ = carol
    also_forged = {**undo(carol_uri, alices_boost, 2), "object": alices_boost["id"]}
    assert await post(instance, also_forged, carol_keys, f"{carol_uri}#main-key") == 202
    assert await in_view(instance) == {note_id}
    assert await count(instance, RemoteBoost) == 2


async def test_a_deleted_booster_takes_its_boosts_along(
    instance: Instance,
    boosted: tuple[str, str, dict[str, Any]],
    booster_keys: KeyPair,
) -> None:
    alice, _, _ = boosted
    gone = {"id": f"{alice}#delete", "type": "Delete", "actor": alice, "object": alice}
    assert await post(instance, gone, booster_keys, f"{alice}#main-key") == 202
    assert await count(instance, RemoteBoost) == 0
    assert await in_view(instance) == set()
