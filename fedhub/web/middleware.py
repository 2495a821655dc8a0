"""Request middleware: errors mapped to status and page in one place, and security headers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from fedhub.errors import FedhubError
from fedhub.web.render import json_response, page, wants_json

log = logging.getLogger("fedhub.web")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Pages load nothing from elsewhere: readers at risk must not leak requests to third parties.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


DISCOVERY = ("/.well-known/", "/nodeinfo")


def _error_response(request: web.Request, status: int, reason: str) -> web.StreamResponse:
    if request.path.startswith(DISCOVERY):
        # Browser-side clients read discovery errors too, so they carry CORS like the answers.
        response = json_response({"error": reason}, status=status)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    if wants_json(request) or request.path.startswith("/api/"):
        return json_response({"error": reason}, status=status)
    return page(request, "error.html", status=status, status_code=status, reason=reason)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """FedhubError → its status with its reason; HTTP errors keep theirs; anything else → 500."""
    try:
        return await handler(request)
    except FedhubError as error:
        log.info("%s %s refused: %s (%s)", request.method, request.path, error.reason, error.status)
        return _error_response(request, error.status, error.reason)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return _error_response(request, error.status, error.reason)
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return _error_response(request, 500, "internal error")


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response
