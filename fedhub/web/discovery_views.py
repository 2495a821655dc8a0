"""WebFinger, host-meta and NodeInfo: how other servers find this instance and its groups."""

from __future__ import annotations

from aiohttp import web

from fedhub import __version__
from fedhub.actions.members import PERSON_PREFIX
from fedhub.activitypub import discovery
from fedhub.errors import InvalidInput, NotFound
from fedhub.store import actors, members, posts
from fedhub.web.render import json_response
from fedhub.web.state import DATABASE, SETTINGS, URIS

CORS = {"Access-Control-Allow-Origin": "*"}


async def webfinger(request: web.Request) -> web.Response:
    resource = request.query.get("resource", "")
    if not resource:
        raise InvalidInput("the resource parameter is required")
    uris = request.app[URIS]
    slug = _resolve_slug(resource, uris.base, request.app[SETTINGS].domain)
    async with request.app[DATABASE].reading() as session:
        if slug == actors.INSTANCE_ACTOR_SLUG:
            await actors.get_instance_actor_row(session)
            actor_url, profile = uris.instance_actor(), uris.instance_home()
            subject = f"acct:{uris.handle(request.app[SETTINGS].domain)}"
        elif slug.startswith(PERSON_PREFIX):
            # A member's Person answers only if its member opted in; else as if it did not exist.
            if await members.findable_person(session, slug) is None:
                raise NotFound(f"{resource} is not on this instance")
            actor_url = profile = uris.person(slug)
            subject = f"acct:{uris.handle(slug)}"
        else:
            await actors.get_group_row(session, slug)
            actor_url = profile = uris.group(slug)
            subject = f"acct:{uris.handle(slug)}"
    jrd = discovery.webfinger_jrd(subject, actor_url, profile, aliases=[actor_url])
    response = json_response(jrd, content_type="application/jrd+json")
    response.headers.update(CORS)
    return response


def _resolve_slug(resource: str, base: str, domain: str) -> str:
    """Map an `acct:` handle or an actor URL to a local slug; anything else is not ours."""
    kind, value = discovery.parse_webfinger_resource(resource)
    if kind == "acct":
        user, _, host = value.rpartition("@")
        if host.lower() != domain.lower():
            raise NotFound(f"{resource} is not on this instance")
        # The instance actor answers to its own domain as user, as Mastodon's does.
        return actors.INSTANCE_ACTOR_SLUG if user.lower() == domain.lower() else user.lower()
    if value == f"{base}/actor" or value.rstrip("/") == base:
        return actors.INSTANCE_ACTOR_SLUG
    prefix = f"{base}/groups/"
    if value.startswith(prefix) and "/" not in value[len(prefix) :]:
        return value[len(prefix) :]
    prefix = f"{base}/users/"
    if value.startswith(prefix) and value[len(prefix) :].startswith(PERSON_PREFIX):
        return value[len(prefix) :]
    raise NotFound(f"{resource} is not on this instance")


async def host_meta(request: web.Request) -> web.Response:
    response = web.Response(
        text=discovery.host_meta_xml(request.app[URIS].base),
        content_type="application/xrd+xml",
        charset="utf-8",
    )
    response.headers.update(CORS)
    return response


async def nodeinfo_links(request: web.Request) -> web.Response:
    response = json_response(discovery.nodeinfo_links(request.app[URIS].base))
    response.headers.update(CORS)
    return response


async def nodeinfo(request: web.Request) -> web.Response:
    async with request.app[DATABASE].reading() as session:
        groups = await actors.count_groups(session)
        local_posts = await posts.count_posts(session)
    document = discovery.nodeinfo(
        version=__version__,
        open_registrations=False,
        users_total=groups,
        local_posts=local_posts,
        metadata={"nodeName": request.app[SETTINGS].name},
    )
    response = json_response(
        document,
        content_type='application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"',
    )
    response.headers.update(CORS)
    return response
