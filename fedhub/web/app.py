"""The application factory and the whole URL map, on one screen."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from fedhub.delivery.service import delivery_context, guarded_send
from fedhub.delivery.worker import DeliveryWorker
from fedhub.federation.commits import GroupCommit
from fedhub.federation.setup import federation
from fedhub.resources import resource_dir
from fedhub.settings import Settings
from fedhub.store import search
from fedhub.store.database import Database
from fedhub.uris import Uris
from fedhub.web import (
    account_views,
    actor_views,
    admin_views,
    discovery_views,
    federation_views,
    feed_views,
    member_views,
    network_views,
    page_views,
    post_views,
)
from fedhub.web.auth import csrf_protection, install_auth
from fedhub.web.editor_routes import add_editor_routes
from fedhub.web.i18n import Catalogues
from fedhub.web.middleware import errors, interface_language, security_headers
from fedhub.web.render import template_environment
from fedhub.web.state import (
    CATALOGUES,
    DATABASE,
    FEDERATION,
    SETTINGS,
    STATIC,
    TEMPLATES,
    URIS,
    WORKER,
)
from fedhub.web.static_files import StaticFiles

SLUG = r"{slug:[a-z0-9_]{1,64}}"
PUBLIC_ID = r"{public_id:[A-Za-z0-9_-]{1,32}}"
KINDS = r"{kinds:articles|events}"
FEEDS = r"{file:feed\.rss|feed\.atom|events\.ics}"


def add_routes(app: web.Application) -> None:
    app.router.add_routes(
        [
            web.get("/", page_views.home),
            web.get("/language", page_views.choose_language),
            web.get(r"/static/{name:[a-z0-9_-]{1,64}\.(?:css|js|svg)}", page_views.static_file),
            web.get("/.well-known/webfinger", discovery_views.webfinger),
            web.get("/.well-known/host-meta", discovery_views.host_meta),
            web.get("/.well-known/nodeinfo", discovery_views.nodeinfo_links),
            web.get("/nodeinfo/2.1", discovery_views.nodeinfo),
            web.get("/actor", actor_views.instance_actor),
            web.post("/inbox", federation_views.inbox),
            web.get("/inbox", federation_views.inbox_get),
            web.post("/actor/inbox", federation_views.inbox),
            web.get("/actor/inbox", federation_views.inbox_get),
            web.get(
                r"/actor/activities/{token:[A-Za-z0-9_-]{1,32}}", federation_views.sent_activity
            ),
            web.get("/actor/outbox", actor_views.instance_outbox),
            web.get("/actor/followers", actor_views.followers),
            web.get("/actor/following", actor_views.following),
            web.get("/network", network_views.network_view),
            web.get(f"/network/{FEEDS}", feed_views.network_feed),
            web.get("/tags/{name}", network_views.tag_view),
            web.get(f"/tags/{{name}}/{FEEDS}", feed_views.tag_feed),
            web.get(f"/groups/{SLUG}", actor_views.group_actor),
            web.post(f"/groups/{SLUG}/inbox", federation_views.inbox),
            web.get(f"/groups/{SLUG}/inbox", federation_views.inbox_get),
            web.get(f"/groups/{SLUG}/outbox", actor_views.outbox),
            web.get(f"/groups/{SLUG}/remote-follow", page_views.remote_follow),
            web.get(f"/groups/{SLUG}/followers", actor_views.followers),
            web.get(f"/groups/{SLUG}/following", actor_views.following),
            web.get(f"/groups/{SLUG}/{FEEDS}", feed_views.group_feed),
            web.get(f"/groups/{SLUG}/events/{PUBLIC_ID}.ics", feed_views.event_calendar),
            web.get(f"/groups/{SLUG}/{KINDS}/{PUBLIC_ID}", post_views.post),
            web.get(f"/groups/{SLUG}/{KINDS}/{PUBLIC_ID}/activity", post_views.post_activity),
            web.get(
                rf"/groups/{SLUG}/activities/{{token:[A-Za-z0-9_-]{{1,32}}}}",
                federation_views.sent_activity,
            ),
            web.get(r"/media/{sha256:[0-9a-f]{64}}/{filename}", post_views.media_file),
        ]
    )
    account_views.add_account_routes(app)
    admin_views.add_admin_routes(app)
    member_views.add_member_routes(app)
    add_editor_routes(app)


def create_app(
    settings: Settings, database: Database | None = None, *, deliver: bool = True
) -> web.Application:
    """Build the application; it opens (and closes) its own database unless one is handed in.

    With `deliver`, the delivery worker runs inside the server (one process does it all).
    """
    app = web.Application(
        middlewares=[security_headers, interface_language, errors, csrf_protection],
        client_max_size=settings.max_upload_bytes,
    )
    app[SETTINGS] = settings
    app[URIS] = Uris(settings.base_url)
    app[TEMPLATES] = template_environment()
    install_auth(app)
    app[CATALOGUES] = Catalogues.load()
    app[STATIC] = StaticFiles.load(resource_dir("templates") / "static")

    async def database_ctx(app: web.Application) -> AsyncIterator[None]:
        if database is not None:
            app[DATABASE] = database
            yield
            return
        app[DATABASE] = Database(settings.resolved_database_url())
        await app[DATABASE].migrate()
        yield
        await app[DATABASE].close()

    async def federation_ctx(app: web.Application) -> AsyncIterator[None]:
        async with (
            federation(settings, app[DATABASE]) as ctx,
            GroupCommit(ctx.database, follow_up=search.drain_backlog) as commits,
        ):
            ctx.inbox_commits = commits
            app[FEDERATION] = ctx
            yield

    def make_worker(app: web.Application) -> DeliveryWorker:
        ctx = app[FEDERATION]
        # A short idle poll: posts published by the CLI (another process) go out within a second.
        worker = DeliveryWorker(
            ctx.database,
            guarded_send(ctx.client, ctx.resolver.blocklist),
            ctx.uris,
            idle_poll=0.5,
            lease=timedelta(seconds=settings.delivery_lease_seconds),
        )
        ctx.wake_delivery = worker.wake
        return worker

    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(federation_ctx)
    if deliver:
        app.cleanup_ctx.append(delivery_context(make_worker, WORKER))
    add_routes(app)
    return app
