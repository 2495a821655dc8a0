"""Members over real HTTP, on both databases: a private Person follows a group on another
instance, its posts reach the personal feed and its secret Atom feed, unfollowing sends Undo."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import feedparser
import pytest
from sqlalchemy import func, select

from fedhub.actions import accounts, members, publish
from fedhub.actions.groups import create_group
from fedhub.activitypub.jsonld import dropped_terms
from fedhub.activitypub.schemas import validate
from fedhub.domain.drafts import validate_article
from fedhub.store import remote
from fedhub.store.database import Database
from fedhub.store.tables import Account as AccountRow
from fedhub.store.tables import Follower, GroupRole, LocalActor
from tests.conftest import Instance
from tests.federation.conftest import Node, eventually, make_node  # noqa: F401 (a fixture)

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FEED_LINK = re.compile(r'href="([^"]+/me/feed/[A-Za-z0-9_-]+/feed\.atom)"')
AP = "application/activity+json"


class Browser:
    """One logged-in (or not) browser on one instance: its own cookies, no redirects followed."""

    def __init__(self, base: str, http: aiohttp.ClientSession) -> None:
        self.base, self.http = base, http

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.base + path, allow_redirects=False) as response:
            return response.status, await response.text()

    async def post(self, path: str, form: dict[str, str]) -> tuple[int, str]:
        async with self.http.post(self.base + path, data=form, allow_redirects=False) as response:
            return response.status, await response.text()

    async def submit(self, page: str, action: str, form: dict[str, str]) -> tuple[int, str]:
        """Open the page holding the form, then post it with that page's CSRF token."""
        status, body = await self.get(page)
        assert status == 200, body
        found = CSRF.search(body)
        assert found, body
        return await self.post(action, {**form, "csrf": found.group(1)})

    async def log_in(self, database: Database, name: str, role: str, group: str | None) -> None:
        """Made with a one-time login link, as `fedhub user create` prints one."""
        _, token = await accounts.create_user(database, name, role, group)
        status, _ = await self.submit(f"/login/{token}", f"/login/{token}", {})
        assert status == 303


@pytest.fixture
async def sessions() -> AsyncIterator[Callable[[], aiohttp.ClientSession]]:
    made: list[aiohttp.ClientSession] = []

    def new() -> aiohttp.ClientSession:
        made.append(aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)))
        return made[-1]

    yield new
    for session in made:
        await session.close()


async def test_a_member_follows_reads_and_unfollows_a_remote_group(
    make_node: Callable[[str, str], Awaitable[Node]],  # noqa: F811
    sessions: Callable[[], aiohttp.ClientSession],
) -> None:
    home = await make_node("home", "pride")
    away = await make_node("away", "news")
    member = Browser(home.settings.base_url, sessions())
    await member.log_in(home.database, "olena_k", "member", "pride")

    status, _ = await member.submit(
        "/me/following", "/me/following", {"target": away.handle("news")}
    )
    assert status == 303
    account = (await accounts.list_users(home.database))[0]

    async def accepted() -> bool:
        followed = await members.list_followed(home.database, account)
        return [f.state for f in followed] == ["accepted"]

    await eventually(accepted, "the group to accept the member's follow")

    # The Person as peers fetch it: valid, private by default, and without the login name.
    person = await members.get_person(home.database, account)
    assert person is not None and person.name.startswith("reader-") and not person.findable
    person_url = home.uris.person(person.ident)
    async with (
        aiohttp.ClientSession() as http,
        http.get(person_url, headers={"Accept": AP}) as response,
    ):
        assert response.status == 200
        text = await response.text()
    document = json.loads(text)
    validate(document, "person")
    assert dropped_terms(document) == []
    assert "olena" not in text.lower()
    assert document["type"] == "Person" and document["manuallyApprovesFollowers"] is True
    assert document["discoverable"] is False and document["indexable"] is False

    # The remote group publishes; it reaches the personal feed page.
    draft = validate_article(
        group_slug="news",
        lang="uk",
        title="Прайд у Києві",
        body_markdown="Зустрічаємось у суботу.",
        summary="",
        tags=["pride"],
    )
    await publish.publish_article(away.database, away.settings, draft)

    async def on_feed_page() -> str | None:
        status, body = await member.get("/me/feed")
        assert status == 200
        return body if "Прайд у Києві" in body else None

    await eventually(on_feed_page, "the article on /me/feed")
    status, body = await member.get("/me/feed?type=event")
    assert status == 200 and "Прайд у Києві" not in body  # the network page's filters apply
    # What only a member follows stays off the instance's public network page and feeds.
    for public in ("/network", "/network/feed.atom", "/tags/pride"):
        status, body = await member.get(public)
        assert status == 200 and "Прайд у Києві" not in body, public

    # Another member of the same instance, who follows nothing, does not see it.
    other = Browser(home.settings.base_url, sessions())
    await other.log_in(home.database, "taras", "member", "pride")
    status, _ = await other.submit("/me/following", "/me/profile", {"name": "T."})
    assert status == 303
    status, body = await other.get("/me/feed")
    assert status == 200 and "Прайд у Києві" not in body

    # The personal Atom feed, read by a feed reader that has no session.
    status, body = await member.submit("/me/following", "/me/feed-token", {})
    assert status == 201
    found = FEED_LINK.search(body)
    assert found, body
    atom_url = found.group(1)
    async with aiohttp.ClientSession() as reader, reader.get(atom_url) as response:
        assert response.status == 200
        assert "private" in response.headers["Cache-Control"]
        parsed = feedparser.parse(await response.read())
    assert not parsed.bozo, parsed.bozo_exception
    assert [entry.title for entry in parsed.entries] == ["Прайд у Києві"]

    # A new display name reaches the group's server at once, as an Update of the Person.
    status, _ = await member.submit("/me/following", "/me/profile", {"name": "Hanna"})
    assert status == 303

    async def renamed_there() -> bool:
        async with away.database.reading() as session:
            known = await remote.get_remote_actor(session, person_url)
        return known is not None and known.name == "Hanna"

    await eventually(renamed_there, "the Person's Update at the followed group's server")

    # Unfollowing sends Undo: the remote group forgets its follower.
    status, _ = await member.submit(
        "/me/following", "/me/following/unfollow", {"target": away.uris.group("news")}
    )
    assert status == 303
    assert await members.list_followed(home.database, account) == []

    async def forgotten() -> bool:
        async with away.database.reading() as session:
            count = await session.scalar(select(func.count()).select_from(Follower))
        return count == 0

    await eventually(forgotten, "the Undo to reach the remote group")

    # Revoked feed links stop working; the same 404 as a link that never existed.
    status, _ = await member.submit("/me/following", "/me/feed-token/revoke", {})
    assert status == 303
    async with aiohttp.ClientSession() as reader, reader.get(atom_url) as response:
        assert response.status == 404


async def test_member_pages_need_a_member_and_a_csrf_token(
    instance: Instance, sessions: Callable[[], aiohttp.ClientSession]
) -> None:
    await create_group(instance.database, "pride", "Pride", "", "en")
    stranger = Browser(instance.base_url, sessions())
    status, _ = await stranger.get("/me/feed")
    assert status == 303  # to the login form
    status, _ = await stranger.post("/me/following", {"target": "news@example.org"})
    assert status == 403  # no CSRF token

    # An account whose group was deleted holds no role: not a member any more.
    roleless = Browser(instance.base_url, sessions())
    await roleless.log_in(instance.database, "former", "member", "pride")
    async with instance.database.transaction() as session:
        row = await session.scalar(select(AccountRow).where(AccountRow.name == "former"))
        assert row is not None
        await session.execute(GroupRole.__table__.delete().where(GroupRole.account_id == row.id))
    for path in ("/me/feed", "/me/following"):
        status, _ = await roleless.get(path)
        assert status == 403

    member = Browser(instance.base_url, sessions())
    await member.log_in(instance.database, "olena_k", "member", "pride")
    status, _ = await member.post("/me/following", {"target": "news@example.org"})
    assert status == 403  # logged in, but still no CSRF token

    # A bad target comes back in the form with the reason, and makes no Person.
    status, body = await member.submit("/me/following", "/me/following", {"target": "not a handle"})
    assert status == 400
    assert "not a handle" in body and 'value="not a handle"' in body
    status, body = await member.submit(
        "/me/following", "/me/following", {"target": f"nobody@{instance.settings.domain}"}
    )
    assert status == 404 or status == 400, body
    async with instance.database.reading() as session:
        persons = await session.scalar(
            select(func.count()).select_from(LocalActor).where(LocalActor.kind == "person")
        )
    assert persons == 0

    # A display name too long is refused in the form, and changes nothing.
    status, _ = await member.submit("/me/following", "/me/profile", {"name": "Олена"})
    assert status == 303
    status, body = await member.submit("/me/following", "/me/profile", {"name": "x" * 101})
    assert status == 400 and "longer than 100" in body
    status, body = await member.submit("/me/following", "/me/profile", {"name": "a\x00b"})
    assert status == 400 and "control character" in body
    status, body = await member.submit("/me/following", "/me/following", {"target": "a\x00@b.c"})
    assert status == 400
    status, body = await member.get("/me/following")
    assert 'value="Олена"' in body

    # WebFinger finds a Person only once its member opts in.
    account = {a.name: a for a in await accounts.list_users(instance.database)}["olena_k"]
    person = await members.get_person(instance.database, account)
    assert person is not None
    handle = f"/.well-known/webfinger?resource=acct:{instance.uris.handle(person.ident)}"
    status, _ = await stranger.get(handle)
    assert status == 404
    status, _ = await member.submit(
        "/me/following", "/me/profile", {"name": "Олена", "findable": "1"}
    )
    assert status == 303
    status, body = await stranger.get(handle)
    assert status == 200 and instance.uris.person(person.ident) in body

    # Unknown persons and feed tokens are 404s.
    status, _ = await stranger.get("/users/p-0000000000000000")
    assert status == 404
    status, _ = await stranger.get("/me/feed/" + "a" * 43 + "/feed.atom")
    assert status == 404


INVITE_LINK = re.compile(
    r'<code dir="ltr" class="invite-link">[^<]*(/invite/[A-Za-z0-9_-]+)</code>'
)


async def test_an_editor_invites_members_of_their_group_only(
    instance: Instance, sessions: Callable[[], aiohttp.ClientSession]
) -> None:
    await create_group(instance.database, "pride", "Pride", "", "en")
    await create_group(instance.database, "other", "Other", "", "en")
    editor = Browser(instance.base_url, sessions())
    await editor.log_in(instance.database, "editor_a", "editor", "pride")
    status, body = await editor.get("/admin/invites")
    assert status == 200 and "Pride" in body and "Other" not in body
    assert "Pending invites" not in body  # the admin's list of everyone's invites stays hidden

    for form in ({"role": "editor", "group": "pride"}, {"role": "member", "group": "other"}):
        status, body = await editor.submit("/admin/invites", "/admin/invites", form)
        assert status == 403, body
    status, body = await editor.submit(
        "/admin/invites", "/admin/invites", {"role": "member", "group": "pride"}
    )
    assert status == 201
    found = INVITE_LINK.search(body)
    assert found, body
    invite = found.group(1)

    # Someone already logged in accepts it: the role joins their account, no new account.
    member = Browser(instance.base_url, sessions())
    await member.log_in(instance.database, "olena_k", "editor", "other")
    status, body = await member.get(invite)
    assert status == 200 and "Accept with my account" in body and 'name="password"' not in body
    status, _ = await member.submit(invite, invite, {})
    assert status == 303
    users = {a.name: a for a in await accounts.list_users(instance.database)}
    assert set(users) == {"editor_a", "olena_k"}
    assert users["olena_k"].roles == {"other": "editor", "pride": "member"}
    status, _ = await member.submit("/account", invite, {})
    assert status == 410  # spent


async def test_log_out_everywhere_ends_every_session(
    instance: Instance, sessions: Callable[[], aiohttp.ClientSession]
) -> None:
    await create_group(instance.database, "pride", "Pride", "", "en")
    browser = Browser(instance.base_url, sessions())
    await browser.log_in(instance.database, "olena_k", "member", "pride")
    status, _ = await browser.get("/me/following")
    assert status == 200
    await accounts.log_out_everywhere(instance.database, "olena_k")
    status, _ = await browser.get("/me/following")
    assert status == 303
