"""The editors' pages for a group's followers and the groups it follows, over the CLI's actions."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from fedhub.actions.follows import answer_follower, follow, unfollow
from fedhub.actions.groups import update_group
from fedhub.domain import records
from fedhub.errors import FedhubError, InvalidInput
from fedhub.store import actors, follows
from fedhub.store.tables import RemoteActor
from fedhub.web.editor_views import done, editor_page, group_for_editor
from fedhub.web.state import DATABASE, FEDERATION, SETTINGS

# decision → (accept?, what the redirect announces)
DECISIONS = {
    "approve": (True, "approved"),
    "reject": (False, "rejected"),
    "remove": (False, "removed"),
}
MAX_HANDLE_CHARS = 2048


def remote_handle(actor: RemoteActor) -> str:
    """`@name@host` when the actor has a username, else its id: what an editor recognises."""
    if actor.preferred_username:
        return f"@{actor.preferred_username}@{actor.domain}"
    return actor.uri


FOLLOWERS_PAGE = 100
# Each list pages on its own: `?before=` for followers, `?pending_before=` for requests.
CURSORS = {"accepted": "before", "pending": "pending_before"}


async def followers_page(request: web.Request) -> web.Response:
    group = await group_for_editor(request)
    lists: dict[str, Any] = {}
    async with request.app[DATABASE].reading() as session:
        row = await actors.get_group_row(session, group.slug)
        for state, cursor in CURSORS.items():
            rows, next_before = await follows.page_followers(
                session,
                row.id,
                state,
                before_id=_cursor(request, cursor),
                limit=FOLLOWERS_PAGE,
            )
            lists[state] = [(actor, state, remote_handle(actor)) for actor, _ in rows]
            lists[f"{state}_pages"] = _page_links(request, cursor, next_before)
    return editor_page(request, "editor/followers.html", group=group, **lists)


def _cursor(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise InvalidInput(f"{name} must be a positive whole number")
    return int(raw)


def _page_links(request: web.Request, cursor: str, next_before: int | None) -> dict[str, str]:
    """The next page's and the first page's addresses of one list; the other list's stays."""
    kept = {k: v for k, v in request.query.items() if k in CURSORS.values() and k != cursor}
    links = {}
    if next_before is not None:
        links["older_url"] = f"{request.path}?{urlencode({**kept, cursor: next_before})}"
    if cursor in request.query:
        links["newest_url"] = f"{request.path}?{urlencode(kept)}" if kept else request.path
    return links


async def answer_follower_form(request: web.Request) -> web.Response:
    """Approve a pending follower, refuse one, or remove an accepted one (all by Accept/Reject)."""
    group = await group_for_editor(request)
    form = await request.post()
    actor, decision = form.get("actor"), form.get("decision")
    if not isinstance(actor, str) or not actor or decision not in DECISIONS:
        raise InvalidInput("choose a follower and approve, reject or remove")
    accept, announced = DECISIONS[str(decision)]
    await answer_follower(request.app[FEDERATION], group.slug, actor, accept=accept)
    raise done(group.slug, announced, "/followers")


async def approval_setting(request: web.Request) -> web.Response:
    """Whether new followers wait for an editor's approval; followers get the actor's Update."""
    group = await group_for_editor(request)
    form = await request.post()
    manual = form.get("manual_approval") == "on"
    await update_group(
        request.app[DATABASE], request.app[SETTINGS], group.slug, manual_approval=manual
    )
    request.app[FEDERATION].wake_delivery()
    raise done(group.slug, "settings", "/followers")


async def following_page(request: web.Request) -> web.Response:
    group = await group_for_editor(request)
    return await _following(request, group)


async def follow_form(request: web.Request) -> web.Response:
    """Follow a group elsewhere by its handle; a handle that cannot be followed comes back
    with the reason next to it."""
    group = await group_for_editor(request)
    form = await request.post()
    handle = form.get("handle")
    handle = handle.strip() if isinstance(handle, str) else ""
    try:
        if not handle:
            raise InvalidInput("enter a handle such as @group@example.org")
        if len(handle) > MAX_HANDLE_CHARS:
            raise InvalidInput(f"a handle is at most {MAX_HANDLE_CHARS} characters")
        await follow(request.app[FEDERATION], group.slug, handle)
    except FedhubError as error:
        return await _following(request, group, handle, error.reason, error.status)
    raise done(group.slug, "followed", "/following")


async def unfollow_form(request: web.Request) -> web.Response:
    group = await group_for_editor(request)
    form = await request.post()
    actor = form.get("actor")
    if not isinstance(actor, str) or not actor:
        raise InvalidInput("choose a group to unfollow")
    await unfollow(request.app[FEDERATION], group.slug, actor)
    raise done(group.slug, "unfollowed", "/following")


async def _following(
    request: web.Request, group: records.Group, handle: str = "", error: str = "", status: int = 200
) -> web.Response:
    async with request.app[DATABASE].reading() as session:
        row = await actors.get_group_row(session, group.slug)
        rows = await follows.list_following(session, row.id)
    return editor_page(
        request,
        "editor/following.html",
        status=status,
        group=group,
        following=[(actor, state.state, remote_handle(actor)) for actor, state in rows],
        handle=handle,
        errors={"handle": error} if error else {},
    )
