"""Followers and following from the editors' pages, between two real instances on both databases."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable

from fedhub.actions import follows
from fedhub.store import actors
from fedhub.store import follows as follow_store
from fedhub.store.tables import Follower, RemoteActor
from fedhub.web.editor_social_views import FOLLOWERS_PAGE
from tests.federation.conftest import Node, eventually, make_node  # noqa: F401 (a fixture)
from tests.web.editor_browser import EditorBrowser
from tests.web.test_editor_posts import field_error, field_value

MakeNode = Callable[[str, str], Awaitable[Node]]


async def states(node: Node, slug: str, direction: str) -> list[str]:
    async with node.database.reading() as session:
        local = await actors.get_group_row(session, slug)
        if direction == "followers":
            rows = await follow_store.list_followers(session, local.id)
            return [row.state for _, row in rows]
        return [row.state for _, row in await follow_store.list_following(session, local.id)]


async def test_a_follow_request_is_approved_then_the_follower_removed(
    make_node: MakeNode,  # noqa: F811
) -> None:
    kyiv = await make_node("kyiv", "kyiv")
    tbilisi = await make_node("tbilisi", "tbilisi")
    editor = EditorBrowser(kyiv.settings.base_url)
    try:
        await editor.log_in(kyiv.database, "olena", "editor", "kyiv")
        # The group chooses to approve followers by hand.
        response, _ = await editor.post(
            "/editor/kyiv/followers/settings",
            {"manual_approval": "on"},
            page="/editor/kyiv/followers",
        )
        assert response.headers["Location"] == "/editor/kyiv/followers?done=settings"
        async with kyiv.database.reading() as session:
            assert (await actors.get_group(session, "kyiv")).manually_approves_followers

        await follows.follow(tbilisi.ctx, "tbilisi", kyiv.handle("kyiv"))
        await eventually(
            lambda: _equals(states(kyiv, "kyiv", "followers"), ["pending"]), "the Follow"
        )
        response, html = await editor.get("/editor/kyiv")
        assert "Waiting for approval: 1" in html
        response, html = await editor.get("/editor/kyiv/followers")
        tbilisi_actor = tbilisi.uris.group("tbilisi")
        assert f"@tbilisi@{tbilisi.settings.domain}" in html
        assert f'name="actor" value="{tbilisi_actor}"' in html

        response, _ = await editor.post(
            "/editor/kyiv/followers", {"actor": tbilisi_actor, "decision": "approve"}
        )
        assert response.headers["Location"] == "/editor/kyiv/followers?done=approved"
        await eventually(
            lambda: _equals(states(tbilisi, "tbilisi", "following"), ["accepted"]), "the Accept"
        )
        # Approving twice is refused and says why.
        response, html = await editor.post(
            "/editor/kyiv/followers", {"actor": tbilisi_actor, "decision": "approve"}
        )
        assert response.status == 409 and "already a follower" in html

        response, _ = await editor.post(
            "/editor/kyiv/followers", {"actor": tbilisi_actor, "decision": "remove"}
        )
        assert response.headers["Location"] == "/editor/kyiv/followers?done=removed"
        assert await states(kyiv, "kyiv", "followers") == []
        await eventually(
            lambda: _equals(states(tbilisi, "tbilisi", "following"), ["rejected"]),
            "the Reject at Tbilisi",
        )
        response, _ = await editor.post(
            "/editor/kyiv/followers", {"actor": tbilisi_actor, "decision": "promote"}
        )
        assert response.status == 400
    finally:
        await editor.close()


async def test_an_editor_follows_and_unfollows_a_remote_group_by_handle(
    make_node: MakeNode,  # noqa: F811
) -> None:
    kyiv = await make_node("kyiv", "kyiv")
    tbilisi = await make_node("tbilisi", "tbilisi")
    editor = EditorBrowser(tbilisi.settings.base_url)
    try:
        await editor.log_in(tbilisi.database, "nino", "editor", "tbilisi")
        following = "/editor/tbilisi/following"

        # Not a handle, and a handle nobody answers for: the reason by the field, nothing kept.
        response, html = await editor.post(following, {"handle": "  "})
        assert response.status == 400
        assert "enter a handle" in field_error(html, "handle")
        response, html = await editor.post(following, {"handle": "not a handle"})
        assert 400 <= response.status < 500
        assert field_error(html, "handle")
        assert field_value(html, "handle") == "not a handle"
        response, html = await editor.post(following, {"handle": kyiv.handle("nobody")})
        assert response.status >= 400
        assert field_error(html, "handle")
        assert await states(tbilisi, "tbilisi", "following") == []

        response, _ = await editor.post(following, {"handle": kyiv.handle("kyiv")})
        assert response.headers["Location"] == f"{following}?done=followed"
        await eventually(
            lambda: _equals(states(tbilisi, "tbilisi", "following"), ["accepted"]), "the Accept"
        )
        response, html = await editor.get(following)
        assert f"@kyiv@{kyiv.settings.domain}" in html

        response, _ = await editor.post(
            f"{following}/unfollow", {"actor": kyiv.uris.group("kyiv")}, page=following
        )
        assert response.headers["Location"] == f"{following}?done=unfollowed"
        assert await states(tbilisi, "tbilisi", "following") == []
        await eventually(lambda: _equals(states(kyiv, "kyiv", "followers"), []), "the Undo")
    finally:
        await editor.close()


async def _equals(value: Awaitable[list[str]], expected: list[str]) -> bool:
    return await value == expected


async def test_the_followers_page_is_paged(make_node: MakeNode) -> None:  # noqa: F811
    kyiv = await make_node("kyiv", "kyiv")
    async with kyiv.database.transaction() as session:
        group = await actors.get_group_row(session, "kyiv")
        for n in range(FOLLOWERS_PAGE + 50):
            actor = RemoteActor(
                uri=f"https://peer.example/users/u{n}",
                type="Person",
                domain="peer.example",
                preferred_username=f"u{n}",
                inbox=f"https://peer.example/users/u{n}/inbox",
                raw={},
            )
            session.add(actor)
            await session.flush()
            session.add(
                Follower(
                    local_actor_id=group.id,
                    remote_actor_id=actor.id,
                    state="pending" if n < 3 else "accepted",
                    follow_activity_uri=f"{actor.uri}/follow",
                )
            )
    editor = EditorBrowser(kyiv.settings.base_url)
    try:
        await editor.log_in(kyiv.database, "olena", "editor", "kyiv")
        _, first = await editor.get("/editor/kyiv/followers")
        shown = set(re.findall(r"@(u\d+)@peer\.example", first))
        # Newest first: the 3 pending requests, then the 100 newest of 147 followers.
        assert shown == {f"u{n}" for n in range(3)} | {
            f"u{n}" for n in range(50, FOLLOWERS_PAGE + 50)
        }
        older = re.search(r'rel="next" href="([^"]+)"', first)
        assert older is not None and "before=" in older.group(1)
        _, second = await editor.get(html.unescape(older.group(1)))
        rest = set(re.findall(r"@(u\d+)@peer\.example", second)) - {f"u{n}" for n in range(3)}
        assert rest == {f"u{n}" for n in range(3, 50)}
        assert 'rel="first" href="/editor/kyiv/followers"' in second
        assert 'rel="next"' not in second
        for bad in ("x", "-1", "²"):
            response, _ = await editor.get(f"/editor/kyiv/followers?before={bad}")
            assert response.status == 400
    finally:
        await editor.close()
