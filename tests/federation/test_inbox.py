"""Who may do what: every refusal of the inbox, each with no side effect."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import func, select

from fedhub.activitypub.keys import KeyPair
from fedhub.activitypub.signatures import sign_request
from fedhub.store import actors, remote
from fedhub.store.tables import Delivery, Follower, Following, InboxActivity, RemoteObject
from tests.conftest import Instance
from tests.federation.fake_peer import FakePeer

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def post(
    instance: Instance,
    activity: dict[str, Any],
    keys: KeyPair | None,
    key_id: str = "",
    *,
    body: bytes | None = None,
    now: datetime | None = None,
    drop: tuple[str, ...] = (),
    inbox: str | None = None,
) -> int:
    """POST an activity to the group inbox, signed as given; returns the status."""
    url = inbox or instance.uris.inbox("kyiv")
    payload = json.dumps(activity).encode()
    headers = {"Content-Type": "application/activity+json"}
    if keys is not None:
        headers.update(
            sign_request(
                method="POST",
                url=url,
                body=payload,
                key_id=key_id,
                private_key_pem=keys.private_pem,
                now=now or datetime.now(UTC),
            )
        )
    for name in drop:
        headers.pop(name, None)
    async with instance.http.post(url, data=body or payload, headers=headers) as response:
        return response.status


def follow(actor: str, group: str, n: int = 1) -> dict[str, Any]:
    return {"id": f"{actor}/follows/{n}", "type": "Follow", "actor": actor, "object": group}


async def count(instance: Instance, table: Any) -> int:
    async with instance.database.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def nothing_happened(instance: Instance) -> None:
    assert await count(instance, InboxActivity) == 0
    assert await count(instance, Follower) == 0
    assert await count(instance, RemoteObject) == 0


async def test_a_signed_follow_is_accepted_once(
    instance: Instance, group: str, peer: FakePeer, alice_keys: KeyPair
) -> None:
    alice = peer.actor("alice", alice_keys)
    activity = follow(alice, group)
    assert await post(instance, activity, alice_keys, f"{alice}#main-key") == 202
    assert await post(instance, activity, alice_keys, f"{alice}#main-key") == 202
    assert await count(instance, Follower) == 1
    assert await count(instance, Delivery) == 1, "one Accept, not two"


async def test_unsigned_is_401(
    instance: Instance, group: str, peer: FakePeer, alice_keys: KeyPair
) -> None:
    alice = peer.actor("alice", alice_keys)
    assert await post(instance, follow(alice, group), None) == 401
    await nothing_happened(instance)


@pytest.mark.parametrize("left_out", ["digest", "date", "host"])
async def test_signature_must_cover_date_digest_host(
    instance: Instance, group: str, peer: FakePeer, alice_keys: KeyPair, left_out: str
) -> None:
    """A valid signature that does not cover one of the required headers is refused."""
    alice = peer.actor("alice", alice_keys)
    url = instance.uris.inbox("kyiv")
    body = json.dumps(follow(alice, group)).encode()
    headers = sign_request(
        method="POST",
        url=url,
        body=body,
        key_id=f"{alice}#main-key",
        private_key_pem=alice_keys.private_pem,
        now=datetime.now(UTC),
    )
    covered = [h for h in ("(request-target)", "host", "date", "digest") if h != left_out]
    values = {k.lower(): v for k, v in headers.items()}
    values["(request-target)"] = f"post {urlsplit(url).path}"
    signing_string = "\n".join(f"{h}: {values[h]}" for h in covered).encode()
    key = serialization.load_pem_private_key(alice_keys.private_pem.encode(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signature = base64.b64encode(key.sign(signing_string, padding.PKCS1v15(), hashes.SHA256()))
    headers["Signature"] = (
        f'keyId="{alice}#main-key",algorithm="rsa-sha256",headers="{" ".join(covered)}",'
        f'signature="{signature.decode()}"'
    )
    headers["Content-Type"] = "application/activity+json"
    async with instance.http.post(url, data=body, headers=headers) as response:
        assert response.status == 401
    await nothing_happened(instance)


async def test_digest_mismatch_is_401(
    instance: Instance, group: str, peer: FakePeer, alice_keys: KeyPair
) -> None:
    alice = peer.actor("alice", alice_keys)
    tampered = json.dumps(follow(alice, group, 2)).encode()
    assert (
        await post(instance, follow(alice, group), alice_keys, f"{alice}#main-key", body=tampered)
        == 401
    )
    await nothing_happened(instance)


async def test_stale_date_is_401(
    instance: Instance, group: str, peer: FakePeer, alice_keys: KeyPair
) -> None:
    alice = peer.actor("alice", alice_keys)
    old = datetime.now(UTC) - timedelta(hours=2)
    assert (
        await post(instance, follow(alice, group), alice_keys, f"{alice}#main-key", now=old) == 401
    )
    await nothing_happened(instance)


async def test_key_of_another_actor_is_refused(
    instance: Instance, group: str, peer: FakePeer, alice_keys: KeyPair, mallory_keys: KeyPair
) -> None:
    alice = peer.actor("alice", alice_keys)
    mallory = peer.actor("mallory", mallory_keys)
    # Mallory signs, claiming to be Alice.
    assert await post(instance, follow(alice, group), mallory_keys, f"{mallory}#main-key") == 401
    await nothing_happened(instance)


async def test_bogus_key_ids_are_not_fetched_in_a_loop(
    instance: Instance, group: str, peer: FakePeer, alice_keys: KeyPair
) -> None:
    ghost = f"{peer.base}/users/ghost"
    for n in range(3):
        assert await post(instance, follow(ghost, group, n), alice_keys, f"{ghost}#main-key") == 401
    assert peer.fetches["/users/ghost"] == 1
    await nothing_happened(instance)


async def test_rotated_key_is_refetched_once(
    instance: Instance, group: str, peer: FakePeer, alice_keys: KeyPair, mallory_keys: KeyPair
) -> None:
    alice = peer.actor("alice", alice_keys)
    assert await post(instance, follow(alice, group), alice_keys, f"{alice}#main-key") == 202
    peer.actor("alice", mallory_keys)  # Alice rotates to a new key
    assert await post(instance, follow(alice, group, 2), mallory_keys, f"{alice}#main-key") == 202
    assert peer.fetches["/users/alice"] == 2


async def followed(instance: Instance, actor_uri: str) -> None:
    """Make the group follow a remote actor (as if it had accepted), so its posts are kept."""
    async with instance.database.transaction() as session:
        group = await actors.get_group_row(session, "kyiv")
        row = await remote.get_remote_actor(session, actor_uri)
        assert row is not None
        session.add(
            Following(
                local_actor_id=group.id,
                remote_actor_id=row.id,
                state="accepted",
                follow_activity_uri=f"{instance.uris.group('kyiv')}/activities/f{row.id}",
            )
        )


def note(actor: str, n: int, author: str | None = None) -> dict[str, Any]:
    return {
        "id": f"{actor}/notes/{n}",
        "type": "Note",
        "attributedTo": author or actor,
        "content": f"<p>note {n}</p>",
        "to": [PUBLIC],
        "published": "2026-11-20T10:00:00Z",
    }


def create(actor: str, obj: dict[str, Any], n: int) -> dict[str, Any]:
    return {
        "id": f"{actor}/activities/{n}",
        "type": "Create",
        "actor": actor,
        "object": obj,
        "to": [PUBLIC],
    }


async def test_create_attributed_to_another_actor_is_refused(
    instance: Instance, group: str, peer: FakePeer, alice_keys: KeyPair, mallory_keys: KeyPair
) -> None:
    alice = peer.actor("alice", alice_keys)
    mallory = peer.actor("mallory", mallory_keys)
    assert await post(instance, follow(mallory, group), mallory_keys, f"{mallory}#main-key") == 202
    await followed(instance, mallory)
    forged = create(mallory, note(mallory, 1, author=alice), 1)
    assert await post(instance, forged, mallory_keys, f"{mallory}#main-key") == 403
    assert await count(instance, RemoteObject) == 0
    genuine = create(mallory, note(mallory, 2), 2)
    assert await post(instance, genuine, mallory_keys, f"{mallory}#main-key") == 202
    assert await count(instance, RemoteObject) == 1


async def test_update_and_delete_of_anothers_object_change_nothing(
    instance: Instance, group: str, peer: FakePeer, alice_keys: KeyPair, mallory_keys: KeyPair
) -> None:
    alice = peer.actor("alice", alice_keys)
    mallory = peer.actor("mallory", mallory_keys)
    for actor, keys in ((alice, alice_keys), (mallory, mallory_keys)):
        assert await post(instance, follow(actor, group), keys, f"{actor}#main-key") == 202
        await followed(instance, actor)
    original = note(alice, 1)
    assert await post(instance, create(alice, original, 1), alice_keys, f"{alice}#main-key") == 202
    edited = {**original, "content": "<p>defaced</p>"}
    update = {"id": f"{mallory}/activities/u", "type": "Update", "actor": mallory, "object": edited}
    assert await post(instance, update, mallory_keys, f"{mallory}#main-key") in (202, 403)
    delete = {
        "id": f"{mallory}/activities/d",
        "type": "Delete",
        "actor": mallory,
        "object": original["id"],
    }
    assert await post(instance, delete, mallory_keys, f"{mallory}#main-key") == 202
    async with instance.database.reading() as session:
        row = await remote.get_remote_object(session, original["id"])
    assert row is not None and row.deleted_at is None
    assert row.content_html == "<p>note 1</p>"


async def test_announced_objects_come_from_their_own_origin(
    instance: Instance,
    group: str,
    peer: FakePeer,
    other_peer: FakePeer,
    alice_keys: KeyPair,
    mallory_keys: KeyPair,
) -> None:
    alice = peer.actor("alice", alice_keys)
    bob = other_peer.actor("bob", mallory_keys)
    assert await post(instance, follow(alice, group), alice_keys, f"{alice}#main-key") == 202
    await followed(instance, alice)
    real = note(bob, 1)
    other_peer.documents["/users/bob/notes/1"] = real
    # Alice embeds a forged copy of Bob's note: fedhub must refetch it from Bob's server.
    forged = {**real, "content": "<p>forged words</p>"}
    boost = {
        "id": f"{alice}/boosts/1",
        "type": "Announce",
        "actor": alice,
        "object": forged,
        "to": [PUBLIC],
    }
    assert await post(instance, boost, alice_keys, f"{alice}#main-key") == 202
    async with instance.database.reading() as session:
        row = await remote.get_remote_object(session, real["id"])
    assert row is not None and row.content_html == "<p>note 1</p>"
    # A document served at one origin claiming an id on another is discarded.
    peer.documents["/objects/spoof"] = {**note(bob, 2)}
    spoof = {
        "id": f"{alice}/boosts/2",
        "type": "Announce",
        "actor": alice,
        "object": f"{peer.base}/objects/spoof",
        "to": [PUBLIC],
    }
    assert await post(instance, spoof, alice_keys, f"{alice}#main-key") in (400, 404, 422)
    async with instance.database.reading() as session:
        assert await remote.get_remote_object(session, f"{bob}/notes/2") is None


async def test_unknown_types_are_accepted_and_ignored(
    instance: Instance, group: str, peer: FakePeer, alice_keys: KeyPair
) -> None:
    alice = peer.actor("alice", alice_keys)
    like = {"id": f"{alice}/likes/1", "type": "Like", "actor": alice, "object": group}
    assert await post(instance, like, alice_keys, f"{alice}#main-key") == 202
    assert await count(instance, Follower) == 0


async def test_undo_of_anothers_follow_changes_nothing(
    instance: Instance, group: str, peer: FakePeer, alice_keys: KeyPair, mallory_keys: KeyPair
) -> None:
    alice = peer.actor("alice", alice_keys)
    mallory = peer.actor("mallory", mallory_keys)
    alice_follow = follow(alice, group)
    assert await post(instance, alice_follow, alice_keys, f"{alice}#main-key") == 202
    forged = {"id": f"{mallory}/undo/1", "type": "Undo", "actor": mallory, "object": alice_follow}
    assert await post(instance, forged, mallory_keys, f"{mallory}#main-key") == 202
    by_id = {
        "id": f"{mallory}/undo/2",
        "type": "Undo",
        "actor": mallory,
        "object": alice_follow["id"],
    }
    assert await post(instance, by_id, mallory_keys, f"{mallory}#main-key") == 202
    assert await count(instance, Follower) == 1
    genuine = {"id": f"{alice}/undo/1", "type": "Undo", "actor": alice, "object": alice_follow}
    assert await post(instance, genuine, alice_keys, f"{alice}#main-key") == 202
    assert await count(instance, Follower) == 0


async def test_a_huge_body_is_refused_before_it_is_read(instance: Instance, group: str) -> None:
    huge = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    async with instance.http.post(instance.uris.inbox("kyiv"), data=huge) as response:
        assert response.status == 413

    async def chunked() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b" " * 65536

    async with instance.http.post(instance.uris.inbox("kyiv"), data=chunked()) as response:
        assert response.status == 413
    await nothing_happened(instance)
