"""Articles, events, the Create activities that published them, and their files."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from fedhub.activitypub.jsonld import fresh_context
from fedhub.domain.records import Place, PostKind
from fedhub.errors import Gone, NotFound
from fedhub.federation.to_ap import create_to_ap, post_to_ap
from fedhub.store import actors, media, posts
from fedhub.web.render import activity_response, page, text_for, wants_json
from fedhub.web.state import DATABASE, SETTINGS, URIS

OSM = "https://www.openstreetmap.org"


async def post(request: web.Request) -> web.Response:
    slug, kind, public_id = _ids(request)
    uris = request.app[URIS]
    async with request.app[DATABASE].reading() as session:
        group = await actors.get_group(session, slug)
        try:
            record = await posts.get_post(session, slug, kind, public_id)
        except Gone:
            if not wants_json(request):
                raise
            # Peers that fetch a deleted object learn what it was, as Mastodon answers.
            tombstone = {
                "@context": fresh_context(),
                "id": uris.post(slug, kind, public_id),
                "type": "Tombstone",
                "formerType": kind.title(),
            }
            return activity_response(tombstone, status=410)
    if wants_json(request):
        return activity_response(post_to_ap(record, uris, group))
    return page(
        request,
        f"{kind}.html",
        group=group,
        post=record,
        text=text_for(record, request.query.get("lang")),
        handle=uris.handle(slug),
        ap_id=uris.post(slug, kind, public_id),
        map_url=map_url(record.event.place) if record.event and record.event.place else None,
    )


def map_url(place: Place) -> str | None:
    """An OpenStreetMap link (only a link: the page itself loads no map from anywhere)."""
    if place.latitude is not None and place.longitude is not None:
        lat, lon = f"{place.latitude:.6f}", f"{place.longitude:.6f}"
        return f"{OSM}/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    query = place.address or place.name
    return f"{OSM}/search?query={quote(query)}" if query else None


async def post_activity(request: web.Request) -> web.Response:
    slug, kind, public_id = _ids(request)
    uris = request.app[URIS]
    async with request.app[DATABASE].reading() as session:
        group = await actors.get_group(session, slug)
        record = await posts.get_post(session, slug, kind, public_id)
    return activity_response(create_to_ap(record, uris, group))


def _ids(request: web.Request) -> tuple[str, PostKind, str]:
    kind: PostKind = "event" if request.match_info["kinds"] == "events" else "article"
    return request.match_info["slug"], kind, request.match_info["public_id"]


async def media_file(request: web.Request) -> web.StreamResponse:
    """Serve a stored file; only files the database knows, with their recorded type."""
    sha256 = request.match_info["sha256"]
    async with request.app[DATABASE].reading() as session:
        row = await media.get_media(session, sha256)
    path = media.media_path(request.app[SETTINGS].media_dir, sha256)
    if row is None or not path.is_file():
        raise NotFound("no such file")
    response = web.FileResponse(
        path,
        headers={
            "Content-Type": row.media_type,
            "Cache-Control": "public, max-age=31536000, immutable",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
    return response
