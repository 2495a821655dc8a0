"""The whole story between three real fedhub instances: follow, publish, update, delete, unfollow,
a receiver that is down and comes back, backfill on follow, and a share that crosses two hops."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from fedhub.actions import follows, groups, publish, sharing
from fedhub.actions.groups import create_group
from fedhub.domain.drafts import validate_article, validate_event
from fedhub.store import actors, network, remote
from fedhub.store import follows as follow_store
from fedhub.store.tables import Delivery
from tests.federation.conftest import Node, eventually


async def following_state(node: Node, slug: str) -> str | None:
    async with node.database.reading() as session:
        local = await actors.get_group_row(session, slug)
        rows = await follow_store.list_following(session, local.id)
    return rows[0][1].state if rows else None


async def all_accepted(node: Node, slug: str, count: int) -> bool:
    async with node.database.reading() as session:
        local = await actors.get_group_row(session, slug)
        rows = await follow_store.list_following(session, local.id)
    return len(rows) == count and all(row.state == "accepted" for _, row in rows)


async def follower_count(node: Node, slug: str) -> int:
    async with node.database.reading() as session:
        local = await actors.get_group_row(session, slug)
        return len(await follow_store.list_followers(session, local.id, "accepted"))


async def network_names(node: Node) -> set[str]:
    async with node.database.reading() as session:
        return {item.name or "" for item in await network.list_network(session)}


async def article(node: Node, slug: str, title: str) -> str:
    draft = validate_article(
        group_slug=slug, lang="en", title=title, body_markdown=f"{title}: the body.", tags=["news"]
    )
    post = await publish.publish_article(node.database, node.settings, draft)
    node.ctx.wake_delivery()
    return node.uris.post(slug, "article", post.public_id)


async def retry_now(node: Node) -> None:
    """Stand in for the passing of time: make every pending delivery due."""
    async with node.database.transaction() as session:
        await session.execute(
            update(Delivery)
            .where(Delivery.state == "pending")
            .values(next_attempt_at=datetime.now(UTC))
        )
    node.ctx.wake_delivery()


async def test_three_instances(make_node) -> None:  # type: ignore[no-untyped-def]
    kyiv: Node = await make_node("kyiv", "kyiv")
    tbilisi: Node = await make_node("tbilisi", "tbilisi")
    almaty: Node = await make_node("almaty", "almaty")

    # Tbilisi follows Kyiv by handle; Kyiv accepts automatically.
    _, state = await follows.follow(tbilisi.ctx, "tbilisi", kyiv.handle("kyiv"))
    assert state == "pending"
    await eventually(lambda: _is(following_state(tbilisi, "tbilisi"), "accepted"), "Accept")
    assert await follower_count(kyiv, "kyiv") == 1

    # Kyiv publishes an article and an event: both arrive in Tbilisi's network view.
    report = await article(kyiv, "kyiv", "Report from Kyiv")
    event_draft = validate_event(
        group_slug="kyiv",
        lang="en",
        title="Kyiv Pride march",
        start="2027-06-14T12:00",
        end="2027-06-14T15:00",
        timezone="Europe/Kyiv",
        place_name="Maidan",
    )
    await publish.publish_event(kyiv.database, kyiv.settings, event_draft)
    kyiv.ctx.wake_delivery()
    await eventually(
        lambda: _has(network_names(tbilisi), {"Report from Kyiv", "Kyiv Pride march"}), "Creates"
    )

    # A translation is an Update of the same object.
    await publish.add_translation(
        kyiv.database,
        kyiv.settings,
        report,
        lang="uk",
        title="Звіт з Києва",
        body_markdown="Тіло звіту.",
    )
    kyiv.ctx.wake_delivery()

    async def translated() -> bool:
        async with tbilisi.database.reading() as session:
            row = await network.get_object(session, report)
        return row is not None and "uk" in row.raw.get("contentMap", {})

    await eventually(translated, "Update")

    # Almaty is down while Kyiv publishes; it follows first, so a delivery is owed to it.
    await follows.follow(almaty.ctx, "almaty", kyiv.handle("kyiv"))
    await eventually(lambda: _is(following_state(almaty, "almaty"), "accepted"), "Accept 2")
    # Following backfills the outbox, after the Accept is committed.
    await eventually(lambda: _has(network_names(almaty), {"Report from Kyiv"}), "backfill")
    await almaty.stop()
    await article(kyiv, "kyiv", "While Almaty was away")
    await eventually(lambda: _has(network_names(tbilisi), {"While Almaty was away"}), "Create")
    await almaty.start()
    await retry_now(kyiv)
    await eventually(lambda: _has(network_names(almaty), {"While Almaty was away"}), "retry")

    # Tbilisi shares a paper of a group Almaty does not follow; Almaty, following Tbilisi,
    # gets it through the boost, fetched from Kyiv rather than believed from Tbilisi.
    await create_group(kyiv.database, "lab", "Kyiv lab", "", "uk")
    await follows.follow(tbilisi.ctx, "tbilisi", kyiv.handle("lab"))
    await follows.follow(almaty.ctx, "almaty", tbilisi.handle("tbilisi"))

    await eventually(lambda: all_accepted(tbilisi, "tbilisi", 2), "Accept of the lab follow")
    await eventually(lambda: all_accepted(almaty, "almaty", 2), "Accept of Tbilisi's")
    paper = await article(kyiv, "lab", "Lab paper")
    await eventually(lambda: _has(network_names(tbilisi), {"Lab paper"}), "Create from the lab")
    assert "Lab paper" not in await network_names(almaty)
    await sharing.share(tbilisi.ctx, "tbilisi", paper)
    tbilisi.ctx.wake_delivery()
    await eventually(lambda: _has(network_names(almaty), {"Lab paper"}), "Announce")

    # Tbilisi takes the share back: Almaty, which follows neither Kyiv's lab nor anyone else
    # boosting the paper, no longer shows it; Tbilisi, which follows the lab, still does.
    await sharing.unshare(tbilisi.ctx, "tbilisi", paper)
    tbilisi.ctx.wake_delivery()

    async def paper_unshared() -> bool:
        return "Lab paper" not in await network_names(almaty)

    await eventually(paper_unshared, "Undo Announce")
    assert "Lab paper" in await network_names(tbilisi)

    # Deletion reaches followers.
    await publish.delete_post(kyiv.database, kyiv.settings, report)
    kyiv.ctx.wake_delivery()

    async def report_gone() -> bool:
        return "Report from Kyiv" not in await network_names(tbilisi)

    await eventually(report_gone, "Delete")

    # Unfollow: Kyiv no longer counts Tbilisi among its followers.
    await follows.unfollow(tbilisi.ctx, "tbilisi", kyiv.handle("kyiv"))
    tbilisi.ctx.wake_delivery()

    async def one_follower_left() -> bool:
        return await follower_count(kyiv, "kyiv") == 1

    await eventually(one_follower_left, "Undo Follow")


async def _is(value, expected):  # type: ignore[no-untyped-def]
    return (await value) == expected


async def _has(names, wanted: set[str]) -> bool:  # type: ignore[no-untyped-def]
    return wanted <= await names


async def test_an_instance_follows_another_instance(make_node) -> None:  # type: ignore[no-untyped-def]
    kyiv: Node = await make_node("kyiv", "kyiv")
    tbilisi: Node = await make_node("tbilisi", "tbilisi")
    # The bare host names the instance actor: every group of Kyiv reaches Tbilisi through it.
    remote_actor, _ = await follows.follow(tbilisi.ctx, "actor", kyiv.settings.domain)
    assert remote_actor.uri == kyiv.uris.instance_actor()

    async def accepted() -> bool:
        async with tbilisi.database.reading() as session:
            local = await actors.get_instance_actor_row(session)
            rows = await follow_store.list_following(session, local.id)
        return bool(rows) and rows[0][1].state == "accepted"

    await eventually(accepted, "the instance actor's Accept")
    await article(kyiv, "kyiv", "Seen by the whole network")
    await eventually(lambda: _has(network_names(tbilisi), {"Seen by the whole network"}), "relay")
    async with (
        kyiv.http_session() as http,
        http.get(
            kyiv.uris.instance_followers(), headers={"Accept": "application/activity+json"}
        ) as response,
    ):
        assert (await response.json(content_type=None))["totalItems"] == 1


async def remote_name(node: Node, uri: str) -> str | None:
    async with node.database.reading() as session:
        found = await remote.get_remote_actor(session, uri)
    return found.name if found is not None else None


async def test_a_groups_new_profile_reaches_its_followers(make_node) -> None:  # type: ignore[no-untyped-def]
    kyiv: Node = await make_node("kyiv", "kyiv")
    tbilisi: Node = await make_node("tbilisi", "tbilisi")
    await follows.follow(tbilisi.ctx, "tbilisi", kyiv.handle("kyiv"))
    await eventually(lambda: _is(following_state(tbilisi, "tbilisi"), "accepted"), "the Accept")
    before = await remote_name(tbilisi, kyiv.uris.group("kyiv"))

    await groups.update_group(kyiv.database, kyiv.settings, "kyiv", name="Київ Прайд")
    kyiv.ctx.wake_delivery()
    await eventually(
        lambda: _is(remote_name(tbilisi, kyiv.uris.group("kyiv")), "Київ Прайд"), "the Update"
    )
    assert before != "Київ Прайд"


async def test_a_group_that_approves_followers_by_hand(make_node) -> None:  # type: ignore[no-untyped-def]
    kyiv: Node = await make_node("kyiv", "kyiv")
    tbilisi: Node = await make_node("tbilisi", "tbilisi")
    await groups.update_group(kyiv.database, kyiv.settings, "kyiv", manual_approval=True)
    await follows.follow(tbilisi.ctx, "tbilisi", kyiv.handle("kyiv"))

    async def pending_here() -> bool:
        async with kyiv.database.reading() as session:
            local = await actors.get_group_row(session, "kyiv")
            rows = await follow_store.list_followers(session, local.id)
        return [row.state for _, row in rows] == ["pending"]

    await eventually(pending_here, "the Follow")
    assert await following_state(tbilisi, "tbilisi") == "pending"
    await article(kyiv, "kyiv", "Not for pending followers")
    await follows.answer_follower(kyiv.ctx, "kyiv", tbilisi.uris.group("tbilisi"), accept=True)
    await eventually(lambda: _is(following_state(tbilisi, "tbilisi"), "accepted"), "approval")
    # The backfill runs after the Accept is committed: wait for it rather than race it.
    await eventually(
        lambda: _has(network_names(tbilisi), {"Not for pending followers"}), "backfill on accept"
    )
    # Removing a follower sends Reject: the other side stops counting itself a follower.
    await follows.answer_follower(kyiv.ctx, "kyiv", tbilisi.uris.group("tbilisi"), accept=False)
    await eventually(lambda: _is(following_state(tbilisi, "tbilisi"), "rejected"), "removal")
    assert await follower_count(kyiv, "kyiv") == 0
