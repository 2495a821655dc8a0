"""The admin's pages for the instance as a whole: which servers it refuses to federate with."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from fedhub.actions import domain_blocks
from fedhub.errors import Conflict, InvalidInput, NotFound
from fedhub.web.auth import require_admin
from fedhub.web.render import page
from fedhub.web.state import FEDERATION


def add_admin_routes(app: web.Application) -> None:
    app.router.add_routes(
        [
            web.get("/admin/domains", domains_page),
            web.post("/admin/domains", block),
            web.post("/admin/domains/unblock", unblock),
        ]
    )


async def _domains_page(request: web.Request, status: int = 200, **context: Any) -> web.Response:
    blocks = await domain_blocks.list_blocks(request.app[FEDERATION])
    response = page(request, "admin/domains.html", status=status, blocks=blocks, **context)
    response.headers["Cache-Control"] = "no-store"
    return response


async def domains_page(request: web.Request) -> web.Response:
    await require_admin(request)
    return await _domains_page(request)


async def block(request: web.Request) -> web.Response:
    await require_admin(request)
    form = await request.post()
    domain, reason = str(form.get("domain", "")), str(form.get("reason", ""))
    try:
        done = await domain_blocks.block_domain(request.app[FEDERATION], domain, reason)
    except (InvalidInput, Conflict) as refused:
        return await _domains_page(
            request, refused.status, error=refused.reason, domain=domain, reason=reason
        )
    return await _domains_page(request, 201, blocked=done)


async def unblock(request: web.Request) -> web.Response:
    await require_admin(request)
    form = await request.post()
    try:
        await domain_blocks.unblock_domain(request.app[FEDERATION], str(form.get("domain", "")))
    except (InvalidInput, NotFound) as refused:
        return await _domains_page(request, refused.status, error=refused.reason)
    raise web.HTTPSeeOther("/admin/domains")
