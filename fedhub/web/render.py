"""Turns views' results into responses: ActivityStreams JSON, or an HTML page from a template."""

from __future__ import annotations

import json
from typing import Any

import jinja2
from aiohttp import web

from fedhub.activitypub.media_types import ACTIVITY_JSON, wants_activity_json
from fedhub.domain.languages import is_rtl
from fedhub.resources import resource_dir
from fedhub.web import i18n
from fedhub.web.state import SETTINGS, TEMPLATES, URIS


def template_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(resource_dir("templates")),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext_, i18n.ngettext_, newstyle=True
    )
    env.filters["text_dir"] = lambda lang: "rtl" if lang and is_rtl(lang) else "ltr"
    return env


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


def page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """An HTML page; the alternate ActivityStreams link lets tools find the JSON."""
    env = request.app[TEMPLATES]
    html = env.get_template(template).render(
        settings=request.app[SETTINGS], uris=request.app[URIS], request=request, **context
    )
    response = web.Response(status=status, text=html, content_type="text/html", charset="utf-8")
    response.headers["Vary"] = "Accept"
    return response
