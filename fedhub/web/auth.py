"""Who is asking: the session cookie, role checks for views, and CSRF tokens on every form.

The CSRF token is an HMAC keyed by a secret the browser holds in an HttpOnly cookie: the
session token once logged in (so logging in rotates it), a random pre-session cookie before.
A page on another site can neither read that cookie nor compute the token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from urllib.parse import quote

import jinja2
from aiohttp import web

from fedhub.actions import accounts as account_actions
from fedhub.domain.accounts import Account, has_group_role, new_token
from fedhub.domain.throttle import SlidingWindow
from fedhub.errors import Forbidden, Unauthorized
from fedhub.web.middleware import SIGNED_ROUTES, Handler, is_signed_post
from fedhub.web.state import DATABASE, SETTINGS, TEMPLATES

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

_ACCOUNT = web.RequestKey[Account | None]("account")
_CSRF_BASIS = web.RequestKey("csrf_basis", str)
_NEW_CSRF_COOKIE = web.RequestKey("new_csrf_cookie", str)


@dataclass
class LoginLimits:
    """Failed logins allowed per account name and per client address, in this process only."""

    by_name: SlidingWindow = field(default_factory=lambda: SlidingWindow(limit=5, window=900))
    by_address: SlidingWindow = field(default_factory=lambda: SlidingWindow(limit=20, window=900))


LOGIN_LIMITS = web.AppKey("login_limits", LoginLimits)


def _https(request: web.Request) -> bool:
    return not request.app[SETTINGS].development


def session_cookie_name(request: web.Request) -> str:
    """`__Host-` binds the cookie to this host over HTTPS; a plain-HTTP dev instance cannot."""
    return "__Host-fedhub_session" if _https(request) else "fedhub_session"


def csrf_cookie_name(request: web.Request) -> str:
    return "__Host-fedhub_csrf" if _https(request) else "fedhub_csrf"


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    # No Max-Age: the cookie ends with the browser; the server ends it sooner (idle, absolute).
    response.set_cookie(
        session_cookie_name(request),
        token,
        path="/",
        secure=_https(request),
        httponly=True,
        samesite="Lax",
    )


def clear_session_cookie(request: web.Request, response: web.StreamResponse) -> None:
    response.del_cookie(
        session_cookie_name(request),
        path="/",
        secure=_https(request),
        httponly=True,
        samesite="Lax",
    )


def session_token(request: web.Request) -> str | None:
    return request.cookies.get(session_cookie_name(request)) or None


async def current_account(request: web.Request) -> Account | None:
    """The logged-in account, or None; looked up once per request."""
    if _ACCOUNT not in request:
        token = session_token(request)
        request[_ACCOUNT] = (
            await account_actions.session_account(request.app[DATABASE], token) if token else None
        )
    return request[_ACCOUNT]


async def require_account(request: web.Request) -> Account:
    """The logged-in account; a page redirects to the login form, the API answers 401."""
    account = await current_account(request)
    if account is not None:
        return account
    if request.path.startswith("/api/"):
        raise Unauthorized("log in first")
    raise web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='/')}")


async def require_group_role(
    request: web.Request, slug: str, roles: tuple[str, ...] = ("editor",)
) -> Account:
    """The logged-in account if it holds one of `roles` in the group (the admin always does)."""
    account = await require_account(request)
    if not has_group_role(account, slug, roles):
        raise Forbidden(f"this needs the role {' or '.join(roles)} in the group {slug}")
    return account


async def require_admin(request: web.Request) -> Account:
    account = await require_account(request)
    if not account.is_admin:
        raise Forbidden("only the instance's admin may do this")
    return account


def forget_account(request: web.Request) -> None:
    """After logging in or out within a request, look the account up afresh."""
    request.pop(_ACCOUNT, None)


# --- CSRF ---------------------------------------------------------------------------------


def _token_for(basis: str) -> str:
    mac = hmac.new(basis.encode("utf-8"), b"fedhub csrf v1", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def _existing_basis(request: web.Request) -> str | None:
    return session_token(request) or request.cookies.get(csrf_cookie_name(request)) or None


def csrf_token(request: web.Request) -> str:
    """The token this browser's forms must post (as field `csrf` or the X-CSRF-Token header)."""
    basis = request.get(_CSRF_BASIS) or _existing_basis(request)
    if basis is None:
        basis = request[_NEW_CSRF_COOKIE] = new_token()
    request[_CSRF_BASIS] = basis
    return _token_for(basis)


async def _sent_token(request: web.Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.content_type in FORM_TYPES:
        value = (await request.post()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def check_csrf(request: web.Request) -> None:
    basis = _existing_basis(request)
    sent = await _sent_token(request)
    if basis is None or not sent:
        raise Forbidden(
            "this form's security token is missing (are cookies blocked?); "
            "reload the page and try again"
        )
    if not hmac.compare_digest(sent.encode("utf-8", "replace"), _token_for(basis).encode()):
        raise Forbidden(
            "this form's security token does not match; it may be from an old page or "
            "another site: reload the page and try again"
        )


@web.middleware
async def csrf_protection(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every state-changing request carries the token, except signed server-to-server posts."""
    if is_signed_post(request):
        return await handler(request)  # no session, no form: authenticated by its signature
    routed = request.match_info.http_exception is None  # unrouted: let it answer 404 or 405
    if routed and request.method in UNSAFE_METHODS and not SIGNED_ROUTES.fullmatch(request.path):
        await check_csrf(request)
    if session_token(request):
        await current_account(request)  # so every page can show who is logged in
    response = await handler(request)
    fresh = request.get(_NEW_CSRF_COOKIE)
    if fresh and not response.prepared:
        response.set_cookie(
            csrf_cookie_name(request),
            fresh,
            path="/",
            secure=_https(request),
            httponly=True,
            samesite="Lax",
        )
    if request.get(_ACCOUNT) is not None and not response.prepared:
        # A page that knows who is reading it is nobody else's to cache.
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def install_auth(app: web.Application) -> None:
    """The login limits and the template globals; `csrf_protection` goes in the middlewares."""
    app[LOGIN_LIMITS] = LoginLimits()
    install_template_globals(app[TEMPLATES])


def install_template_globals(env: jinja2.Environment) -> None:
    """`{{ csrf_token() }}` in any form, and `current_account()`: who is logged in, or None."""

    @jinja2.pass_context
    def csrf_global(context: jinja2.runtime.Context) -> str:
        return csrf_token(context["request"])

    @jinja2.pass_context
    def account_global(context: jinja2.runtime.Context) -> Account | None:
        request = context.get("request")
        return None if request is None else request.get(_ACCOUNT)

    env.globals["csrf_token"] = csrf_global
    env.globals["current_account"] = account_global
