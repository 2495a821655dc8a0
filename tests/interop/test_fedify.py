"""Interoperability with a peer fedhub did not write: a Fedify server on 127.0.0.1.

Fedify verifies HTTP Signatures, checks that the signing key belongs to the activity's actor
and parses every document with its own vocabulary classes before its inbox listeners see
anything, so an activity listed by the peer is one Fedify accepted, not one fedhub sent.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.actions import follows
from fedhub.actions.groups import create_group
from fedhub.actions.publish import (
    Upload,
    add_translation,
    delete_post,
    publish_article,
    publish_event,
)
from fedhub.domain.drafts import validate_article, validate_event
from fedhub.federation.context import FederationContext
from fedhub.federation.setup import federation
from fedhub.net.client import Signer
from fedhub.store import actors, remote
from fedhub.store import follows as follow_rows
from fedhub.store.network import list_network
from fedhub.store.tables import Follower, Following
from tests.conftest import Instance

PEER_DIR = Path(__file__).resolve().parent / "fedify_peer"
INSTALL = "npm ci --prefix tests/interop/fedify_peer"  # from the repository's root
DEADLINE = 20.0  # seconds any one exchange may take; each takes well under one here
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

T = TypeVar("T")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: what crosses the wire does not depend on the database, and this stays fast."""
    return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"


def node_or_skip() -> str:
    """Node and the peer's packages, or a skip saying how to get them (a failure in CI)."""
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("`node` is not on PATH (Node.js 20 or later)")
    if not (PEER_DIR / "node_modules" / "@fedify" / "fedify").is_dir():
        missing.append(f"the Fedify peer's packages are not installed: run `{INSTALL}`")
    if missing:
        reason = "Fedify interoperability test: " + "; ".join(missing)
        if os.environ.get("FEDHUB_REQUIRE_INTEROP") == "1":
            pytest.fail(reason + " (FEDHUB_REQUIRE_INTEROP=1)")
        pytest.skip(reason)
    assert node is not None
    return node


@dataclass
class FedifyPeer:
    """The running peer and its control API (see fedify_peer/peer.mjs)."""

    origin: str
    actor: str
    http: aiohttp.ClientSession
    log_path: Path
    last_received: list[dict[str, Any]] = field(default_factory=list)

    def log(self) -> str:
        """What Fedify logged (why it refused a request, if it did) and what it accepted."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")[-6000:]
        accepted = [(a["type"], a["id"]) for a in self.last_received]
        return f"{text}\n--- verified activities so far: {accepted}"

    async def call(self, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.origin}/_control/{path}"
        request = self.http.get(url) if body is None else self.http.post(url, json=body)
        async with request as response:
            answer = await response.json(content_type=None)
        assert response.status == 200, f"peer {path}: {answer}\n--- peer log ---\n{self.log()}"
        return answer

    async def received(self) -> list[dict[str, Any]]:
        answer = await self.call("received")
        assert not answer["errors"], f"peer inbox listeners failed: {answer['errors']}"
        self.last_received = answer["activities"]
        return self.last_received

    async def wait_received(
        self, kind: str, match: Callable[[dict[str, Any]], bool] = lambda _: True
    ) -> dict[str, Any]:
        """The first verified activity of this type that matches, once Fedify has it."""

        async def probe() -> dict[str, Any] | None:
            return next((a for a in await self.received() if a["type"] == kind and match(a)), None)

        return await wait_for(probe, f"the peer to receive and verify a {kind}", self)


@pytest.fixture
async def peer(tmp_path: Path) -> AsyncIterator[FedifyPeer]:
    node = node_or_skip()
    out_path, log_path = tmp_path / "peer.out", tmp_path / "peer.log"
    with out_path.open("wb") as out, log_path.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            node, "peer.mjs", "0", cwd=PEER_DIR, stdout=out, stderr=err
        )
    try:
        ready = await _ready_line(process, out_path, log_path)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=DEADLINE)) as http:
            yield FedifyPeer(ready["origin"], ready["actor"], http, log_path)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _ready_line(
    process: asyncio.subprocess.Process, out_path: Path, log_path: Path
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while loop.time() < deadline:
        line = out_path.read_text(encoding="utf-8").partition("\n")
        if line[1]:
            ready: dict[str, Any] = json.loads(line[0])
            return ready
        if process.returncode is not None:
            break
        await asyncio.sleep(0.05)
    pytest.fail(f"the Fedify peer did not start:\n{log_path.read_text(errors='replace')}")


async def wait_for(
    probe: Callable[[], Awaitable[T | None]], what: str, peer: FedifyPeer | None = None
) -> T:
    """Poll until `probe` returns something, or fail saying what never happened, and why."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while True:
        value = await probe()
        if value:
            return value
        if loop.time() > deadline:
            log = f"\n--- Fedify peer log ---\n{peer.log()}" if peer is not None else ""
            pytest.fail(f"timed out after {DEADLINE:.0f} s waiting for {what}{log}")
        await asyncio.sleep(0.1)


@asynccontextmanager
async def federation_context(instance: Instance) -> AsyncIterator[FederationContext]:
    """The running app's own context when the fixture exposes it, so its worker wakes at once."""
    ctx: FederationContext | None = getattr(instance, "federation", None)
    if ctx is not None:
        yield ctx
        return
    async with federation(instance.settings, instance.database) as own:
        yield own


@pytest.fixture
async def kyiv(instance: Instance) -> Instance:
    await create_group(instance.database, "kyiv", "Kyiv group", "Новини громади Києва.", "uk")
    return instance


# --------------------------------------------------------------------------- discovery


async def test_fedify_reads_the_group_actor_and_webfinger(peer: FedifyPeer, kyiv: Instance) -> None:
    group = kyiv.uris.group("kyiv")
    actor = await peer.call("lookup", {"target": group})
    assert actor["type"] == "Group"
    assert actor["id"] == group
    assert actor["preferredUsername"] == "kyiv"
    assert actor["name"] == "Kyiv group"
    assert actor["inbox"] == kyiv.uris.inbox("kyiv")
    assert actor["outbox"] == kyiv.uris.outbox("kyiv")
    assert actor["followers"] == kyiv.uris.followers("kyiv")
    assert actor["sharedInbox"] == kyiv.uris.shared_inbox()
    assert actor["manuallyApprovesFollowers"] is False
    assert actor["publicKey"] == {
        "id": kyiv.uris.group_key("kyiv"),
        "owner": group,
        "algorithm": "RSASSA-PKCS1-v1_5",
    }

    # The instance actor signs fedhub's fetches; Fedify must be able to read its key too.
    application = await peer.call("lookup", {"target": kyiv.uris.instance_actor()})
    assert application["type"] == "Application"
    assert application["publicKey"]["owner"] == kyiv.uris.instance_actor()

    # Fedify asks https:// for acct: resources, so it is asked by the actor's URL here.
    jrd = await peer.call("webfinger", {"resource": group})
    assert jrd["subject"] == f"acct:{kyiv.uris.handle('kyiv')}"
    assert {
        "rel": "self",
        "type": "application/activity+json",
        "href": group,
    } in jrd["links"]


# ------------------------------------------------------------ a Fedify actor follows a group


async def test_fedify_follows_a_group_and_verifies_what_it_publishes(
    peer: FedifyPeer, kyiv: Instance
) -> None:
    group = kyiv.uris.group("kyiv")
    follow = await peer.call("follow", {"target": group})
    assert follow["actor"]["type"] == "Group"

    accept = await peer.wait_received("Accept")
    assert accept["actor"] == group
    assert accept["object"]["type"] == "Follow"
    assert accept["object"]["id"] == follow["follow"]
    assert accept["object"]["actor"] == peer.actor
    assert accept["object"]["objectId"] == group
    state = await peer.call("state")
    assert state["following"][group]["state"] == "accepted"

    # Everything is published at once: the worker sends it in one round, in any order.
    article = await publish_article(
        kyiv.database,
        kyiv.settings,
        validate_article(
            group_slug="kyiv",
            lang="uk",
            title="Збори громади",
            body_markdown="Зустрічаємось у **суботу**.\n\nПриходьте всі.",
            summary="Збори в суботу",
            tags=["громада"],
        ),
        [Upload("agenda.pdf", PDF, "application/pdf", "Порядок денний")],
    )
    article_id = kyiv.uris.post("kyiv", "article", article.public_id)
    await add_translation(
        kyiv.database,
        kyiv.settings,
        article_id,
        lang="en",
        title="Community meeting",
        body_markdown="We meet on **Saturday**.\n\nEveryone is welcome.",
        summary="A meeting on Saturday",
    )
    event = await publish_event(
        kyiv.database,
        kyiv.settings,
        validate_event(
            group_slug="kyiv",
            lang="uk",
            title="Толока в парку",
            start="2026-12-05T18:00",
            end="2026-12-05T20:00",
            timezone="Europe/Kyiv",
            body_markdown="Беріть рукавички.",
            place_name="Маріїнський парк",
            address="вул. Михайла Грушевського, Київ",
            latitude="50.4476",
            longitude="30.5386",
            online_url="https://meet.example.org/toloka",
            tags=["толока"],
        ),
    )
    event_id = kyiv.uris.post("kyiv", "event", event.public_id)
    online = await publish_event(
        kyiv.database,
        kyiv.settings,
        validate_event(
            group_slug="kyiv",
            lang="uk",
            title="Онлайн-зустріч",
            start="2026-12-06T10:00+02:00",
            end="2026-12-06T11:00+02:00",
            timezone="Europe/Kyiv",
            online_url="https://meet.example.org/online",
        ),
    )
    online_id = kyiv.uris.post("kyiv", "event", online.public_id)

    create = await peer.wait_received("Create", lambda a: a["objectId"] == article_id)
    assert create["actor"] == group
    parsed = create["object"]
    assert parsed["type"] == "Article"
    assert parsed["id"] == article_id
    assert parsed["attributedTo"] == [group]
    assert "https://www.w3.org/ns/activitystreams#Public" in parsed["to"]
    assert parsed["name"] == "Збори громади"
    assert parsed["nameMap"]["uk"] == "Збори громади"
    assert parsed["summary"] == "Збори в суботу"
    assert "<strong>суботу</strong>" in parsed["contentMap"]["uk"]
    assert parsed["url"] == article_id
    [attachment] = parsed["attachments"]
    assert attachment["type"] == "Document"
    assert attachment["mediaType"] == "application/pdf"
    assert attachment["name"] == "Порядок денний"
    assert attachment["url"].startswith(f"{kyiv.base_url}/media/")
    [tag] = parsed["tags"]
    assert tag["type"] == "Hashtag"
    assert tag["name"] == "#громада"
    async with kyiv.http.get(attachment["url"]) as response:
        assert response.status == 200
        assert await response.read() == PDF

    # The translation reaches followers as an Update of the same Article, not a second post.
    update = await peer.wait_received("Update", lambda a: a["objectId"] == article_id)
    both = update["object"]
    assert both["type"] == "Article"
    assert set(both["contentMap"]) >= {"uk", "en"}
    assert "<strong>Saturday</strong>" in both["contentMap"]["en"]
    assert both["nameMap"]["en"] == "Community meeting"
    assert both["summaryMap"]["en"] == "A meeting on Saturday"
    assert both["updated"] is not None

    # Every id dereferences to what was sent: the Article, and the Create that published it.
    fetched = await peer.call("lookup", {"target": article_id})
    assert (fetched["type"], fetched["contentMap"]) == ("Article", both["contentMap"])
    fetched = await peer.call("lookup", {"target": create["id"]})
    assert (fetched["type"], fetched["objectId"]) == ("Create", article_id)

    create = await peer.wait_received("Create", lambda a: a["objectId"] == event_id)
    parsed = create["object"]
    assert parsed["type"] == "Event"
    assert parsed["name"] == "Толока в парку"
    assert parsed["startTime"] == "2026-12-05T16:00:00Z"  # 18:00 in Kyiv, winter time UTC+2
    assert parsed["endTime"] == "2026-12-05T18:00:00Z"
    assert parsed["summary"]  # when and where, for servers that show nothing else
    [place] = parsed["locations"]
    assert place["type"] == "Place"
    assert place["name"] == "Маріїнський парк"
    assert place["latitude"] == pytest.approx(50.4476)
    assert place["longitude"] == pytest.approx(30.5386)
    links = [a for a in parsed["attachments"] if a["type"] == "Link"]
    assert [link["href"] for link in links] == ["https://meet.example.org/toloka"]

    # Fedify's vocabulary has no schema.org VirtualLocation and drops it without an error; the
    # Mobilizon-style attachment Link still carries the online address to Fedify-based readers.
    create = await peer.wait_received("Create", lambda a: a["objectId"] == online_id)
    parsed = create["object"]
    assert parsed["type"] == "Event"
    assert parsed["startTime"] == "2026-12-06T08:00:00Z"
    assert parsed["locations"] == []
    links = [a for a in parsed["attachments"] if a["type"] == "Link"]
    assert [link["href"] for link in links] == ["https://meet.example.org/online"]

    # Fedify pages through the outbox; the followers collection gives only its size.
    outbox = await peer.call("collection", {"target": kyiv.uris.outbox("kyiv")})
    assert outbox["type"] == "OrderedCollection"
    assert outbox["totalItems"] == 3
    assert [item["type"] for item in outbox["items"]] == ["Create"] * 3
    by_object = {item["objectId"]: item["object"] for item in outbox["items"]}
    assert set(by_object) == {article_id, event_id, online_id}
    assert by_object[article_id]["type"] == "Article"
    assert set(by_object[article_id]["contentMap"]) >= {"uk", "en"}
    assert by_object[event_id]["type"] == "Event"
    followers = await peer.call("collection", {"target": kyiv.uris.followers("kyiv")})
    assert (followers["totalItems"], followers["items"]) == (1, [])

    # A deleted event: Fedify reads the Tombstone, and the event's id is gone for it too.
    await delete_post(kyiv.database, kyiv.settings, online_id)
    delete = await peer.wait_received("Delete", lambda a: a["objectId"] == online_id)
    assert (delete["actor"], delete["object"]["type"]) == (group, "Tombstone")
    async with peer.http.post(
        f"{peer.origin}/_control/lookup", json={"target": online_id}
    ) as response:
        assert response.status == 404, await response.text()

    # Every activity Fedify got was one it verified; nothing it refused went unnoticed.
    assert "Failed to verify" not in peer.log(), peer.log()

    # Fedify's Undo (HTTP-signed, with a Linked Data Signature and an Ed25519 proof) unfollows.
    await peer.call("unfollow", {"target": group})

    async def unfollowed() -> bool:
        async with kyiv.database.reading() as session:
            row = await follower_row(session, "kyiv", peer.actor)
        return row is None

    await wait_for(unfollowed, "fedhub to drop the Fedify follower after its Undo", peer)


# ------------------------------------------------------------ a group follows a Fedify actor


async def test_a_group_follows_a_fedify_actor_and_receives_its_posts(
    peer: FedifyPeer, kyiv: Instance
) -> None:
    async with federation_context(kyiv) as ctx:
        remote_actor, state = await follows.follow(ctx, "kyiv", peer.actor)
        assert (remote_actor.uri, state) == (peer.actor, "pending")
        assert remote_actor.type == "Person"
        assert remote_actor.shared_inbox == f"{peer.origin}/inbox"

        follow = await peer.wait_received("Follow", lambda a: a["actor"] == kyiv.uris.group("kyiv"))
        assert follow["objectId"] == peer.actor

        async def accepted() -> bool:
            async with kyiv.database.reading() as session:
                row = await following_row(session, "kyiv", peer.actor)
            return row is not None and row.state == "accepted"

        await wait_for(accepted, "fedhub to record the Fedify actor's Accept", peer)
        state = await peer.call("state")
        assert kyiv.uris.group("kyiv") in state["followers"]

        note = await peer.call(
            "publish", {"content": "<p>Hello, Kyiv! Привіт!</p>", "language": "en"}
        )
        assert note["followers"] == [kyiv.uris.group("kyiv")]

        async def in_network() -> Any:
            async with kyiv.database.reading() as session:
                items = await list_network(session)
            return next((item for item in items if item.uri == note["note"]), None)

        item = await wait_for(in_network, "the Fedify actor's Note in fedhub's network view", peer)
        assert item.type == "Note"
        assert item.actor_uri == peer.actor
        assert item.actor_handle == f"@alice@{peer.origin.removeprefix('http://')}"
        assert item.lang == "en"

        # The peer serves posts only to signed fetches (authorized fetch): Fedify verifies
        # fedhub's signed GET, and refuses the same GET unsigned.
        fetched = await ctx.resolver.fetch(note["note"])
        assert (fetched["id"], fetched["type"]) == (note["note"], "Note")
        headers = {"Accept": "application/activity+json"}
        async with peer.http.get(note["note"], headers=headers) as response:
            assert response.status == 401

        await follows.unfollow(ctx, "kyiv", peer.actor)
        undo = await peer.wait_received("Undo", lambda a: a["actor"] == kyiv.uris.group("kyiv"))
        assert undo["object"]["type"] == "Follow"
        assert undo["object"]["objectId"] == peer.actor

        async def dropped() -> bool:
            return kyiv.uris.group("kyiv") not in (await peer.call("state"))["followers"]

        await wait_for(dropped, "the Fedify actor to drop the group after its Undo", peer)


# ------------------------------------------------------------------- the peer is no pushover


async def test_the_peer_refuses_what_it_cannot_verify(peer: FedifyPeer, kyiv: Instance) -> None:
    """A control: were the peer lax, the tests above would prove nothing about our signatures."""
    group = kyiv.uris.group("kyiv")
    body = json.dumps(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{group}/activities/forged",
            "type": "Create",
            "actor": group,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {
                "id": f"{group}/articles/forged",
                "type": "Note",
                "attributedTo": group,
                "content": "forged",
            },
        }
    ).encode()
    inbox = f"{peer.origin}/users/alice/inbox"
    headers = {"Content-Type": "application/activity+json"}
    async with peer.http.post(inbox, data=body, headers=headers) as response:
        assert response.status == 401, await response.text()

    # Signed, but by the instance actor's key, for an activity whose actor is the group.
    async with kyiv.database.reading() as session:
        instance_actor = await actors.get_instance_actor_row(session)
    signer = Signer(key_id=kyiv.uris.instance_key(), private_key_pem=instance_actor.private_key_pem)
    async with federation_context(kyiv) as ctx:
        posted = await ctx.client.post_activity(inbox, body, signer=signer)
    assert posted.status == 401
    assert f"and the actor ('{group}') do not match" in peer.log()
    assert await peer.received() == []


async def following_row(session: AsyncSession, slug: str, actor_uri: str) -> Following | None:
    group = await actors.get_group_row(session, slug)
    remote_actor = await remote.get_remote_actor(session, actor_uri)
    if remote_actor is None:
        return None
    return await follow_rows.get_following(session, group.id, remote_actor.id)


async def follower_row(session: AsyncSession, slug: str, actor_uri: str) -> Follower | None:
    group = await actors.get_group_row(session, slug)
    remote_actor = await remote.get_remote_actor(session, actor_uri)
    if remote_actor is None:
        return None
    return await follow_rows.get_follower(session, group.id, remote_actor.id)
