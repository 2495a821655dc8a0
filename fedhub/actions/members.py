"""A member's use-cases: their private Person actor, what it follows, and their feed token.

The Person is made at the first follow, not with the account: an account that never follows
anything leaves no actor anywhere. Its id is random and its name the member's choice, so no
federated document says who logs in behind it.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass

from fedhub.actions import follows as follow_actions
from fedhub.activitypub.keys import generate_key_pair
from fedhub.domain.accounts import Account, new_token, token_hash
from fedhub.errors import Forbidden, InvalidInput, NotFound
from fedhub.federation.context import FederationContext
from fedhub.federation.sending import send_profile
from fedhub.federation.to_ap import person_to_ap
from fedhub.store import members as store
from fedhub.store.database import Database
from fedhub.store.tables import LocalActor, MemberActor, RemoteActor

MAX_DISPLAY_NAME = 100
# What every Person's id starts with; no group slug holds a '-', so the two never collide.
PERSON_PREFIX = "p-"


@dataclass(frozen=True)
class Person:
    """A member's actor as their own pages show it."""

    actor_id: int
    ident: str
    name: str
    findable: bool
    has_feed_token: bool


@dataclass(frozen=True)
class Followed:
    """One group a member follows; `state` is "pending" until it accepts."""

    uri: str
    handle: str | None
    name: str
    state: str


def may_use_member_pages(account: Account) -> bool:
    """A member, an editor or the admin: anyone whom a group or the instance let in."""
    return account.is_admin or bool(account.roles)


def check_member(account: Account) -> None:
    if not may_use_member_pages(account):
        raise Forbidden("these pages are for members of a group on this instance")


def new_ident() -> str:
    """A Person's id and preferredUsername: 64 random bits, nothing about its member."""
    return f"{PERSON_PREFIX}{secrets.token_hex(8)}"


def default_name(ident: str) -> str:
    return f"reader-{ident[len(PERSON_PREFIX) : len(PERSON_PREFIX) + 4]}"


def _has_control_character(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in text)


def validate_display_name(name: str) -> str:
    value = " ".join(name.split())
    if _has_control_character(value):
        raise InvalidInput("the display name holds a control character")
    if not value:
        raise InvalidInput("the display name is empty")
    if len(value) > MAX_DISPLAY_NAME:
        raise InvalidInput(f"the display name is longer than {MAX_DISPLAY_NAME} characters")
    return value


def check_target(target: str) -> str:
    """A group's handle (`name@host`, with or without a leading @) or its actor URL."""
    value = target.strip()
    if not value:
        raise InvalidInput("give a group's handle (name@host) or its address")
    if _has_control_character(value) or len(value) > 2048:
        raise InvalidInput("that is not a handle (name@host) or an address")
    if not value.startswith(("https://", "http://")) and "@" not in value.lstrip("@"):
        raise InvalidInput(f"{value[:80]!r} is not a handle (name@host) or an address")
    return value


def _person(member: MemberActor, actor: LocalActor) -> Person:
    return Person(
        actor_id=actor.id,
        ident=actor.slug,
        name=actor.name,
        findable=member.findable,
        has_feed_token=member.feed_token_hash is not None,
    )


async def get_person(database: Database, account: Account) -> Person | None:
    async with database.reading() as session:
        found = await store.get_member(session, account.id)
    return None if found is None else _person(*found)


async def ensure_person(database: Database, account: Account) -> LocalActor:
    """The member's Person, made now if this is their first follow."""
    check_member(account)
    async with database.reading() as session:
        found = await store.get_member(session, account.id)
    if found is not None:
        return found[1]
    keys = generate_key_pair()  # outside the transaction: it takes a while
    ident = new_ident()
    async with database.transaction() as session:
        found = await store.get_member(
            session, account.id
        )  # a second tab may have made it meanwhile
        if found is not None:
            return found[1]
        actor = LocalActor(
            kind="person",
            slug=ident,
            name=default_name(ident),
            summary="",
            lang="und",
            private_key_pem=keys.private_pem,
            public_key_pem=keys.public_pem,
            manually_approves_followers=True,
        )
        session.add(actor)
        await session.flush()
        session.add(MemberActor(account_id=account.id, actor_id=actor.id, findable=False))
        await session.flush()
        return actor


async def follow_group(
    ctx: FederationContext, account: Account, target: str
) -> tuple[RemoteActor, str]:
    """Follow a remote group as the member's Person: the CLI's follow, another actor.

    The target is resolved first, so a mistyped handle leaves no Person behind.
    """
    check_member(account)
    remote_actor = await ctx.resolver.resolve_target(check_target(target))
    person = await ensure_person(ctx.database, account)
    return await follow_actions.follow_as(ctx, person, remote_actor.uri)


async def unfollow_group(ctx: FederationContext, account: Account, target: str) -> RemoteActor:
    check_member(account)
    target = check_target(target)
    async with ctx.database.reading() as session:
        found = await store.get_member(session, account.id)
    if found is None:
        raise NotFound("you follow no group yet")
    return await follow_actions.unfollow_as(ctx, found[1], target)


async def list_followed(database: Database, account: Account) -> list[Followed]:
    async with database.reading() as session:
        found = await store.get_member(session, account.id)
        if found is None:
            return []
        rows = await store.list_following(session, found[1].id)
        return [
            Followed(
                uri=actor.uri,
                handle=(
                    f"{actor.preferred_username}@{actor.domain}"
                    if actor.preferred_username
                    else None
                ),
                name=actor.name or actor.preferred_username or actor.uri,
                state=state,
            )
            for actor, state in rows
        ]


async def update_profile(
    ctx: FederationContext, account: Account, name: str, *, findable: bool
) -> Person:
    """Rename the Person and choose whether WebFinger finds it (off unless the member opts in).

    A new name is sent at once, as an Update of the Person, to its followers and to every
    server whose groups it follows (they show it in their follower lists): a member who swaps
    a real name for a pseudonym should not wait for those copies to go stale.
    """
    name = validate_display_name(name)
    person = await ensure_person(ctx.database, account)
    async with ctx.database.transaction() as session:
        found = await store.get_member(session, account.id)
        assert found is not None and found[1].id == person.id
        member, actor = found
        renamed = actor.name != name
        actor.name = name
        member.findable = findable
        if renamed:
            document = person_to_ap(
                ctx.uris, actor.slug, actor.name, actor.public_key_pem, actor.created_at
            )
            followed = [followee for followee, _ in await store.list_following(session, actor.id)]
            await send_profile(session, ctx.uris, actor, document, also=followed)
    if renamed:
        ctx.wake_delivery()
    return _person(member, actor)


async def new_feed_token(database: Database, account: Account) -> str:
    """A fresh secret for the personal feeds' URLs; any earlier one stops working."""
    await ensure_person(database, account)
    token = new_token()
    async with database.transaction() as session:
        found = await store.get_member(session, account.id)
        assert found is not None
        found[0].feed_token_hash = token_hash(token)
    return token


async def revoke_feed_token(database: Database, account: Account) -> None:
    check_member(account)
    async with database.transaction() as session:
        found = await store.get_member(session, account.id)
        if found is not None:
            found[0].feed_token_hash = None


async def actor_by_feed_token(database: Database, token: str) -> int:
    """The Person whose feed a token opens; the same 404 for a revoked or unknown token."""
    async with database.reading() as session:
        actor_id = await store.actor_id_by_feed_token(session, token_hash(token))
    if actor_id is None:
        raise NotFound("no such feed (its link may have been replaced)")
    return actor_id
