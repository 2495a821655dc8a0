"""Request middleware: the interface language, errors mapped to status and page in one place,
and security headers."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from aiohttp import web

from fedhub.errors import FedhubError
from fedhub.web import i18n
from fedhub.web.render import json_response, page, wants_json
from fedhub.web.state import CATALOGUES, SETTINGS

log = logging.getLogger("fedhub.web")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Pages load nothing from elsewhere: readers at risk must not leak requests to third parties.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


DISCOVERY = ("/.well-known/", "/nodeinfo")

# Servers post activities here, authenticated by HTTP signatures rather than cookies.
SIGNED_ROUTES = re.compile(r"/inbox|/actor/inbox|/groups/[^/]+/inbox|/users/[^/]+/inbox")


def is_signed_post(request: web.Request) -> bool:
    """A server's activity: no reader, so the page-only middlewares (language, session) skip it.

    Inbox POSTs are the hot path under federation load; their refusals are JSON in English.
    """
    return request.method == "POST" and SIGNED_ROUTES.fullmatch(request.path) is not None


def _error_response(
    request: web.Request,
    status: int,
    reason: str,
    *,
    explained: bool = True,
    reason_lang: str = i18n.SOURCE_LANGUAGE,
) -> web.StreamResponse:
    if request.path.startswith(DISCOVERY):
        # Browser-side clients read discovery errors too, so they carry CORS like the answers.
        response = json_response({"error": reason}, status=status)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    if wants_json(request) or request.path.startswith("/api/"):
        return json_response({"error": reason}, status=status)
    # HTTP's own reason phrases ("Not Found") and internal errors say nothing the translated
    # heading does not; a FedhubError's reason does, so the page shows it.
    return page(
        request,
        "error.html",
        status=status,
        status_code=status,
        reason=reason if explained else "",
        reason_lang=reason_lang,
    )


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """FedhubError → its status with its reason; HTTP errors keep theirs; anything else → 500."""
    try:
        return await handler(request)
    except FedhubError as error:
        log.info("%s %s refused: %s (%s)", request.method, request.path, error.reason, error.status)
        lang = error.lang if isinstance(error, i18n.ReaderError) else i18n.SOURCE_LANGUAGE
        return _error_response(request, error.status, error.reason, reason_lang=lang)
    except web.HTTPRequestEntityTooLarge:
        # aiohttp refuses a body over `client_max_size` (uploads) before any view runs.
        limit = request.app[SETTINGS].max_upload_bytes
        reason = f"the files sent are larger than this instance's limit of {limit:,} bytes"
        log.info("%s %s refused: %s (413)", request.method, request.path, reason)
        return _error_response(request, 413, reason)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return _error_response(request, error.status, error.reason, explained=False)
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return _error_response(request, 500, "internal error", explained=False)


@web.middleware
async def interface_language(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Pick the reader's interface language before anything renders, error pages included."""
    if is_signed_post(request):
        i18n.use_interface(i18n.ENGLISH)  # not a keep-alive neighbour's language
        return await handler(request)
    interface = request.app[CATALOGUES].negotiate(
        request.cookies.get(i18n.LANGUAGE_COOKIE), request.headers.get("Accept-Language")
    )
    i18n.use_interface(interface)
    return await handler(request)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response
