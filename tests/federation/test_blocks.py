"""Block, and Follows that cannot be granted: what a peer's refusal ends, and what we refuse."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from fedhub.activitypub.keys import KeyPair, generate_key_pair
from fedhub.store import actors, remote
from fedhub.store import follows as follow_store
from fedhub.store.tables import Follower, LocalActor, OutboxActivity
from tests.conftest import Instance
from tests.federation.fake_peer import FakePeer
from tests.federation.test_inbox import count, follow, followed, post


def block(actor: str, target: str, n: int = 1) -> dict[str, Any]:
    """Mastodon's shape (BlockSerializer): the id is a fragment of the blocker's actor."""
    return {"id": f"{actor}#blocks/{n}", "type": "Block", "actor": actor, "object": target}


async def following_state(instance: Instance, actor_uri: str) -> str | None:
    async with instance.database.reading() as session:
        group = await actors.get_group_row(session, "kyiv")
        known = await remote.get_remote_actor(session, actor_uri)
        assert known is not None
        row = await follow_store.get_following(session, group.id, known.id)
    return row.state if row is not None else None


async def test_a_block_ends_both_follows_between_the_two(
    instance: Instance, group: str, peer: FakePeer, alice_keys: KeyPair, mallory_keys: KeyPair
) -> None:
    alice = peer.actor("alice", alice_keys)
    mallory = peer.actor("mallory", mallory_keys)
    for actor, keys in ((alice, alice_keys), (mallory, mallory_keys)):
        assert await post(instance, follow(actor, group), keys, f"{actor}#main-key") == 202
    await followed(instance, alice)

    # A Block that names nothing is refused as malformed (the schema), and changes nothing.
    shapeless = {"id": f"{alice}#blocks/0", "type": "Block", "actor": alice}
    assert await post(instance, shapeless, alice_keys, f"{alice}#main-key") == 422

    # Mallory's Block ends only Mallory's own follow; a Block of someone elsewhere, nothing.
    assert await post(instance, block(mallory, group), mallory_keys, f"{mallory}#main-key") == 202
    elsewhere = block(alice, f"{peer.base}/users/nobody", 9)
    assert await post(instance, elsewhere, alice_keys, f"{alice}#main-key") == 202
    assert await count(instance, Follower) == 1
    assert await following_state(instance, alice) == "accepted"

    # Alice blocks the group: she is no longer a follower (nothing more is delivered to her),
    # and the group's follow of her is over, as her server has dropped it.
    assert await post(instance, block(alice, group), alice_keys, f"{alice}#main-key") == 202
    assert await count(instance, Follower) == 0
    assert await following_state(instance, alice) == "rejected"
    async with instance.database.reading() as session:
        kyiv = await actors.get_group_row(session, "kyiv")
        assert await follow_store.follower_inboxes(session, kyiv.id) == []

    # Her Undo of the Block restores nothing (nor does Mastodon's): she follows again if she wants.
    undo = {
        "id": f"{alice}#blocks/1/undo",
        "type": "Undo",
        "actor": alice,
        "object": block(alice, group),
    }
    assert await post(instance, undo, alice_keys, f"{alice}#main-key") == 202
    assert await count(instance, Follower) == 0
    assert await following_state(instance, alice) == "rejected"


async def test_a_follow_of_a_members_person_is_rejected(
    instance: Instance, group: str, peer: FakePeer, alice_keys: KeyPair
) -> None:
    """A Person publishes nothing: the request is refused at once rather than left pending."""
    keys = generate_key_pair()
    async with instance.database.transaction() as session:
        session.add(
            LocalActor(
                kind="person",
                slug="p-0123456789abcdef",
                name="reader-0123",
                summary="",
                lang="und",
                private_key_pem=keys.private_pem,
                public_key_pem=keys.public_pem,
                manually_approves_followers=True,
            )
        )
    person = instance.uris.person("p-0123456789abcdef")
    alice = peer.actor("alice", alice_keys)
    request = {"id": f"{alice}/follows/1", "type": "Follow", "actor": alice, "object": person}
    inbox = instance.uris.person_inbox("p-0123456789abcdef")
    assert await post(instance, request, alice_keys, f"{alice}#main-key", inbox=inbox) == 202
    assert await count(instance, Follower) == 0
    async with instance.database.reading() as session:
        [sent] = (await session.scalars(select(OutboxActivity))).all()
    assert sent.type == "Reject" and sent.payload["actor"] == person
    assert sent.payload["object"]["id"] == request["id"]
