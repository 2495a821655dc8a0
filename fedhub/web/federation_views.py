"""The inboxes, and the activities local actors sent."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from fedhub.errors import FedhubError, InvalidInput, NotFound, PayloadTooLarge
from fedhub.federation.context import FederationContext
from fedhub.federation.inbox import (
    MAX_ACTIVITY_BYTES,
    Incoming,
    authenticate,
    is_unfetchable_self_delete,
)
from fedhub.federation.routing import route
from fedhub.store import actors, follows
from fedhub.web.render import activity_response
from fedhub.web.state import DATABASE, FEDERATION, SETTINGS, URIS

log = logging.getLogger("fedhub.inbox")


async def inbox(request: web.Request) -> web.Response:
    """Verify, check and route one activity; 202 only once its effects are committed."""
    ctx = request.app[FEDERATION]
    with ctx.receiving():
        return await _receive(request, ctx)


async def _receive(request: web.Request, ctx: FederationContext) -> web.Response:
    slug = request.match_info.get("slug")
    if slug is not None and slug not in ctx.known_groups:
        async with request.app[DATABASE].reading() as session:
            await actors.get_group_row(session, slug)
        ctx.known_groups.add(slug)
    body = await read_capped(request, MAX_ACTIVITY_BYTES)
    settings = request.app[SETTINGS]
    incoming = Incoming(
        method=request.method,
        target=request.raw_path,
        headers=request.headers,
        body=body,
        host=settings.domain,
        scheme=settings.scheme,
    )
    try:
        delivered = await authenticate(ctx, incoming)
    except FedhubError as error:
        if error.status == 401 and is_unfetchable_self_delete(incoming):
            return web.Response(status=202, text="ignored")
        log.info("inbox refused (%s): %s", error.status, error.reason)
        raise
    handled = await route(delivered)
    log.debug(
        "%s %s from %s", "handled" if handled else "ignored", delivered.type, delivered.actor.uri
    )
    return web.Response(status=202, text="accepted" if handled else "ignored")


async def read_capped(request: web.Request, limit: int) -> bytes:
    """Read at most `limit` bytes: an inbox must not buffer a huge body (the app's cap is for
    uploads), whether its length is announced or it comes chunked."""
    length = request.content_length
    if length is not None:
        if length > limit:
            raise PayloadTooLarge(f"activity larger than {limit} bytes")
        try:
            return await request.content.readexactly(length)
        except asyncio.IncompleteReadError as error:
            raise InvalidInput("the body is shorter than its Content-Length") from error
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(65536):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"activity larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def inbox_get(request: web.Request) -> web.Response:
    raise web.HTTPMethodNotAllowed("GET", ["POST"], text="inboxes accept POST only")


async def sent_activity(request: web.Request) -> web.Response:
    """An activity a local actor sent dereferences at its id, as peers expect."""
    uri = f"{request.app[URIS].base}{request.path}"
    async with request.app[DATABASE].reading() as session:
        row = await follows.get_outbox_activity(session, uri)
    if row is None:
        raise NotFound("no such activity")
    return activity_response(row.payload)
