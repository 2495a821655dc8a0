"""A member's pages (/me/…): follow groups as a private Person, read them, and the Person itself.

The personal feeds answer at a secret URL instead of a session: feed readers cannot log in.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp import web

from fedhub.actions import members
from fedhub.activitypub.collections import ordered_collection
from fedhub.domain.accounts import Account
from fedhub.errors import FedhubError
from fedhub.federation.to_ap import person_to_ap
from fedhub.feeds.syndication import Channel, newest_change
from fedhub.store import members as member_store
from fedhub.store import network
from fedhub.store.network import FilterChoices, GroupChoice, NetworkFilters
from fedhub.uris import FEED_FILES, FeedKind
from fedhub.web import federation_views, i18n
from fedhub.web.auth import require_account
from fedhub.web.feed_views import (
    CALENDAR_LIMIT,
    EMPTY_FEED_UPDATED,
    FEED_LIMIT,
    respond_with_feed,
)
from fedhub.web.network_views import PAGE_SIZE, filter_query, filters_from_query, page_links, when
from fedhub.web.render import activity_response, page
from fedhub.web.state import DATABASE, FEDERATION, URIS

IDENT = r"{ident:p-[0-9a-f]{16}}"
TOKEN = r"{token:[A-Za-z0-9_-]{20,64}}"
FEEDS = r"{file:feed\.rss|feed\.atom|events\.ics}"
_KINDS: dict[str, FeedKind] = {
    FEED_FILES["rss"]: "rss",
    FEED_FILES["atom"]: "atom",
    FEED_FILES["ics"]: "ics",
}


def add_member_routes(app: web.Application) -> None:
    app.router.add_routes(
        [
            web.get("/me/following", following_page),
            web.post("/me/following", follow),
            web.post("/me/following/unfollow", unfollow),
            web.post("/me/profile", profile),
            web.post("/me/feed-token", new_feed_token),
            web.post("/me/feed-token/revoke", revoke_feed_token),
            web.get("/me/feed", feed_page),
            web.get(f"/me/feed/{TOKEN}/{FEEDS}", personal_feed),
            web.get(f"/users/{IDENT}", person_actor),
            web.post(f"/users/{IDENT}/inbox", federation_views.inbox),
            web.get(f"/users/{IDENT}/inbox", federation_views.inbox_get),
            web.get(f"/users/{IDENT}/outbox", person_outbox),
            web.get(f"/users/{IDENT}/followers", person_followers),
            web.get(f"/users/{IDENT}/following", person_following),
            web.get(
                rf"/users/{IDENT}/activities/{{token:[A-Za-z0-9_-]{{1,32}}}}",
                federation_views.sent_activity,
            ),
        ]
    )


async def _member(request: web.Request) -> Account:
    account = await require_account(request)
    members.check_member(account)
    return account


async def _form(request: web.Request) -> dict[str, str]:
    data = await request.post()
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _private(response: web.Response) -> web.Response:
    response.headers["Cache-Control"] = "no-store"
    return response


# --- following ----------------------------------------------------------------------------


async def _following_page(
    request: web.Request, account: Account, status: int = 200, **context: Any
) -> web.Response:
    database = request.app[DATABASE]
    return _private(
        page(
            request,
            "member/following.html",
            status=status,
            person=await members.get_person(database, account),
            followed=await members.list_followed(database, account),
            **context,
        )
    )


async def following_page(request: web.Request) -> web.Response:
    account = await _member(request)
    return await _following_page(request, account, target="")


async def follow(request: web.Request) -> web.Response:
    """Errors (a mistyped handle, a server that does not answer) come back in the form."""
    account = await _member(request)
    target = (await _form(request)).get("target", "")
    try:
        await members.follow_group(request.app[FEDERATION], account, target)
    except FedhubError as refused:
        return await _following_page(
            request, account, refused.status, target=target, error=refused.reason
        )
    raise web.HTTPSeeOther("/me/following?followed=1")


async def unfollow(request: web.Request) -> web.Response:
    account = await _member(request)
    target = (await _form(request)).get("target", "")
    try:
        await members.unfollow_group(request.app[FEDERATION], account, target)
    except FedhubError as refused:
        return await _following_page(
            request, account, refused.status, target="", error=refused.reason
        )
    raise web.HTTPSeeOther("/me/following")


async def profile(request: web.Request) -> web.Response:
    account = await _member(request)
    form = await _form(request)
    try:
        await members.update_profile(
            request.app[FEDERATION],
            account,
            form.get("name", ""),
            findable=bool(form.get("findable")),
        )
    except FedhubError as refused:
        return await _following_page(
            request, account, refused.status, target="", profile_error=refused.reason
        )
    raise web.HTTPSeeOther("/me/following")


async def new_feed_token(request: web.Request) -> web.Response:
    """The feed links are shown once, here: only the token's hash is kept."""
    account = await _member(request)
    token = await members.new_feed_token(request.app[DATABASE], account)
    uris = request.app[URIS]
    links = {kind: uris.member_feed(token, kind) for kind in ("rss", "atom", "ics")}
    return await _following_page(request, account, 201, target="", feed_links=links)


async def revoke_feed_token(request: web.Request) -> web.Response:
    account = await _member(request)
    await members.revoke_feed_token(request.app[DATABASE], account)
    raise web.HTTPSeeOther("/me/following")


# --- the personal feed ----------------------------------------------------------------------


def _personal(filters: NetworkFilters, actor_id: int) -> NetworkFilters:
    return dataclasses.replace(filters, scope="network", followed_by=actor_id)


async def feed_page(request: web.Request) -> web.Response:
    """What the member's followed groups published, with the network page's filters."""
    account = await _member(request)
    database, uris = request.app[DATABASE], request.app[URIS]
    person = await members.get_person(database, account)
    followed = await members.list_followed(database, account)
    filters = filters_from_query(request.query)
    before = request.query.get("before")
    items: list[Any] = []
    older = newest = None
    languages: list[str] = []
    if person is not None:
        async with database.reading() as session:
            result = await network.list_items(
                session,
                uris,
                _personal(filters, person.actor_id),
                before=network.Cursor.decode(before) if before else None,
                limit=PAGE_SIZE,
            )
            languages = (await network.filter_choices(session, uris)).languages
        items = result.items
        older, newest = page_links(request.rel_url.raw_path, request.query, result)
    groups = [GroupChoice(f.handle, f.name) for f in followed if f.handle]
    choices = FilterChoices(
        groups, sorted({g.handle.rpartition("@")[2] for g in groups}), languages
    )
    return _private(
        page(
            request,
            "member/feed.html",
            items=items,
            filters=filters,
            choices=choices,
            person=person,
            older_url=older,
            newest_url=newest,
            query=filter_query(request.query),
            when=when,
        )
    )


async def personal_feed(request: web.Request) -> web.Response:
    """The personal feed as RSS, Atom or iCalendar, at a secret, revocable URL."""
    token, kind = request.match_info["token"], _KINDS[request.match_info["file"]]
    database, uris = request.app[DATABASE], request.app[URIS]
    actor_id = await members.actor_by_feed_token(database, token)
    fixed = {"type": "event"} if kind == "ics" else {}
    filters = _personal(filters_from_query(request.query, **fixed), actor_id)
    limit = CALENDAR_LIMIT if kind == "ics" else FEED_LIMIT
    async with database.reading() as session:
        result = await network.list_items(session, uris, filters, limit=limit)
    channel = Channel(
        title=i18n.gettext("Your feed"),
        link=f"{uris.base}/me/feed",
        self_url=uris.member_feed(token, kind),
        description=i18n.gettext("What the groups you follow published."),
        updated=newest_change(result.items, EMPTY_FEED_UPDATED),
    )
    response = respond_with_feed(request, kind, channel, result.items)
    # The URL is a secret: no shared cache may keep a copy.
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# --- the Person actor -----------------------------------------------------------------------


async def person_actor(request: web.Request) -> web.Response:
    uris = request.app[URIS]
    async with request.app[DATABASE].reading() as session:
        row = await member_store.get_person_row(session, request.match_info["ident"])
    return activity_response(
        person_to_ap(uris, row.slug, row.name, row.public_key_pem, row.created_at)
    )


async def _count_only(request: web.Request, collection: str) -> web.Response:
    """A Person's collections are empty to others, counts included: it publishes nothing, and
    what (and how much) a member follows is theirs to know."""
    async with request.app[DATABASE].reading() as session:
        await member_store.get_person_row(session, request.match_info["ident"])
    return activity_response(ordered_collection(collection, 0, first=None))


async def person_outbox(request: web.Request) -> web.Response:
    ident = request.match_info["ident"]
    return await _count_only(request, request.app[URIS].person_outbox(ident))


async def person_followers(request: web.Request) -> web.Response:
    ident = request.match_info["ident"]
    return await _count_only(request, request.app[URIS].person_followers(ident))


async def person_following(request: web.Request) -> web.Response:
    ident = request.match_info["ident"]
    return await _count_only(request, request.app[URIS].person_following(ident))
