"""Domain blocks: what an entry covers, and a blocked server cut off over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from fedhub.actions import domain_blocks, follows, publish
from fedhub.activitypub.keys import KeyPair
from fedhub.domain.drafts import validate_article
from fedhub.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedhub.federation.blocklist import blocked_by, normalise_domain
from fedhub.store import actors
from fedhub.store import follows as follow_store
from fedhub.store.tables import Delivery, DomainBlock, Follower, Following, RemoteObject
from tests.conftest import Instance
from tests.federation.conftest import eventually
from tests.federation.fake_peer import FakePeer
from tests.federation.test_inbox import count, create, follow, followed, note, post


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Example.ORG", "example.org"),
        ("  *.example.org. ", "example.org"),
        ("приклад.укр", "xn--80aikifvh.xn--j1amh"),
        ("social.example.org:8443", "social.example.org:8443"),
        ("127.0.0.1:8080", "127.0.0.1:8080"),
    ],
)
def test_an_entry_is_stored_in_one_spelling(text: str, stored: str) -> None:
    assert normalise_domain(text) == stored


@pytest.mark.parametrize(
    "text",
    [
        "",
        "https://example.org/",
        "user@example.org",
        "exa mple.org",
        "example.org:0",
        "example.org:x",
        "-bad-.org",
        "a..b",
    ],
)
def test_what_is_not_a_domain_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_domain(text)


def test_an_entry_covers_its_subdomains_and_a_port_entry_one_server() -> None:
    entries = ["example.org", "127.0.0.1:8080"]
    assert blocked_by(entries, "https://example.org/users/a") == "example.org"
    assert blocked_by(entries, "https://social.Example.org:444/users/a") == "example.org"
    assert blocked_by(entries, "https://notexample.org/users/a") is None
    assert blocked_by(entries, "https://example.org.evil.net/users/a") is None
    assert blocked_by(entries, "http://127.0.0.1:8080/inbox") == "127.0.0.1:8080"
    assert blocked_by(entries, "http://127.0.0.1:8081/inbox") is None
    assert blocked_by(["example.net:443"], "https://example.net/inbox") == "example.net:443"
    assert blocked_by(["example.net:443"], "http://example.net/inbox") is None
    assert blocked_by(entries, "social.example.org") == "example.org"
    assert blocked_by(["xn--80aikifvh.xn--j1amh"], "https://соц.приклад.укр/users/a") is not None


async def test_a_blocked_server_is_cut_off_and_what_it_left_goes(
    instance: Instance,
    group: str,
    peer: FakePeer,
    other_peer: FakePeer,
    alice_keys: KeyPair,
    mallory_keys: KeyPair,
) -> None:
    ctx = instance.federation
    alice = peer.actor("alice", alice_keys)  # on the server to block
    olena = other_peer.actor("olena", mallory_keys)  # elsewhere: untouched
    for actor, keys in ((alice, alice_keys), (olena, mallory_keys)):
        assert await post(instance, follow(actor, group), keys, f"{actor}#main-key") == 202
        await followed(instance, actor)
        kept = create(actor, note(actor, 1), 1)
        assert await post(instance, kept, keys, f"{actor}#main-key") == 202
    draft = validate_article(group_slug="kyiv", lang="en", title="Queued", body_markdown="Hi.")
    await publish.publish_article(instance.database, instance.settings, draft)
    assert await count(instance, Follower) == await count(instance, Following) == 2
    assert await count(instance, RemoteObject) == 2

    host = f"127.0.0.1:{peer.port}"
    blocked = await domain_blocks.block_domain(ctx, host, "harvests members' handles")
    assert (blocked.domain, blocked.actors_removed) == (host, 1)
    assert blocked.deliveries_dropped >= 1
    with pytest.raises(Conflict):
        await domain_blocks.block_domain(ctx, host)

    # Its actor's follows both ways and its posts are gone; the other server's stay.
    assert await count(instance, Follower) == await count(instance, Following) == 1
    assert await count(instance, RemoteObject) == 1
    async with instance.database.reading() as session:
        states = {
            (inbox.startswith(peer.base), state)
            for inbox, state in await session.execute(select(Delivery.inbox, Delivery.state))
        }
    assert (True, "pending") not in states and (True, "failed") in states
    assert (False, "pending") in states or (False, "delivered") in states

    # Its requests are refused before any key is fetched; nothing on it is fetched.
    peer.fetches.clear()
    ctx.resolver.forget_actor(alice)  # so only the block stands between her and a key fetch
    again = follow(alice, group, 2)
    assert await post(instance, again, alice_keys, f"{alice}#main-key") == 403
    assert await count(instance, Follower) == 1
    with pytest.raises(Forbidden, match="does not federate"):
        await follows.follow(ctx, "kyiv", f"{peer.base}/users/carol")
    assert sum(peer.fetches.values()) == 0

    assert [b.domain for b in await domain_blocks.list_blocks(ctx)] == [host]
    assert await domain_blocks.unblock_domain(ctx, host) == host
    with pytest.raises(NotFound):
        await domain_blocks.unblock_domain(ctx, host)
    # Unblocked, the server may ask again; nothing came back by itself.
    assert await count(instance, Follower) == 1
    assert await post(instance, follow(alice, group, 3), alice_keys, f"{alice}#main-key") == 202
    assert await count(instance, Follower) == 2


async def test_nothing_queued_is_sent_to_a_blocked_server(
    instance: Instance, group: str, peer: FakePeer, alice_keys: KeyPair
) -> None:
    """A follower another process's block has not removed yet still gets nothing from us."""
    alice = await instance.federation.resolver.actor(peer.actor("alice", alice_keys))
    host = f"127.0.0.1:{peer.port}"
    async with instance.database.transaction() as session:
        kyiv = await actors.get_group_row(session, "kyiv")
        await follow_store.put_follower(session, kyiv.id, alice.id, "accepted", f"{alice.uri}/f")
        # The block as the CLI writes it, without this server's removals.
        session.add(DomainBlock(domain=host, reason="", created_at=datetime.now(UTC)))
    instance.federation.resolver.blocklist.forget()  # what the next refresh would read
    draft = validate_article(group_slug="kyiv", lang="en", title="Not for them", body_markdown=".")
    await publish.publish_article(instance.database, instance.settings, draft)
    instance.federation.wake_delivery()

    async def settled() -> str | None:
        async with instance.database.reading() as session:
            rows = (await session.execute(select(Delivery.state, Delivery.last_error))).all()
        return rows[0][1] if [state for state, _ in rows] == ["failed"] else None

    assert await eventually(settled, "the delivery to be dropped") == f"{host} is blocked"
    assert sum(peer.posts.values()) == 0
