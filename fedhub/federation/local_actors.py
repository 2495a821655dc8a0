"""Local actors as federation sees them: their IRIs, followers collections, and lookup by IRI."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.store.tables import LocalActor
from fedhub.uris import Uris


def actor_iri(uris: Uris, actor: LocalActor) -> str:
    if actor.kind == "person":
        return uris.person(actor.slug)
    return uris.instance_actor() if actor.kind == "application" else uris.group(actor.slug)


def followers_iri(uris: Uris, actor: LocalActor) -> str:
    if actor.kind == "person":
        return uris.person_followers(actor.slug)
    return uris.instance_followers() if actor.kind == "application" else uris.followers(actor.slug)


def key_id(uris: Uris, actor: LocalActor) -> str:
    if actor.kind == "person":
        return uris.person_key(actor.slug)
    return uris.instance_key() if actor.kind == "application" else uris.group_key(actor.slug)


async def local_actor_by_iri(session: AsyncSession, uris: Uris, iri: str) -> LocalActor | None:
    """The group, member's Person or instance actor an IRI names; None for anything else."""
    if iri == uris.instance_actor():
        return await session.scalar(select(LocalActor).where(LocalActor.kind == "application"))
    for kind, prefix in (("group", uris.group("")), ("person", uris.person(""))):
        slug = iri[len(prefix) :] if iri.startswith(prefix) else ""
        if slug and "/" not in slug:
            return await session.scalar(
                select(LocalActor).where(LocalActor.kind == kind, LocalActor.slug == slug)
            )
    return None
