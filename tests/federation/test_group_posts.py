"""Mobilizon group events: a member's `Create(Event)` attributed to the Group it posts for."""

from __future__ import annotations

import json
from typing import Any

from fedhub.activitypub.keys import KeyPair, generate_key_pair
from fedhub.store import network, remote
from fedhub.store.tables import InboxActivity, RemoteBoost, RemoteObject
from tests.conftest import Instance, shared_fixture
from tests.federation.fake_peer import FakePeer
from tests.federation.test_inbox import count, followed, post

MOBILIZON = "http://mobilizon1.com"


def group_event(peer: FakePeer, member: str, group: str) -> dict[str, Any]:
    """Mobilizon's own capture of a group event, its hosts moved to the fake peer."""
    text = shared_fixture("mobilizon/create-event-by-group.json").read_text()
    text = text.replace(f"{MOBILIZON}/@user", member).replace(f"{MOBILIZON}/@group", group)
    activity: dict[str, Any] = json.loads(text.replace(MOBILIZON, peer.base))
    return activity


async def follow_group(instance: Instance, group_uri: str) -> None:
    await instance.federation.resolver.actor(group_uri)
    await followed(instance, group_uri)


async def test_a_members_event_is_kept_as_the_groups(
    instance: Instance, group: str, mobilizon: FakePeer, member_keys: KeyPair
) -> None:
    member = mobilizon.actor("user", member_keys)
    mobilizon_group = mobilizon.actor("group", generate_key_pair(), kind="Group")
    await follow_group(instance, mobilizon_group)
    activity = group_event(mobilizon, member, mobilizon_group)
    assert activity["actor"] != activity["object"]["attributedTo"]

    assert await post(instance, activity, member_keys, f"{member}#main-key") == 202
    async with instance.database.reading() as session:
        [item] = await network.list_network(session)
        event = await remote.get_remote_object(session, activity["object"]["id"])
    assert item.name == "My first event" and item.type == "Event"
    assert item.actor_uri == mobilizon_group, "shown as the group's, not the member's"
    assert event is not None and event.starts_at is not None

    # The member edits it later: the group's event is updated, as Mobilizon sends it.
    edited = {**activity["object"], "name": "My first event, moved"}
    update = {**activity, "id": f"{activity['id']}/update", "type": "Update", "object": edited}
    assert await post(instance, update, member_keys, f"{member}#main-key") == 202
    async with instance.database.reading() as session:
        event = await remote.get_remote_object(session, activity["object"]["id"])
    assert event is not None and event.name == "My first event, moved"


async def test_an_event_of_a_group_nobody_follows_is_not_kept(
    instance: Instance, group: str, mobilizon: FakePeer, member_keys: KeyPair
) -> None:
    member = mobilizon.actor("user", member_keys)
    mobilizon_group = mobilizon.actor("group", generate_key_pair(), kind="Group")
    await instance.federation.resolver.actor(mobilizon_group)  # known, but not followed
    activity = group_event(mobilizon, member, mobilizon_group)
    assert await post(instance, activity, member_keys, f"{member}#main-key") == 202
    assert await count(instance, RemoteObject) == 0


async def test_someone_on_another_server_cannot_post_as_the_group(
    instance: Instance,
    group: str,
    mobilizon: FakePeer,
    elsewhere: FakePeer,
    member_keys: KeyPair,
    intruder_keys: KeyPair,
) -> None:
    mobilizon.actor("user", member_keys)
    mobilizon_group = mobilizon.actor("group", generate_key_pair(), kind="Group")
    await follow_group(instance, mobilizon_group)
    intruder = elsewhere.actor("mallory", intruder_keys)
    key = f"{intruder}#main-key"

    # The intruder's own server hosts an "event of the group": refused.
    forged = group_event(elsewhere, intruder, mobilizon_group)
    assert await post(instance, forged, intruder_keys, key) == 403

    # An embedded event claiming an id on the group's server is fetched from there, where it
    # does not exist: nothing of the intruder's version is believed.
    planted = {**forged["object"], "id": f"{mobilizon.base}/events/planted"}
    relayed = {**forged, "id": f"{forged['id']}/2", "object": planted}
    assert await post(instance, relayed, intruder_keys, key) in (403, 404)
    assert mobilizon.fetches["/events/planted"] == 1

    assert await count(instance, RemoteObject) == 0
    assert await count(instance, InboxActivity) == 0


async def test_a_person_cannot_post_as_another_person_of_the_same_server(
    instance: Instance, group: str, mobilizon: FakePeer, member_keys: KeyPair
) -> None:
    """Only a group is vouched for: the rule is not a way to write in another person's name."""
    member = mobilizon.actor("user", member_keys)
    other = mobilizon.actor("other", generate_key_pair())
    await follow_group(instance, other)
    activity = group_event(mobilizon, member, other)
    assert await post(instance, activity, member_keys, f"{member}#main-key") == 403
    assert await count(instance, RemoteObject) == 0


def deletion(actor: str, target: str) -> dict[str, Any]:
    return {"id": f"{actor}/delete/1", "type": "Delete", "actor": actor, "object": target}


async def network_uris(instance: Instance) -> list[str]:
    async with instance.database.reading() as session:
        return [item.uri for item in await network.list_network(session)]


async def is_deleted(instance: Instance, uri: str) -> bool:
    async with instance.database.reading() as session:
        stored = await remote.get_remote_object(session, uri)
    assert stored is not None, f"{uri} was never stored"
    return stored.deleted_at is not None


async def test_a_member_deletes_the_groups_event(
    instance: Instance,
    group: str,
    mobilizon: FakePeer,
    elsewhere: FakePeer,
    member_keys: KeyPair,
    intruder_keys: KeyPair,
) -> None:
    member = mobilizon.actor("user", member_keys)
    mobilizon_group = mobilizon.actor("group", generate_key_pair(), kind="Group")
    await follow_group(instance, mobilizon_group)
    activity = group_event(mobilizon, member, mobilizon_group)
    assert await post(instance, activity, member_keys, f"{member}#main-key") == 202
    event_id = activity["object"]["id"]

    # Someone on another server cannot; neither can a person of the group's server delete
    # a person's object by this rule (tested above for Create): only the group's vouch counts.
    intruder = elsewhere.actor("mallory", intruder_keys)
    refused = deletion(intruder, event_id)
    assert await post(instance, refused, intruder_keys, f"{intruder}#main-key") == 202
    assert await network_uris(instance) == [event_id]

    # The member, on the group's own server, can: the event leaves the network view.
    assert (
        await post(instance, deletion(member, event_id), member_keys, f"{member}#main-key") == 202
    )
    assert await network_uris(instance) == []
    assert await is_deleted(instance, event_id)


async def test_a_person_cannot_delete_another_persons_post_of_the_same_server(
    instance: Instance, group: str, mobilizon: FakePeer, member_keys: KeyPair
) -> None:
    member = mobilizon.actor("user", member_keys)
    other_keys = generate_key_pair()
    other = mobilizon.actor("other", other_keys)
    await follow_group(instance, other)
    own = {**group_event(mobilizon, other, other), "id": f"{other}/create/1"}
    assert await post(instance, own, other_keys, f"{other}#main-key") == 202
    event_id = own["object"]["id"]
    assert (
        await post(instance, deletion(member, event_id), member_keys, f"{member}#main-key") == 202
    )
    assert not await is_deleted(instance, event_id)


def relayed_event(group_server: FakePeer, member_server: FakePeer, group_uri: str) -> str:
    """A group event whose member writes on another server than the group's: the event lives on
    the member's server, `attributedTo` the group, which relays it with an `Announce`."""
    member = member_server.actor("user", generate_key_pair())
    event = group_event(member_server, member, group_uri)["object"]
    assert not event["id"].startswith(group_server.base)
    member_server.documents[event["id"].removeprefix(member_server.base)] = event
    return str(event["id"])


def relay(group_uri: str, event: dict[str, Any] | str, n: int = 1) -> dict[str, Any]:
    return {
        "id": f"{group_uri}/announces/{n}",
        "type": "Announce",
        "actor": group_uri,
        "object": event,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }


async def test_a_group_relays_its_members_event_from_another_server(
    instance: Instance,
    group: str,
    mobilizon: FakePeer,
    elsewhere: FakePeer,
    member_keys: KeyPair,
    intruder_keys: KeyPair,
) -> None:
    group_keys = generate_key_pair()
    mobilizon_group = mobilizon.actor("group", group_keys, kind="Group")
    await follow_group(instance, mobilizon_group)
    member = elsewhere.actor("user", member_keys)
    event = group_event(elsewhere, member, mobilizon_group)["object"]
    event_id = event["id"]
    path = event_id.removeprefix(elsewhere.base)
    elsewhere.documents[path] = event

    # Embedded with a changed name: it is not on the group's server, so it is fetched again
    # from the member's server and the embed is not believed.
    planted = {**event, "name": "Not what the member wrote"}
    key = f"{mobilizon_group}#main-key"
    assert await post(instance, relay(mobilizon_group, planted), group_keys, key) == 202
    assert elsewhere.fetches[path] == 1
    async with instance.database.reading() as session:
        [item] = await network.list_network(session)
    assert item.uri == event_id and item.name == "My first event" and item.type == "Event"
    assert item.actor_uri == mobilizon_group, "shown as the group's, not the member's"

    # Someone else on the group's server is not the event's origin: no change.
    other_keys = generate_key_pair()
    other = mobilizon.actor("other", other_keys)
    assert await post(instance, deletion(other, event_id), other_keys, f"{other}#main-key") == 202
    assert await network_uris(instance) == [event_id]

    # The member, on the server that holds the event, deletes it: it leaves the network view.
    assert (
        await post(instance, deletion(member, event_id), member_keys, f"{member}#main-key") == 202
    )
    assert await network_uris(instance) == []
    assert await is_deleted(instance, event_id)


async def test_a_group_cannot_relay_another_groups_event(
    instance: Instance, group: str, mobilizon: FakePeer, elsewhere: FakePeer
) -> None:
    """The waiver is the announcing group's word for its own events, not for anyone else's."""
    group_keys = generate_key_pair()
    mobilizon_group = mobilizon.actor("group", group_keys, kind="Group")
    await follow_group(instance, mobilizon_group)
    victim = mobilizon.actor("victim", generate_key_pair(), kind="Group")
    await instance.federation.resolver.actor(victim)  # known here, a Group
    event_id = relayed_event(mobilizon, elsewhere, victim)

    key = f"{mobilizon_group}#main-key"
    assert await post(instance, relay(mobilizon_group, event_id), group_keys, key) == 403
    assert await count(instance, RemoteObject) == 0
    assert await count(instance, RemoteBoost) == 0
    assert await count(instance, InboxActivity) == 0


async def test_a_person_announcing_a_group_event_is_not_a_relay(
    instance: Instance, group: str, mobilizon: FakePeer, elsewhere: FakePeer
) -> None:
    """Only the group itself vouches for its event on another server; a person's boost does not."""
    mobilizon_group = mobilizon.actor("group", generate_key_pair(), kind="Group")
    await follow_group(instance, mobilizon_group)
    person_keys = generate_key_pair()
    person = mobilizon.actor("person", person_keys)
    await follow_group(instance, person)
    event_id = relayed_event(mobilizon, elsewhere, mobilizon_group)

    boost = {**relay(person, event_id), "actor": person}
    assert await post(instance, boost, person_keys, f"{person}#main-key") == 403
    assert await count(instance, RemoteObject) == 0
    assert await count(instance, RemoteBoost) == 0
    assert await count(instance, InboxActivity) == 0


async def test_anyone_may_boost_a_group_event_the_group_relayed(
    instance: Instance, group: str, mobilizon: FakePeer, elsewhere: FakePeer
) -> None:
    """Once the group vouched for its event, a person's boost of it is an ordinary boost."""
    group_keys = generate_key_pair()
    mobilizon_group = mobilizon.actor("group", group_keys, kind="Group")
    await follow_group(instance, mobilizon_group)
    person_keys = generate_key_pair()
    person = mobilizon.actor("person", person_keys)
    await follow_group(instance, person)
    event_id = relayed_event(mobilizon, elsewhere, mobilizon_group)
    key = f"{mobilizon_group}#main-key"
    assert await post(instance, relay(mobilizon_group, event_id), group_keys, key) == 202

    boost = {**relay(person, event_id), "actor": person}
    assert await post(instance, boost, person_keys, f"{person}#main-key") == 202
    assert await count(instance, RemoteBoost) == 2
    async with instance.database.reading() as session:
        [item] = await network.list_network(session)
    assert item.uri == event_id and item.actor_uri == mobilizon_group


async def test_a_group_relays_its_members_event_update(
    instance: Instance, group: str, mobilizon: FakePeer, elsewhere: FakePeer
) -> None:
    """Mobilizon relays an edit as the group's Announce of the member's Update (FEP-1b12)."""
    group_keys = generate_key_pair()
    mobilizon_group = mobilizon.actor("group", group_keys, kind="Group")
    await follow_group(instance, mobilizon_group)
    event_id = relayed_event(mobilizon, elsewhere, mobilizon_group)
    key = f"{mobilizon_group}#main-key"
    assert await post(instance, relay(mobilizon_group, event_id), group_keys, key) == 202

    path = event_id.removeprefix(elsewhere.base)
    edited = {**elsewhere.documents[path], "name": "My first event, moved to Friday"}
    elsewhere.documents[path] = edited
    member = f"{elsewhere.base}/users/user"  # made by relayed_event
    update = {
        "id": f"{member}/updates/1",
        "type": "Update",
        "actor": member,
        "object": edited,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    elsewhere.documents["/users/user/updates/1"] = update  # where it is believed from
    assert await post(instance, relay(mobilizon_group, update, 2), group_keys, key) == 202
    async with instance.database.reading() as session:
        [item] = await network.list_network(session)
    assert item.name == "My first event, moved to Friday"
    assert item.actor_uri == mobilizon_group
