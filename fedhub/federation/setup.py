"""Builds the federation context for a process: the guarded client, the resolver, the signer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fedhub import __version__
from fedhub.federation.context import FederationContext
from fedhub.federation.resolver import Resolver
from fedhub.net.client import GuardedClient, Signer
from fedhub.settings import Settings
from fedhub.store import actors
from fedhub.store.database import Database
from fedhub.uris import Uris


def user_agent(settings: Settings) -> str:
    return f"fedhub/{__version__} (+{settings.base_url}/)"


@asynccontextmanager
async def federation(settings: Settings, database: Database) -> AsyncIterator[FederationContext]:
    """A federation context whose fetches are signed by the instance actor."""
    uris = Uris(settings.base_url)
    async with database.reading() as session:
        instance = await actors.get_instance_actor_row(session)
    client = GuardedClient(allow_private=settings.development, user_agent=user_agent(settings))
    signer = Signer(key_id=uris.instance_key(), private_key_pem=instance.private_key_pem)
    resolver = Resolver(database, client, signer, development=settings.development)
    ctx = FederationContext(
        settings=settings, uris=uris, database=database, resolver=resolver, client=client
    )
    try:
        yield ctx
    finally:
        await ctx.drain()
        await client.close()
