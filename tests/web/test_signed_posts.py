"""Inbox POSTs skip the page-only middlewares (language, session, CSRF cookie), and only they do."""

from __future__ import annotations

import aiohttp

from fedhub.actions.demo import seed_demo
from tests.conftest import Instance
from tests.web.test_accounts import Browser, log_in, member_with_password


async def test_an_inbox_post_from_a_logged_in_browser_is_still_only_a_signed_post(
    instance: Instance,
) -> None:
    await seed_demo(instance.database, instance.settings)
    await member_with_password(instance, "olena", "editor", "demo")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        browser = Browser(instance, http)
        await log_in(browser, "olena")
        browser.plant("fedhub_lang", "uk")
        for path in ["/inbox", "/groups/demo/inbox"]:
            # The session cookie neither authenticates nor marks the answer private; the reader's
            # language does not apply; no CSRF cookie is minted for a server.
            response, body = await browser.post(
                path, {"type": "Create"}, headers={"Accept-Language": "uk"}
            )
            assert response.status == 401, body
            assert "Set-Cookie" not in response.headers
            assert "private" not in response.headers.get("Cache-Control", "")
            assert 'lang="en"' in body, body
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        # A page form from the same browser still needs its token and is refused without it.
        response, body = await browser.post("/logout", {})
        assert response.status == 403, body
        response, body = await browser.get("/account")
        assert response.status == 200 and 'lang="uk"' in body
