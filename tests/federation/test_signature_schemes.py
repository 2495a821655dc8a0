"""Two real fedhub instances talking RFC 9421 HTTP Message Signatures to each other."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import pytest

from fedhub.actions import follows
from fedhub.store import actors
from fedhub.store import follows as follow_store
from tests.federation.conftest import Node, eventually


async def accepted(node: Node, slug: str) -> bool:
    async with node.database.reading() as session:
        local = await actors.get_group_row(session, slug)
        rows = await follow_store.list_following(session, local.id)
    return bool(rows) and all(row.state == "accepted" for _, row in rows)


async def test_fedhub_to_fedhub_with_rfc9421_on_the_wire(
    make_node: Callable[[str, str], Awaitable[Node]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="fedhub.net")
    kyiv = await make_node("kyiv", "kyiv")
    tbilisi = await make_node("tbilisi", "tbilisi")
    # Each has learned that the other takes RFC 9421 (as after one refused draft-cavage knock).
    kyiv_origin, tbilisi_origin = kyiv.settings.base_url, tbilisi.settings.base_url
    tbilisi.ctx.client.schemes.remember(kyiv_origin, "rfc9421")
    kyiv.ctx.client.schemes.remember(tbilisi_origin, "rfc9421")

    # The signed actor fetches, the Follow and the Accept all go out signed with RFC 9421 only.
    await follows.follow(tbilisi.ctx, "tbilisi", kyiv.handle("kyiv"))
    await eventually(lambda: accepted(tbilisi, "tbilisi"), "the Accept")
    async with kyiv.database.reading() as session:
        group = await actors.get_group_row(session, "kyiv")
        assert len(await follow_store.list_followers(session, group.id, "accepted")) == 1

    # A refused RFC 9421 signature would have made the client knock again with draft-cavage and
    # remember that instead: both still sign RFC 9421 first, so both inboxes verified it.
    assert tbilisi.ctx.client.schemes.scheme_for(kyiv_origin) == "rfc9421"
    assert kyiv.ctx.client.schemes.scheme_for(tbilisi_origin) == "rfc9421"
    assert not [r for r in caplog.records if "knocking again" in r.getMessage()]
