"""Turns views' results into responses: ActivityStreams JSON, or an HTML page from a template."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import jinja2
from aiohttp import web
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.units import format_unit

from fedhub.activitypub.media_types import ACTIVITY_JSON, wants_activity_json
from fedhub.domain.event_summary import event_when
from fedhub.domain.languages import is_rtl
from fedhub.domain.records import EventDetails, Post, Text
from fedhub.resources import resource_dir
from fedhub.web import i18n
from fedhub.web.state import CATALOGUES, SETTINGS, STATIC, TEMPLATES, URIS


def template_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(resource_dir("templates")),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.filters["text_dir"] = lambda lang: "rtl" if lang and is_rtl(lang) else "ltr"
    env.filters["date"] = local_date
    env.filters["filesize"] = file_size
    env.globals["event_time"] = event_time
    env.globals["language_name"] = language_name
    env.globals["text_for"] = text_for
    return env


def event_time(event: EventDetails, zone: str | None = None) -> str:
    """When an event happens, read in `zone` (default: the event's own) by the reader."""
    return event_when(event.start, event.end, zone or event.timezone, i18n.current().code)


def text_for(post: Post, asked: str | None = None) -> Text:
    """The version the reader asked for (`?lang=`), else one in their interface language, else
    the original."""
    by_lang = {text.lang: text for text in post.texts}
    if asked in by_lang:
        return by_lang[asked]
    interface = i18n.current().code
    same = next((t for t in post.texts if t.lang.split("-")[0] == interface), None)
    return same or post.primary


def language_name(code: str) -> str:
    """A content language's name in itself ("Українська"), so a reader spots their own."""
    try:
        locale = Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return code
    return i18n.native_name(locale)


def local_date(moment: datetime) -> str:
    """A date as the reader's interface language writes it ("5 груд. 2026 р.")."""
    return format_date(moment, "medium", locale=i18n.current().locale)


def file_size(size: int) -> str:
    """A file's size in the reader's language and digits ("1,2 МБ"), so they know before fetching."""
    locale = i18n.current().locale
    if size < 1000 * 1000:
        return format_unit(size / 1000, "digital-kilobyte", "short", "#,##0.#", locale=locale)
    return format_unit(size / 1000 / 1000, "digital-megabyte", "short", "#,##0.#", locale=locale)


def wants_json(request: web.Request) -> bool:
    return wants_activity_json(request.headers.get("Accept", ""))


def activity_response(document: dict[str, Any], status: int = 200) -> web.Response:
    """ActivityStreams JSON, as `application/activity+json` (Mastodon's expectation)."""
    response = web.Response(
        status=status,
        body=json.dumps(document, ensure_ascii=False).encode("utf-8"),
        content_type=ACTIVITY_JSON,
        charset="utf-8",
    )
    response.headers["Vary"] = "Accept"
    return response


def json_response(
    document: Any, content_type: str = "application/json", status: int = 200
) -> web.Response:
    """JSON with any media type, parameters included (NodeInfo's carries a profile)."""
    return web.Response(
        status=status,
        body=json.dumps(document, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": f"{content_type}; charset=utf-8"},
    )


def _login_url(request: web.Request) -> str | None:
    """The header's "Log in" link, once the accounts part registers a route named "login"."""
    resource = request.app.router.named_resources().get("login")
    return str(resource.url_for()) if resource is not None else None


def page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """An HTML page in the reader's interface language (negotiated by the middleware)."""
    env = request.app[TEMPLATES]
    interface = i18n.current()
    html = env.get_template(template).render(
        settings=request.app[SETTINGS],
        uris=request.app[URIS],
        request=request,
        interface=interface,
        interfaces=request.app[CATALOGUES].interfaces,
        static=request.app[STATIC].path,
        login_url=_login_url(request),
        **context,
    )
    response = web.Response(status=status, text=html, content_type="text/html", charset="utf-8")
    # The same URL answers JSON or HTML, in a language chosen by header or by cookie.
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    response.headers["Content-Language"] = interface.code
    return response
