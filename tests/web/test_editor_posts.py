"""The editors' pages over real HTTP, on both databases: writing, previewing, editing,
translating, deleting and cancelling, with a second real instance as the follower."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from html import unescape
from typing import Any

import pytest
from aiohttp import web
from PIL import Image
from sqlalchemy import func, select

from fedhub.actions import follows
from fedhub.actions.demo import seed_demo
from fedhub.actions.groups import create_group
from fedhub.store import network, posts
from fedhub.store.tables import OutboxActivity, Post, PostAttachment
from fedhub.web.app import create_app
from tests.conftest import Instance
from tests.federation.conftest import Node, eventually, make_node  # noqa: F401 (a fixture)
from tests.web.editor_browser import EditorBrowser

MakeNode = Callable[[str, str], Awaitable[Node]]
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
GPS_IFD = 0x8825
AP = "application/activity+json"


def photo_with_gps() -> bytes:
    image = Image.new("RGB", (32, 16), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (41.0, 42.0, 0.0), 3: "E", 4: (44.0, 47.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def field_error(html: str, name: str) -> str:
    """The reason printed next to a field (the `<p class="error" id="NAME-error">`)."""
    found = re.search(rf'<p class="error" id="{name}-error"[^>]*>([^<]*)</p>', html)
    assert found, f"no error next to {name}"
    return unescape(found.group(1))


def field_value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no field {name}"
    return unescape(found.group(1))


async def count(instance_db: Any, table: type) -> int:
    async with instance_db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def counts(database: Any) -> tuple[int, int, int]:
    return (
        await count(database, Post),
        await count(database, PostAttachment),
        await count(database, OutboxActivity),
    )


@pytest.fixture
async def editor(instance: Instance) -> AsyncIterator[EditorBrowser]:
    await seed_demo(instance.database, instance.settings)
    browser = EditorBrowser(instance.base_url)
    await browser.log_in(instance.database, "olena", "editor", "demo")
    yield browser
    await browser.close()


ARTICLE = {"lang": "uk", "title": "Звіт", "summary": "", "body": "Текст", "tags": ""}
EVENT = {
    "lang": "en", "title": "Picnic", "body": "Bring food.", "tags": "picnic",
    "start": "2027-06-14T12:00", "end": "2027-06-14T15:00", "timezone": "Europe/Kyiv",
    "place_name": "Hydropark", "address": "", "latitude": "", "longitude": "", "online_url": "",
}  # fmt: skip


async def test_an_article_is_written_previewed_published_edited_translated_and_deleted(
    make_node: MakeNode,  # noqa: F811
) -> None:
    kyiv = await make_node("kyiv", "kyiv")
    tbilisi = await make_node("tbilisi", "tbilisi")
    await follows.follow(tbilisi.ctx, "tbilisi", kyiv.handle("kyiv"))

    async def network_object(uri: str) -> dict[str, Any] | None:
        async with tbilisi.database.reading() as session:
            row = await network.get_object(session, uri)
        return row.raw if row is not None else None

    editor = EditorBrowser(kyiv.settings.base_url)
    try:
        await editor.log_in(kyiv.database, "olena", "editor", "kyiv")
        response, html = await editor.get("/account")
        assert 'href="/editor/kyiv"' in html  # the way in, from the account page
        response, html = await editor.get("/editor/kyiv/articles/new")
        assert response.status == 200
        assert response.headers["Cache-Control"] == "private, no-store"
        assert '<form class="stack" method="post" enctype="multipart/form-data"' in html

        # Preview: the body rendered by the publishing renderer, the form kept, nothing stored.
        draft = {**ARTICLE, "body": "**Сміливо** <script>alert(1)</script>", "tags": "pride"}
        response, html = await editor.post(
            "/editor/kyiv/articles/new", {**draft, "action": "preview"}
        )
        assert response.status == 200
        assert "<strong>Сміливо</strong>" in html and "<script>alert(1)" not in html
        assert field_value(html, "title") == "Звіт" and field_value(html, "tags") == "pride"
        assert await count(kyiv.database, Post) == 0

        # Publish with a PDF and a phone photo carrying GPS.
        response, _ = await editor.post(
            "/editor/kyiv/articles/new",
            {**draft, "action": "save"},
            files=[
                ("plan.pdf", PDF, "application/pdf"),
                ("IMG_1.jpg", photo_with_gps(), "image/jpeg"),
            ],
        )
        assert response.status == 303
        assert response.headers["Location"] == "/editor/kyiv?done=published"
        response, html = await editor.get("/editor/kyiv?done=published")
        assert 'role="status"' in html and "Published." in html
        async with kyiv.database.reading() as session:
            (post,) = await posts.list_posts(session, slug="kyiv")
        assert [a.media_type for a in post.attachments] == ["application/pdf", "image/jpeg"]
        async with editor.http.get(
            kyiv.uris.media(post.attachments[1].sha256, "IMG_1.jpg")
        ) as served:
            photo = await served.read()
        with Image.open(io.BytesIO(photo)) as image:
            assert image.getexif().get_ifd(GPS_IFD) == {}
        assert b"PhoneMaker" not in photo
        uri = kyiv.uris.post("kyiv", "article", post.public_id)
        kyiv.ctx.wake_delivery()
        created = await eventually(lambda: network_object(uri), "the Create at Tbilisi")
        assert created["name"] == "Звіт"

        # Edit: the new title reaches the follower as an Update; the photo is taken off.
        edit = f"/editor/kyiv/articles/{post.public_id}/edit"
        response, html = await editor.get(edit)
        assert field_value(html, "title") == "Звіт"
        assert field_value(html, "summary") == ""  # the lead was derived, so it stays derived
        assert "plan.pdf" in html
        response, _ = await editor.post(
            edit,
            {**draft, "title": "Звіт (оновлено)", "remove": post.attachments[1].sha256},
        )
        assert response.status == 303

        async def renamed() -> bool:
            raw = await network_object(uri)
            return raw is not None and raw["name"] == "Звіт (оновлено)"

        await eventually(renamed, "the Update at Tbilisi")
        async with kyiv.database.reading() as session:
            edited = await posts.get_post(session, "kyiv", "article", post.public_id)
        assert [a.filename for a in edited.attachments] == ["plan.pdf"]

        # A translation: the same object gains a language.
        translate = f"/editor/kyiv/articles/{post.public_id}/translate"
        response, _ = await editor.post(
            translate, {"lang": "en", "title": "Report", "summary": "", "body": "Text"}
        )
        assert response.status == 303

        async def translated() -> bool:
            raw = await network_object(uri)
            return raw is not None and "en" in raw.get("contentMap", {})

        await eventually(translated, "the translation at Tbilisi")
        response, html = await editor.post(
            translate, {"lang": "en", "title": "Again", "summary": "", "body": "Text"}
        )
        assert response.status == 400
        assert "already has a 'en' version" in field_error(html, "lang")

        # Delete: a confirmation page first, then 410 here and the object gone there.
        delete = f"/editor/kyiv/articles/{post.public_id}/delete"
        response, html = await editor.get(delete)
        assert response.status == 200 and "Delete this article?" in html
        response, _ = await editor.post(delete, {})
        assert response.status == 303
        async with editor.http.get(uri) as gone:
            assert gone.status == 410
        await eventually(lambda: _is_none(network_object(uri)), "the Delete at Tbilisi")
    finally:
        await editor.close()


async def _is_none(value: Awaitable[object]) -> bool:
    return await value is None


async def test_an_event_is_created_edited_and_cancelled(
    instance: Instance, editor: EditorBrowser
) -> None:
    response, html = await editor.get("/editor/demo/events/new")
    assert response.status == 200
    common = html.index('<optgroup label="Common">')
    assert html.index('<option value="Europe/Kyiv"', common) < html.index("Africa/Abidjan")
    assert 'type="datetime-local"' in html
    response, _ = await editor.post("/editor/demo/events/new", EVENT)
    assert response.status == 303
    async with instance.database.reading() as session:
        event = next(
            p for p in await posts.list_posts(session, slug="demo", kind="event")
            if p.primary.name == "Picnic"
        )  # fmt: skip
    edit = f"/editor/demo/events/{event.public_id}/edit"
    response, html = await editor.get(edit)
    assert field_value(html, "start") == "2027-06-14T12:00"  # wall time in Kyiv, not UTC
    assert '<option value="Europe/Kyiv" selected>' in html
    moved = {
        **EVENT, "start": "2027-06-15T19:00", "end": "2027-06-15T21:00",
        "timezone": "Asia/Tbilisi", "place_name": "", "online_url": "https://meet.example/p",
    }  # fmt: skip
    response, _ = await editor.post(edit, moved)
    assert response.status == 303
    uri = instance.uris.post("demo", "event", event.public_id)
    async with instance.http.get(uri, headers={"Accept": AP}) as served:
        document = json.loads(await served.read())
    assert document["startTime"] == "2027-06-15T19:00:00+04:00"
    assert document["location"]["type"] == "VirtualLocation"
    assert document["ical:status"] == "CONFIRMED"

    cancel = f"/editor/demo/events/{event.public_id}/cancel"
    response, html = await editor.get(cancel)
    assert response.status == 200 and "Cancel this event?" in html
    response, _ = await editor.post(cancel, {})
    assert response.headers["Location"] == "/editor/demo?done=cancelled"
    async with instance.http.get(uri, headers={"Accept": AP}) as served:
        assert json.loads(await served.read())["ical:status"] == "CANCELLED"
    async with instance.http.get(uri) as served:
        assert "This event is cancelled." in await served.text()  # readers see it too
    async with instance.database.reading() as session:
        update = await session.scalar(
            select(OutboxActivity)
            .where(OutboxActivity.type == "Update", OutboxActivity.object_uri == uri)
            .order_by(OutboxActivity.id.desc())
            .limit(1)
        )
    assert update is not None and update.payload["object"]["ical:status"] == "CANCELLED"
    assert update.payload["object"]["summary"].startswith("CANCELLED · ")  # what Mastodon shows
    response, html = await editor.post(cancel, {})  # a second time
    assert response.status == 409


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"title": "  "}, "title", "the title is empty"),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
        ({"end": "2027-06-14T11:00"}, "end", "ends before it starts"),
        ({"start": "2027-03-28T03:30"}, "start", "does not exist in Europe/Kyiv"),
        ({"online_url": "javascript:alert(1)"}, "online_url", "must start with https://"),
        ({"place_name": ""}, "place_name", "needs a place or an online link"),
        ({"latitude": "50.4"}, "latitude", "both latitude and longitude"),
        ({"lang": "xx-nope"}, "lang", "unknown language code"),
    ],
)
async def test_an_invalid_event_comes_back_with_the_reason_by_its_field(
    instance: Instance, editor: EditorBrowser, change: dict[str, str], field: str, reason: str
) -> None:
    before = await counts(instance.database)
    response, html = await editor.post("/editor/demo/events/new", {**EVENT, **change})
    assert response.status == 400
    assert reason in field_error(html, field)
    assert 'aria-invalid="true"' in html
    assert field_value(html, "title") == {**EVENT, **change}["title"]  # what was typed is kept
    assert await counts(instance.database) == before


async def test_invalid_articles_and_files_change_nothing(
    instance: Instance, editor: EditorBrowser
) -> None:
    before = await counts(instance.database)
    response, html = await editor.post(
        "/editor/demo/articles/new",
        {**ARTICLE, "title": "", "body": "", "tags": " ".join(f"t{n}" for n in range(30))},
    )
    assert response.status == 400
    assert field_error(html, "title") == "the title is empty"
    assert field_error(html, "body") == "the article body is empty"
    assert "at most 20 tags" in field_error(html, "tags")
    disguised = [("photo.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg")]
    response, html = await editor.post("/editor/demo/articles/new", ARTICLE, files=disguised)
    assert response.status == 400
    assert "unsupported file type" in field_error(html, "files")
    mislabelled = [("photo.jpg", PDF, "image/jpeg")]
    response, html = await editor.post("/editor/demo/articles/new", ARTICLE, files=mislabelled)
    assert "sent as image/jpeg but its content is application/pdf" in field_error(html, "files")
    assert await counts(instance.database) == before


async def test_an_upload_over_the_limit_is_a_413_with_a_reason(instance: Instance) -> None:
    await seed_demo(instance.database, instance.settings)
    small = dataclasses.replace(instance.settings, max_upload_bytes=100_000)
    runner = web.AppRunner(create_app(small, instance.database, deliver=False))
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    browser = EditorBrowser(f"http://127.0.0.1:{sock.getsockname()[1]}")
    try:
        await browser.log_in(instance.database, "olena", "editor", "demo")
        before = await counts(instance.database)
        big = PDF + b"0" * 150_000
        response, html = await browser.post(
            "/editor/demo/articles/new", ARTICLE, files=[("big.pdf", big, "application/pdf")]
        )
        assert response.status == 413
        assert "larger than this instance&#39;s limit of 100,000 bytes" in html
        assert await counts(instance.database) == before
    finally:
        await browser.close()
        await runner.cleanup()
        sock.close()


async def test_editors_reach_only_their_own_group_and_every_form_needs_its_token(
    instance: Instance, editor: EditorBrowser
) -> None:
    async with instance.database.reading() as session:
        article = (await posts.list_posts(session, slug="demo", kind="article"))[0]
    edit = f"/editor/demo/articles/{article.public_id}/edit"
    stranger = EditorBrowser(instance.base_url)
    anonymous = EditorBrowser(instance.base_url)
    try:
        await create_group(instance.database, "other", "Other group")
        await stranger.log_in(instance.database, "taras", "editor", "other")
        response, _ = await stranger.get("/editor/demo")
        assert response.status == 403
        response, _ = await stranger.post(
            edit, {**ARTICLE, "title": "Hijacked"}, page="/editor/other/articles/new"
        )
        assert response.status == 403
        # Their own group's address with the demo group's post: not found, not edited.
        response, _ = await stranger.get(f"/editor/other/articles/{article.public_id}/edit")
        assert response.status == 404
        response, _ = await anonymous.get(edit)
        assert response.status == 303
        assert response.headers["Location"].startswith("/login?next=/editor/demo/articles/")

        before = await counts(instance.database)
        response, _ = await editor.post(edit, {**ARTICLE, "title": "No token"}, csrf=False)
        assert response.status == 403
        response, _ = await editor.post(
            f"/editor/demo/articles/{article.public_id}/delete", {"csrf": "forged"}, csrf=False
        )
        assert response.status == 403
        assert await counts(instance.database) == before
        async with instance.database.reading() as session:
            unchanged = await posts.get_post(session, "demo", "article", article.public_id)
        assert unchanged.primary.name == article.primary.name
    finally:
        await stranger.close()
        await anonymous.close()
