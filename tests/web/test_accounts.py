"""Logging in over real HTTP, on both databases: links, passwords, sessions, CSRF, roles."""

from __future__ import annotations

import dataclasses
import re
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select, update
from yarl import URL

from fedhub.actions import accounts
from fedhub.actions.demo import seed_demo
from fedhub.actions.groups import create_group
from fedhub.domain.accounts import token_hash
from fedhub.store.tables import Account as AccountRow
from fedhub.store.tables import AccountSession, DomainBlock, Invite, LoginToken
from fedhub.web.app import create_app
from fedhub.web.auth import require_account, require_group_role
from tests.conftest import Instance

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Browser:
    """One browser: its own cookie jar (accepting cookies from 127.0.0.1), no redirects followed."""

    def __init__(self, instance: Instance, http: aiohttp.ClientSession) -> None:
        self.base = instance.base_url
        self.http = http

    async def get(self, path: str) -> tuple[aiohttp.ClientResponse, str]:
        async with self.http.get(self.base + path, allow_redirects=False) as response:
            return response, await response.text()

    async def csrf(self, path: str) -> str:
        response, body = await self.get(path)
        assert response.status == 200, body
        found = CSRF.search(body)
        assert found, body
        return found.group(1)

    async def post(
        self, path: str, form: dict[str, str], headers: dict[str, str] | None = None
    ) -> tuple[aiohttp.ClientResponse, str]:
        async with self.http.post(
            self.base + path, data=form, headers=headers, allow_redirects=False
        ) as response:
            return response, await response.text()

    async def submit(
        self, page: str, action: str, form: dict[str, str]
    ) -> tuple[aiohttp.ClientResponse, str]:
        """Open the page holding the form, then post it with that page's CSRF token."""
        return await self.post(action, {**form, "csrf": await self.csrf(page)})

    def plant(self, name: str, value: str) -> None:
        self.http.cookie_jar.update_cookies({name: value}, response_url=URL(self.base))

    def cookie(self, name: str) -> str | None:
        for morsel in self.http.cookie_jar:
            if morsel.key == name:
                return morsel.value
        return None


@pytest.fixture
async def browsers(instance: Instance) -> AsyncIterator[list[Browser]]:
    await seed_demo(instance.database, instance.settings)
    sessions = [aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) for _ in range(3)]
    yield [Browser(instance, s) for s in sessions]
    for s in sessions:
        await s.close()


async def count(instance: Instance, table: type) -> int:
    async with instance.database.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def member_with_password(instance: Instance, name: str, role: str, group: str | None) -> None:
    token = await accounts.create_invite(instance.database, None, role, group)
    await accounts.accept_invite(instance.database, token, name, PASSWORD)


async def log_in(browser: Browser, name: str, password: str = PASSWORD) -> aiohttp.ClientResponse:
    response, _ = await browser.submit(
        "/login", "/login", {"name": name, "password": password, "next": "/account"}
    )
    return response


async def test_a_one_time_link_logs_in_once_then_asks_for_a_password(
    instance: Instance, browsers: list[Browser]
) -> None:
    browser, other = browsers[0], browsers[1]
    _, token = await accounts.create_user(instance.database, "olena", "editor", "demo")
    link = accounts.login_link(instance.base_url, token)
    path = link.removeprefix(instance.base_url)

    # Opening the link (as a messenger's link preview would) spends nothing.
    response, body = await browser.get(path)
    assert response.status == 200 and "olena" in body
    assert response.headers["Cache-Control"] == "no-store"
    response, body = await browser.get(path)
    assert response.status == 200

    response, _ = await browser.submit(path, path, {})
    assert response.status == 303 and response.headers["Location"] == "/account/password"
    response, body = await browser.get("/account/password")
    assert response.status == 200 and "current_password" not in body  # first password

    response, body = await browser.submit(
        "/account/password",
        "/account/password",
        {"password": "short", "password_again": "short"},
    )
    assert response.status == 400 and "at least 10" in body
    response, _ = await browser.submit(
        "/account/password",
        "/account/password",
        {"password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.status == 303
    response, body = await browser.get("/account")
    assert response.status == 200 and "olena" in body and "demo" in body

    # Used: the link is refused from now on, to anyone.
    response, body = await other.get(path)
    assert response.status == 410 and "already used" in body
    assert await count(instance, AccountSession) == 1
    assert (await log_in(other, "olena")).status == 303


async def test_an_expired_link_is_refused(instance: Instance, browsers: list[Browser]) -> None:
    _, token = await accounts.create_user(instance.database, "olena", "member", "demo")
    async with instance.database.transaction() as session:
        await session.execute(
            update(LoginToken).values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    response, body = await browsers[0].get(f"/login/{token}")
    assert response.status == 410 and "expired" in body
    response, _ = await browsers[0].post(
        f"/login/{token}", {"csrf": await browsers[0].csrf("/login")}
    )
    assert response.status == 410
    assert await count(instance, AccountSession) == 0


async def test_a_wrong_password_is_401_and_sets_no_session(
    instance: Instance, browsers: list[Browser]
) -> None:
    await member_with_password(instance, "olena", "editor", "demo")
    before = await count(instance, AccountSession)
    browser = browsers[0]
    response = await log_in(browser, "olena", "not the password")
    assert response.status == 401
    assert "fedhub_session" not in response.cookies
    assert browser.cookie("fedhub_session") is None
    assert await count(instance, AccountSession) == before
    response, _ = await browser.get("/account")
    assert response.status == 303

    response = await log_in(browser, "Olena")
    assert response.status == 303 and response.headers["Location"] == "/account"
    assert await count(instance, AccountSession) == before + 1
    async with instance.database.reading() as session:
        stored = await session.scalar(select(AccountRow.password_hash))
    assert stored is not None and stored.startswith("$argon2id$")


async def test_login_attempts_are_rate_limited(instance: Instance, browsers: list[Browser]) -> None:
    await member_with_password(instance, "olena", "editor", "demo")
    browser = browsers[0]
    for _ in range(5):
        assert (await log_in(browser, "olena", "a wrong guess")).status == 401
    response = await log_in(browser, "olena")  # even the right password waits now
    assert response.status == 429
    assert 0 < int(response.headers["Retry-After"]) <= 900
    assert browser.cookie("fedhub_session") is None

    # Per address too: guessing across many names from one address trips it.
    for i in range(15):
        assert (await log_in(browsers[1], f"name_{i}", "a wrong guess")).status == 401
    response = await log_in(browsers[1], "someone_else", "a wrong guess")
    assert response.status == 429 and "Retry-After" in response.headers


async def test_a_missing_or_wrong_csrf_token_is_403_and_changes_nothing(
    instance: Instance, browsers: list[Browser]
) -> None:
    _, token = await accounts.create_user(instance.database, "root", "admin")
    admin, attacker = browsers[0], browsers[1]
    await admin.submit(f"/login/{token}", f"/login/{token}", {})
    assert admin.cookie("fedhub_session")
    invite = {"role": "editor", "group": "demo"}
    stolen = await attacker.csrf("/login")  # a real token, but of another browser

    for form, headers in [
        (invite, None),
        ({**invite, "csrf": ""}, None),
        ({**invite, "csrf": "forged"}, None),
        ({**invite, "csrf": stolen}, None),
        (invite, {"X-CSRF-Token": stolen}),
    ]:
        response, body = await admin.post("/admin/invites", form, headers)
        assert response.status == 403, body
        assert "security token" in body
    response, _ = await admin.post("/logout", {})
    assert response.status == 403
    assert await count(instance, Invite) == 0
    response, _ = await admin.get("/account")
    assert response.status == 200  # still logged in

    # The token from the page works, as a field or as the X-CSRF-Token header.
    good = await admin.csrf("/admin/invites")
    response, _ = await admin.post("/admin/invites", invite, {"X-CSRF-Token": good})
    assert response.status == 201
    response, body = await admin.post("/admin/invites", {**invite, "csrf": good})
    assert response.status == 201 and "/invite/" in body
    assert await count(instance, Invite) == 2


async def test_the_login_form_itself_needs_the_token(
    instance: Instance, browsers: list[Browser]
) -> None:
    await member_with_password(instance, "olena", "editor", "demo")
    before = await count(instance, AccountSession)
    response, _ = await browsers[0].post("/login", {"name": "olena", "password": PASSWORD})
    assert response.status == 403
    assert await count(instance, AccountSession) == before


async def test_inboxes_are_exempt_they_are_signed(instance: Instance) -> None:
    for path in ["/inbox", "/actor/inbox", "/groups/demo/inbox"]:
        async with instance.http.post(
            instance.base_url + path,
            data=b"{}",
            headers={"Content-Type": "application/activity+json"},
        ) as response:
            body = await response.text()
            assert response.status != 403 and "security token" not in body, (path, body)
    # Unrouted requests keep their own answers: there is nothing to protect.
    for path, status in [("/nowhere", 404), ("/actor/outbox", 405)]:
        async with instance.http.post(instance.base_url + path, data={}) as response:
            assert response.status == status, path


async def test_session_cookie_attributes_on_a_development_instance(
    instance: Instance, browsers: list[Browser]
) -> None:
    await member_with_password(instance, "olena", "member", "demo")
    response = await log_in(browsers[0], "olena")
    header = next(h for h in response.headers.getall("Set-Cookie") if "fedhub_session=" in h)
    attributes = {a.strip().lower() for a in header.split(";")[1:]}
    assert header.startswith("fedhub_session=")
    assert {"httponly", "path=/", "samesite=lax"} <= attributes
    assert "secure" not in attributes and not any(a.startswith("max-age") for a in attributes)


async def test_https_instances_use_a_host_only_secure_cookie(
    instance: Instance, browsers: list[Browser]
) -> None:
    """The same database served as an HTTPS instance (the scheme comes from its settings)."""
    await member_with_password(instance, "olena", "member", "demo")
    settings = dataclasses.replace(instance.settings, scheme="https")
    runner = web.AppRunner(create_app(settings, instance.database, deliver=False))
    await runner.setup()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        try:
            async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
                async with http.get(url + "/login") as response:
                    csrf_cookie: SimpleCookie = SimpleCookie()
                    for header in response.headers.getall("Set-Cookie"):
                        csrf_cookie.load(header)
                    token = CSRF.search(await response.text())
                assert token is not None and "__Host-fedhub_csrf" in csrf_cookie
                assert csrf_cookie["__Host-fedhub_csrf"]["secure"]
                cookie = csrf_cookie["__Host-fedhub_csrf"].value
                async with http.post(
                    url + "/login",
                    data={"name": "olena", "password": PASSWORD, "csrf": token.group(1)},
                    headers={"Cookie": f"__Host-fedhub_csrf={cookie}"},
                    allow_redirects=False,
                ) as response:
                    assert response.status == 303
                    header = next(
                        h for h in response.headers.getall("Set-Cookie") if "_session=" in h
                    )
        finally:
            await runner.cleanup()
    assert header.startswith("__Host-fedhub_session=")
    attributes = {a.strip().lower() for a in header.split(";")[1:]}
    assert {"secure", "httponly", "path=/", "samesite=lax"} <= attributes
    assert not any(a.startswith("domain") for a in attributes)


async def test_logging_in_rotates_the_session_and_logout_ends_it_server_side(
    instance: Instance, browsers: list[Browser]
) -> None:
    await member_with_password(instance, "olena", "editor", "demo")
    browser, thief = browsers[0], browsers[1]
    browser.plant("fedhub_session", "planted-by-someone-else")
    await log_in(browser, "olena")
    first = browser.cookie("fedhub_session")
    assert first != "planted-by-someone-else"
    # Logging in again (from a form of the logged-in session) replaces the session.
    await browser.submit("/account", "/login", {"name": "olena", "password": PASSWORD})
    second = browser.cookie("fedhub_session")
    assert first and second and first != second
    async with instance.database.reading() as session:
        hashes = set(await session.scalars(select(AccountSession.token_hash)))
    assert token_hash(first) not in hashes and token_hash(second) in hashes

    thief.plant("fedhub_session", second)
    response, _ = await thief.get("/account")
    assert response.status == 200  # a copied cookie works... until the owner logs out

    response, _ = await browser.submit("/account", "/logout", {})
    assert response.status == 303
    assert browser.cookie("fedhub_session") in (None, "")
    response, _ = await thief.get("/account")
    assert response.status == 303 and response.headers["Location"] == "/login?next=/account"
    async with instance.database.reading() as session:
        hashes = set(await session.scalars(select(AccountSession.token_hash)))
    assert token_hash(second) not in hashes


async def test_an_idle_session_expires(instance: Instance, browsers: list[Browser]) -> None:
    await member_with_password(instance, "olena", "editor", "demo")
    await log_in(browsers[0], "olena")
    async with instance.database.transaction() as session:
        await session.execute(
            update(AccountSession).values(last_seen_at=datetime.now(UTC) - timedelta(days=2))
        )
    response, _ = await browsers[0].get("/account")
    assert response.status == 303


async def test_after_login_only_local_paths_are_followed(
    instance: Instance, browsers: list[Browser]
) -> None:
    await member_with_password(instance, "olena", "editor", "demo")
    response, body = await browsers[0].get("/login?next=/groups/demo")
    assert 'name="next" value="/groups/demo"' in body
    response, _ = await browsers[0].submit(
        "/login", "/login", {"name": "olena", "password": PASSWORD, "next": "//evil.example/"}
    )
    assert response.headers["Location"] == "/account"


async def test_an_invite_made_on_the_admin_page_is_accepted_once(
    instance: Instance, browsers: list[Browser]
) -> None:
    admin, newcomer, latecomer = browsers
    _, token = await accounts.create_user(instance.database, "root", "admin")
    await admin.submit(f"/login/{token}", f"/login/{token}", {})
    response, body = await admin.submit(
        "/admin/invites", "/admin/invites", {"role": "editor", "group": "demo"}
    )
    assert response.status == 201
    found = re.search(r"https?://[^<\s]+/invite/[A-Za-z0-9_-]+", body)
    assert found
    path = found.group(0).removeprefix(instance.base_url)
    response, _ = await admin.submit("/admin/invites", "/admin/invites", {"role": "editor"})
    assert response.status == 400  # an editor of no group

    response, body = await newcomer.submit(
        path, path, {"name": "root", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert response.status == 409  # the name is taken; the invite is still good
    response, body = await newcomer.submit(
        path, path, {"name": "olena", "password": PASSWORD, "password_again": "different!!"}
    )
    assert response.status == 400 and "differ" in body
    response, _ = await newcomer.submit(
        path, path, {"name": "olena", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert response.status == 303 and response.headers["Location"] == "/account"
    response, body = await newcomer.get("/account")
    assert "olena" in body

    response, body = await latecomer.get(path)
    assert response.status == 410
    accounts_before = await count(instance, AccountRow)
    response, _ = await latecomer.post(
        path,
        {
            "name": "petro",
            "password": PASSWORD,
            "password_again": PASSWORD,
            "csrf": await latecomer.csrf("/login"),
        },
    )
    assert response.status == 410
    assert await count(instance, AccountRow) == accounts_before


async def test_a_member_does_not_see_the_invites_page(
    instance: Instance, browsers: list[Browser]
) -> None:
    await member_with_password(instance, "olena", "member", "demo")
    response, _ = await browsers[0].get("/admin/invites")
    assert response.status == 303 and response.headers["Location"] == "/login?next=/admin/invites"
    await log_in(browsers[0], "olena")
    response, body = await browsers[0].get("/admin/invites")
    assert response.status == 403 and "admin" in body


async def test_only_the_admin_blocks_servers(instance: Instance, browsers: list[Browser]) -> None:
    """Editors and members get 403 on the blocked servers page and its forms; nothing changes."""
    await member_with_password(instance, "taras", "editor", "demo")
    await log_in(browsers[0], "taras")
    response, body = await browsers[0].get("/admin/domains")
    assert response.status == 403 and "admin" in body
    token = await browsers[0].csrf("/account")
    for path in ("/admin/domains", "/admin/domains/unblock"):
        response, body = await browsers[0].post(path, {"domain": "hostile.example", "csrf": token})
        assert response.status == 403 and "only the instance" in body, path
    assert await count(instance, DomainBlock) == 0


@pytest.fixture
async def probe(instance: Instance) -> AsyncIterator[str]:
    """The real app plus two routes that guard themselves with the functions views use."""

    async def edit(request: web.Request) -> web.Response:
        account = await require_group_role(request, request.match_info["slug"])
        return web.json_response({"name": account.name})

    async def api(request: web.Request) -> web.Response:
        return web.json_response({"name": (await require_account(request)).name})

    app = create_app(instance.settings, instance.database, deliver=False)
    app.router.add_get("/probe/{slug}/edit", edit)
    app.router.add_get("/api/probe", api)
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
        await runner.cleanup()


async def test_role_checks(instance: Instance, browsers: list[Browser], probe: str) -> None:
    await create_group(instance.database, "tbilisi", "Tbilisi", "", "ka")
    await member_with_password(instance, "olena", "editor", "demo")
    await member_with_password(instance, "petro", "member", "demo")
    await member_with_password(instance, "root", "admin", None)

    async def status(who: str | None, path: str) -> tuple[int, str]:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            browser = Browser(instance, http)
            if who:
                assert (await log_in(browser, who)).status == 303
            async with http.get(probe + path, allow_redirects=False) as response:
                return response.status, await response.text()

    assert (await status("olena", "/probe/demo/edit"))[0] == 200
    code, body = await status("olena", "/probe/tbilisi/edit")  # editor of demo, not tbilisi
    assert code == 403 and "editor" in body
    assert (await status("petro", "/probe/demo/edit"))[0] == 403  # a member cannot edit
    assert (await status("root", "/probe/tbilisi/edit"))[0] == 200  # the admin can do anything
    code, _ = await status(None, "/probe/demo/edit")
    assert code == 303
    code, body = await status(None, "/api/probe")
    assert code == 401 and '"error"' in body


async def test_account_names_appear_in_no_public_page_or_document(
    instance: Instance, browsers: list[Browser]
) -> None:
    await member_with_password(instance, "secret_editor", "editor", "demo")
    await log_in(browsers[0], "secret_editor")
    paths = ["/", "/groups/demo", "/groups/demo/outbox?page=1", "/actor", "/network"]
    for accept in ["text/html", "application/activity+json"]:
        for path in paths:
            async with instance.http.get(
                instance.base_url + path, headers={"Accept": accept}
            ) as response:
                assert response.status == 200, path
                assert "secret_editor" not in await response.text()
    response, body = await browsers[0].get("/groups/demo")
    assert response.headers.get("Cache-Control") == "private, no-store"
    assert '<a href="/account">' in body and '<a href="/login">' not in body


async def test_a_revoked_invite_no_longer_works(
    instance: Instance, browsers: list[Browser]
) -> None:
    admin, newcomer = browsers[0], browsers[1]
    _, token = await accounts.create_user(instance.database, "root", "admin")
    await admin.submit(f"/login/{token}", f"/login/{token}", {})
    invite = await accounts.create_invite(instance.database, None, "member", "demo")
    async with instance.database.reading() as session:
        invite_id = await session.scalar(select(Invite.id))
    response, _ = await newcomer.post(
        f"/admin/invites/{invite_id}/revoke", {"csrf": await newcomer.csrf("/login")}
    )
    assert response.status == 303 and response.headers["Location"].startswith("/login")
    assert await count(instance, Invite) == 1  # only the admin may revoke

    response, _ = await admin.submit("/admin/invites", f"/admin/invites/{invite_id}/revoke", {})
    assert response.status == 303
    assert await count(instance, Invite) == 0
    response, _ = await newcomer.get(f"/invite/{invite}")
    assert response.status == 404
