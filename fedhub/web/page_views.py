"""Pages for readers: the instance home, a group's page, the language picker, remote follow,
and the stylesheet and script they load."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from aiohttp import web
from yarl import URL

from fedhub.errors import InvalidInput
from fedhub.federation.remote_follow import parse_account, remote_follow_url
from fedhub.store import actors, posts
from fedhub.web.i18n import LANGUAGE_COOKIE, ReaderError, gettext
from fedhub.web.render import page
from fedhub.web.state import CATALOGUES, DATABASE, FEDERATION, SETTINGS, STATIC, URIS

LATEST = 10
PAGE_SIZE = 10
MAX_PAGE = 100_000
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


async def home(request: web.Request) -> web.Response:
    async with request.app[DATABASE].reading() as session:
        groups = await actors.list_groups(session)
        articles = await posts.list_posts(session, kind="article", limit=LATEST)
        events = await posts.list_posts(session, upcoming_after=datetime.now(UTC), limit=LATEST)
    return page(request, "home.html", groups=groups, articles=articles, events=events)


async def group_page(request: web.Request) -> web.Response:
    """Who the group is, how to follow it, its articles and its events, upcoming then past.

    Articles and past events page separately (`?articles=N`, `?past=N`); upcoming events are
    few and all worth seeing, so the first PAGE_SIZE of them are always shown.
    """
    slug = request.match_info["slug"]
    uris = request.app[URIS]
    articles_page = _page_number(request, "articles")
    past_page = _page_number(request, "past")
    now = datetime.now(UTC)
    async with request.app[DATABASE].reading() as session:
        group = await actors.get_group(session, slug)
        articles = await posts.list_posts(
            session,
            slug=slug,
            kind="article",
            limit=PAGE_SIZE,
            offset=(articles_page - 1) * PAGE_SIZE,
        )
        article_count = await posts.count_posts(session, slug=slug, kind="article")
        upcoming = await posts.list_posts(session, slug=slug, upcoming_after=now, limit=PAGE_SIZE)
        past = await posts.list_posts(
            session,
            slug=slug,
            ended_before=now,
            limit=PAGE_SIZE,
            offset=(past_page - 1) * PAGE_SIZE,
        )
        past_count = await posts.count_posts(session, slug=slug, ended_before=now)
    alternates = [
        {"type": "application/rss+xml", "href": uris.group_feed(slug, "rss"), "title": "RSS"},
        {"type": "application/atom+xml", "href": uris.group_feed(slug, "atom"), "title": "Atom"},
        {"type": "text/calendar", "href": uris.group_feed(slug, "ics"), "title": "iCalendar"},
    ]
    return page(
        request,
        "group.html",
        group=group,
        handle=uris.handle(slug),
        articles=articles,
        articles_page=articles_page,
        articles_more=articles_page * PAGE_SIZE < article_count,
        events=upcoming,
        past=past,
        past_page=past_page,
        past_more=past_page * PAGE_SIZE < past_count,
        alternates=alternates,
    )


async def remote_follow(request: web.Request) -> web.StreamResponse:
    """Send the reader to their own server to follow this group (GET: it changes nothing here)."""
    slug = request.match_info["slug"]
    uris = request.app[URIS]
    async with request.app[DATABASE].reading() as session:
        await actors.get_group(session, slug)
    account = request.query.get("account", "")
    ctx = request.app[FEDERATION]
    # The parser's reasons are English and technical; the reader gets one they can act on.
    unusable = ReaderError(
        gettext("“%(account)s” is not a handle like @you@your.server or a server address.")
        % {"account": account.strip()[:100]}
    )
    try:
        server = parse_account(account).host
    except InvalidInput as error:
        raise unusable from error
    if await ctx.resolver.blocklist.blocking(server):
        # Neither asked nor sent there: a Follow from it would be refused anyway.
        raise ReaderError(
            gettext("This site does not federate with %(server)s: follow from another server.")
            % {"server": server}
        )
    try:
        target = await remote_follow_url(
            ctx.client,
            account,
            handle=uris.handle(slug),
            actor=uris.group(slug),
            development=request.app[SETTINGS].development,
        )
    except InvalidInput as error:
        raise unusable from error
    # As built: yarl would otherwise re-normalise the percent-encoding of the reader's template.
    raise web.HTTPSeeOther(URL(target, encoded=True))


async def choose_language(request: web.Request) -> web.StreamResponse:
    """The language picker works without JavaScript: a link here sets a cookie and goes back."""
    code = request.query.get("lang", "")
    if request.app[CATALOGUES].get(code) is None:
        raise ReaderError(gettext("This interface is not available in that language."))
    response = web.HTTPSeeOther(local_path(request.query.get("next", "/")))
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=LANGUAGE_COOKIE_SECONDS,
        path="/",
        samesite="Lax",
        httponly=True,
        secure=request.app[SETTINGS].scheme == "https",
    )
    raise response


async def static_file(request: web.Request) -> web.StreamResponse:
    return request.app[STATIC].response(request.match_info["name"], request.query.get("v"))


def local_path(target: str) -> str:
    """`target` if it is a path on this site, else the home page: the picker's `next` must not
    become an open redirect (`//evil.example`, `https://…`, `/\\evil.example`)."""
    parts = urlsplit(target)
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or parts.scheme
        or parts.netloc
        or any(ord(c) < 0x20 or c == "\x7f" for c in target)
    ):
        return "/"
    return target


def _page_number(request: web.Request, name: str) -> int:
    raw = request.query.get(name, "1")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise ReaderError(gettext("The page number must be a positive whole number."))
    return int(raw)
