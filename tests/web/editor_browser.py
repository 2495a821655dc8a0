"""An editor's browser for tests: logs in through the one-time link, opens pages, posts forms."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import aiohttp

from fedhub.actions import accounts
from fedhub.store.database import Database

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class EditorBrowser:
    """One browser with its own cookies (accepted from 127.0.0.1); redirects are not followed."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def close(self) -> None:
        await self.http.close()

    async def log_in(self, database: Database, name: str, role: str, slug: str | None) -> None:
        """Make the account as `fedhub user create` does, then follow its login link."""
        _, token = await accounts.create_user(database, name, role, slug)
        response, _ = await self.post(f"/login/{token}", {}, page=f"/login/{token}")
        assert response.status == 303, response.status

    async def get(self, path: str) -> tuple[aiohttp.ClientResponse, str]:
        async with self.http.get(self.base + path, allow_redirects=False) as response:
            return response, await response.text()

    async def csrf(self, page: str) -> str:
        response, body = await self.get(page)
        assert response.status == 200, (response.status, body)
        found = CSRF.search(body)
        assert found, body
        return found.group(1)

    async def post(
        self,
        path: str,
        fields: dict[str, str],
        *,
        page: str | None = None,
        files: Sequence[tuple[str, bytes, str]] = (),
        csrf: bool = True,
    ) -> tuple[aiohttp.ClientResponse, str]:
        """Post a form as a browser does: with the token of the page holding it (`page`, or the
        form's own address), multipart when files are attached."""
        data: Any
        token = {"csrf": await self.csrf(page or path)} if csrf else {}
        if files:
            data = aiohttp.FormData()
            for name, value in {**fields, **token}.items():
                data.add_field(name, value)
            for filename, content, content_type in files:
                data.add_field("files", content, filename=filename, content_type=content_type)
        else:
            data = {**fields, **token}
        async with self.http.post(self.base + path, data=data, allow_redirects=False) as response:
            return response, await response.text()
