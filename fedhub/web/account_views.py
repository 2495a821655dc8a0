"""Account pages: log in and out, one-time login links, passwords, and invites."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from fedhub.actions import accounts as actions
from fedhub.domain.accounts import GRANTABLE_ROLES, Account, may_invite, safe_next_path
from fedhub.errors import Conflict, FedhubError, Forbidden, InvalidInput, Unauthorized
from fedhub.store import actors
from fedhub.web.auth import (
    LOGIN_LIMITS,
    clear_session_cookie,
    current_account,
    forget_account,
    require_account,
    require_admin,
    session_token,
    set_session_cookie,
)
from fedhub.web.render import page
from fedhub.web.state import DATABASE, SETTINGS

TOKEN = r"{token:[A-Za-z0-9_-]{20,64}}"


def add_account_routes(app: web.Application) -> None:
    app.router.add_routes(
        [
            web.get("/login", login_form, name="login"),
            web.post("/login", login),
            web.post("/logout", logout),
            web.get(f"/login/{TOKEN}", login_link_form),
            web.post(f"/login/{TOKEN}", login_link),
            web.get("/account", account_page),
            web.get("/account/password", password_form),
            web.post("/account/password", change_password),
            web.get("/admin/invites", invites_page),
            web.post("/admin/invites", create_invite),
            web.post(r"/admin/invites/{invite_id:\d{1,18}}/revoke", revoke_invite),
            web.get(f"/invite/{TOKEN}", invite_form),
            web.post(f"/invite/{TOKEN}", accept_invite),
        ]
    )


def _private(response: web.Response) -> web.Response:
    """Pages holding a secret link or a form for one person are never cached."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _logged_in(request: web.Request, logged: actions.LoggedIn, to: str) -> web.Response:
    response = web.Response(status=303, headers={"Location": to})
    set_session_cookie(request, response, logged.session_token)
    forget_account(request)
    return response


async def _form(request: web.Request) -> dict[str, str]:
    data = await request.post()
    return {k: v for k, v in data.items() if isinstance(v, str)}


# --- logging in and out -------------------------------------------------------------------


async def login_form(request: web.Request) -> web.Response:
    next_path = safe_next_path(request.query.get("next"))
    if await current_account(request) is not None:
        raise web.HTTPSeeOther(next_path)
    return _private(page(request, "account/login.html", next_path=next_path, name=""))


async def login(request: web.Request) -> web.Response:
    form = await _form(request)
    name = form.get("name", "").strip()
    next_path = safe_next_path(form.get("next"))
    limits = request.app[LOGIN_LIMITS]
    name_key, address = name.lower()[:64], request.remote or "unknown"
    now = time.monotonic()
    wait = max(
        limits.by_name.retry_after(name_key, now), limits.by_address.retry_after(address, now)
    )
    if wait:
        response = page(
            request,
            "account/login.html",
            status=429,
            next_path=next_path,
            name=name,
            error="too many failed attempts; wait a few minutes and try again",
            retry_after=wait,
        )
        response.headers["Retry-After"] = str(wait)
        return _private(response)
    try:
        logged = await actions.log_in(request.app[DATABASE], name, form.get("password", ""))
    except Unauthorized as refused:
        limits.by_name.fail(name_key, now)
        limits.by_address.fail(address, now)
        return _private(
            page(
                request,
                "account/login.html",
                status=401,
                next_path=next_path,
                name=name,
                error=refused.reason,
            )
        )
    limits.by_name.forget(name_key)
    # Any session cookie the browser had is replaced: a planted one cannot be logged into.
    old = session_token(request)
    if old:
        await actions.log_out(request.app[DATABASE], old)
    return _logged_in(request, logged, next_path)


async def logout(request: web.Request) -> web.Response:
    token = session_token(request)
    if token:
        await actions.log_out(request.app[DATABASE], token)
    response = web.Response(status=303, headers={"Location": "/"})
    clear_session_cookie(request, response)
    return response


async def login_link_form(request: web.Request) -> web.Response:
    """Shows a button rather than logging in on GET: link previews in messengers fetch links,
    and must not spend them."""
    account = await actions.check_login_link(request.app[DATABASE], request.match_info["token"])
    return _private(page(request, "account/login.html", link_account=account, next_path="/"))


async def login_link(request: web.Request) -> web.Response:
    logged = await actions.log_in_with_link(request.app[DATABASE], request.match_info["token"])
    old = session_token(request)
    if old:
        await actions.log_out(request.app[DATABASE], old)
    return _logged_in(request, logged, "/account/password" if logged.needs_password else "/account")


# --- the account and its password ---------------------------------------------------------


async def _group_names(request: web.Request) -> dict[str, str]:
    async with request.app[DATABASE].reading() as session:
        return {g.slug: g.name for g in await actors.list_groups(session)}


async def account_page(request: web.Request) -> web.Response:
    account = await require_account(request)
    return _private(
        page(request, "account/account.html", account=account, groups=await _group_names(request))
    )


async def password_form(request: web.Request) -> web.Response:
    account = await require_account(request)
    first = not await actions.has_password(request.app[DATABASE], account.id)
    return _private(page(request, "account/set_password.html", account=account, first=first))


async def change_password(request: web.Request) -> web.Response:
    account = await require_account(request)
    form = await _form(request)
    database = request.app[DATABASE]
    first = not await actions.has_password(database, account.id)
    if form.get("password", "") != form.get("password_again", ""):
        error: str | None = "the two passwords differ"
    else:
        error = None
        token = session_token(request)
        assert token is not None  # require_account found a session
        try:
            await actions.set_password(
                database,
                account.id,
                form.get("password", ""),
                current_password=form.get("current_password"),
                keep_session=token,
            )
        except FedhubError as refused:
            error = refused.reason
    if error is not None:
        return _private(
            page(
                request,
                "account/set_password.html",
                status=400,
                account=account,
                first=first,
                error=error,
            )
        )
    raise web.HTTPSeeOther("/account?password=saved")


# --- invites ------------------------------------------------------------------------------


async def _invites_page(
    request: web.Request, inviter: Account, status: int = 200, **context: Any
) -> web.Response:
    """The admin sees every pending invite and role; a group's editor invites members of the
    groups they edit, and sees no one else's invites."""
    database = request.app[DATABASE]
    groups = await _group_names(request)
    if inviter.is_admin:
        invites: list[Any] | None = await actions.pending_invites(database)
        roles: tuple[str, ...] = GRANTABLE_ROLES
    else:
        invites, roles = None, ("member",)
        groups = {
            slug: name for slug, name in groups.items() if may_invite(inviter, "member", slug)
        }
    return _private(
        page(
            request,
            "admin/invites.html",
            status=status,
            invites=invites,
            groups=groups,
            roles=roles,
            **context,
        )
    )


async def _inviter(request: web.Request) -> Account:
    account = await require_account(request)
    if not account.is_admin and "editor" not in account.roles.values():
        raise Forbidden("only the admin and groups' editors may invite people")
    return account


async def invites_page(request: web.Request) -> web.Response:
    return await _invites_page(request, await _inviter(request))


async def create_invite(request: web.Request) -> web.Response:
    inviter = await _inviter(request)
    form = await _form(request)
    role, group = form.get("role", ""), form.get("group") or None
    try:
        token = await actions.create_invite(request.app[DATABASE], inviter, role, group)
    except (InvalidInput, Forbidden) as refused:
        return await _invites_page(
            request, inviter, refused.status, error=refused.reason, role=role, group=group
        )
    link = actions.invite_link(request.app[SETTINGS].base_url, token)
    return await _invites_page(request, inviter, 201, new_link=link, role=role, group=group)


async def revoke_invite(request: web.Request) -> web.Response:
    await require_admin(request)
    await actions.revoke_invite(request.app[DATABASE], int(request.match_info["invite_id"]))
    raise web.HTTPSeeOther("/admin/invites")


async def invite_form(request: web.Request) -> web.Response:
    invite = await actions.check_invite(request.app[DATABASE], request.match_info["token"])
    return _private(
        page(request, "account/invite.html", invite=invite, groups=await _group_names(request))
    )


async def accept_invite(request: web.Request) -> web.Response:
    database = request.app[DATABASE]
    token = request.match_info["token"]
    form = await _form(request)
    current = await current_account(request)
    if current is not None:
        # Logged in already: the role joins this account; no second account is made.
        await actions.accept_invite_as(database, token, current)
        forget_account(request)
        raise web.HTTPSeeOther("/account")
    name = form.get("name", "")
    try:
        if form.get("password", "") != form.get("password_again", ""):
            raise InvalidInput("the two passwords differ")
        logged = await actions.accept_invite(database, token, name, form.get("password", ""))
    except (InvalidInput, Conflict) as refused:
        invite = await actions.check_invite(database, token)
        return _private(
            page(
                request,
                "account/invite.html",
                status=400 if isinstance(refused, InvalidInput) else 409,
                invite=invite,
                groups=await _group_names(request),
                name=name,
                error=refused.reason,
            )
        )
    old = session_token(request)
    if old:
        await actions.log_out(database, old)
    return _logged_in(request, logged, "/account")
