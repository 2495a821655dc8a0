"""Human pages that have no ActivityStreams twin: the instance home."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from fedhub.store import actors, posts
from fedhub.web.render import page
from fedhub.web.state import DATABASE

LATEST = 10


async def home(request: web.Request) -> web.Response:
    async with request.app[DATABASE].reading() as session:
        groups = await actors.list_groups(session)
        articles = await posts.list_posts(session, kind="article", limit=LATEST)
        events = await posts.list_posts(session, upcoming_after=datetime.now(UTC), limit=LATEST)
    return page(request, "home.html", groups=groups, articles=articles, events=events)
