"""Finds remote actors, keys and objects: from the database when fresh, else by a signed fetch."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from fedhub.activitypub.schemas import validate
from fedhub.errors import FedhubError, Forbidden, InvalidDocument, InvalidInput, NotFound
from fedhub.federation.blocklist import Blocklist
from fedhub.federation.from_ap import ACTOR_TYPES, actor_from_ap, is_http_iri, same_origin
from fedhub.net.client import FetchError, GuardedClient, Signer
from fedhub.store import remote
from fedhub.store.database import Database
from fedhub.store.tables import RemoteActor

ACTOR_TTL = timedelta(days=1)
FAILED_KEY_TTL = 600.0  # seconds a key id that could not be fetched is not tried again
KNOWN_KEY_TTL = 60.0  # seconds a key's owner is taken from memory rather than the database
KNOWN_KEYS = 1000  # key owners kept in memory at most


class Resolver:
    """Every fetch of a remote document goes through here, signed by the instance actor.

    Documents are checked against the origin they came from: an object whose `id` is on another
    origin than its URL is discarded (a server speaks only for itself).
    """

    def __init__(
        self,
        database: Database,
        client: GuardedClient,
        signer: Signer,
        *,
        development: bool,
        blocklist: Blocklist | None = None,
    ) -> None:
        self.database = database
        self.client = client
        self.signer = signer
        self.development = development
        self.blocklist = blocklist or Blocklist(database)
        self._failed_keys: dict[str, float] = {}
        # Key id -> (owner, until): the inbox looks a key up for every request it verifies.
        # Every actor this resolver stores is forgotten here, so a refreshed (rotated) key is
        # never answered from memory; another process's refresh is seen within KNOWN_KEY_TTL.
        self._known_keys: dict[str, tuple[RemoteActor, float]] = {}

    async def fetch(self, url: str) -> dict[str, Any]:
        """A remote ActivityStreams document whose id is the URL it was fetched from."""
        if not is_http_iri(url):
            raise InvalidDocument(f"not a fetchable URL: {url!r}")
        await self.refuse_blocked(url)
        try:
            fetched = await self.client.get_activity(url, signer=self.signer)
            document = fetched.json()
        except FetchError as error:
            raise NotFound(f"could not fetch {url}: {error.reason}") from error
        except ValueError as error:
            raise InvalidDocument(f"{url} did not return JSON") from error
        if not isinstance(document, dict):
            raise InvalidDocument(f"{url} did not return a JSON object")
        doc_id = document.get("id")
        if not isinstance(doc_id, str) or not same_origin(doc_id, url):
            raise InvalidDocument(f"{url} returned a document for another origin ({doc_id!r})")
        if not same_origin(fetched.url, url):
            raise InvalidDocument(f"{url} redirected to another origin")
        return document

    async def is_gone(self, url: str) -> bool:
        """Whether the server an object lives on says it is no more: 404, 410 or a Tombstone.

        What someone other than its author says of an object's deletion (a Lemmy community
        forwarding its moderator's removal) is believed only from the object's own origin.
        """
        if not is_http_iri(url) or await self.blocklist.blocking(url):
            return False
        try:
            fetched = await self.client.get_activity(url, signer=self.signer)
        except FetchError as error:
            return error.remote_status in (404, 410)
        try:
            document = fetched.json()
        except ValueError:
            return False
        return (
            isinstance(document, dict)
            and document.get("type") == "Tombstone"
            and document.get("id") == url
            and same_origin(fetched.url, url)
        )

    async def refuse_blocked(self, url: str) -> None:
        """Forbidden when the admin blocked `url`'s server: nothing is sent to it or taken."""
        entry = await self.blocklist.blocking(url)
        if entry is not None:
            raise Forbidden(f"this instance does not federate with {entry}")

    async def actor(self, uri: str, *, refresh: bool = False) -> RemoteActor:
        """An actor, from the cache while it is fresh, else fetched and stored."""
        await self.refuse_blocked(uri)
        if not refresh:
            async with self.database.reading() as session:
                row = await remote.get_remote_actor(session, uri)
            if row is not None and datetime.now(UTC) - row.fetched_at < ACTOR_TTL:
                return row
        document = await self.fetch(uri)
        if document.get("id") != uri:
            raise InvalidDocument(f"{uri} returned the actor {document.get('id')!r}")
        return await self.store_actor(document)

    async def store_actor(self, document: dict[str, Any]) -> RemoteActor:
        validate(document, "remote-actor")
        fields = actor_from_ap(document)
        async with self.database.transaction() as session:
            row = await remote.put_remote_actor(session, fields, document)
        self.forget_actor(row.uri)
        return row

    def forget_actor(self, uri: str) -> None:
        """Drop the remembered keys of an actor (refreshed, updated or deleted)."""
        for key_id in [k for k, (owner, _) in self._known_keys.items() if owner.uri == uri]:
            del self._known_keys[key_id]

    async def key_owner(self, key_id: str, *, refresh: bool = False) -> RemoteActor | None:
        """The actor owning a key id, or None when it cannot be had (cached for a while)."""
        if not refresh:
            known, until = self._known_keys.get(key_id, (None, 0.0))
            if known is not None and until > time.monotonic() and known.deleted_at is None:
                return known
            async with self.database.reading() as session:
                row = await remote.get_actor_by_key(session, key_id)
            if row is not None:
                self._remember_key(key_id, row)
                return row
        if self._failed_keys.get(key_id, 0.0) > time.monotonic():
            return None
        try:
            row = await self._fetch_key_owner(key_id)
        except FedhubError:
            row = None
        if row is None or row.public_key_id != key_id:
            self._failed_keys[key_id] = time.monotonic() + FAILED_KEY_TTL
            return None
        self._remember_key(key_id, row)
        return row

    def _remember_key(self, key_id: str, owner: RemoteActor) -> None:
        self._known_keys.pop(key_id, None)
        while len(self._known_keys) >= KNOWN_KEYS:  # the oldest goes first (dicts keep order)
            del self._known_keys[next(iter(self._known_keys))]
        self._known_keys[key_id] = (owner, time.monotonic() + KNOWN_KEY_TTL)

    async def _fetch_key_owner(self, key_id: str) -> RemoteActor | None:
        url = key_id.split("#", 1)[0]
        document = await self.fetch(url)
        if document.get("type") in ACTOR_TYPES:
            return await self.store_actor(document)
        owner = document.get("owner")
        if isinstance(owner, str) and same_origin(owner, key_id):
            return await self.actor(owner, refresh=True)
        return None

    async def webfinger(self, handle: str) -> str:
        """The actor id for `user@host` (with or without a leading @ or acct:)."""
        account = handle.strip().removeprefix("acct:").lstrip("@")
        user, _, host = account.rpartition("@")
        if not user or not host or "/" in host:
            raise InvalidInput(f"{handle!r} is not a handle like @group@example.org")
        await self.refuse_blocked(host)
        scheme = "http" if self.development else "https"
        url = f"{scheme}://{host}/.well-known/webfinger?resource=acct:{quote(account, safe='@')}"
        try:
            fetched = await self.client.get(url, accept="application/jrd+json, application/json")
            jrd = fetched.json()
        except (FetchError, ValueError) as error:
            raise NotFound(
                f"could not look up {handle}: {getattr(error, 'reason', error)}"
            ) from error
        links = jrd.get("links") if isinstance(jrd, dict) else None
        for link in links if isinstance(links, list) else []:
            if (
                isinstance(link, dict)
                and link.get("rel") == "self"
                and str(link.get("type", "")).startswith(
                    ("application/activity+json", "application/ld+json")
                )
                and is_http_iri(link.get("href"))
            ):
                return str(link["href"])
        raise NotFound(f"{handle} has no ActivityPub actor")

    async def resolve_target(self, target: str) -> RemoteActor:
        """An actor from a handle (@group@host), an actor URL, or a bare host (its instance actor)."""
        target = target.strip()
        if target.startswith(("http://", "https://")):
            return await self.actor(target)
        if "@" in target:
            return await self.actor(await self.webfinger(target))
        host = target.lower()
        if not host or "/" in host:
            raise InvalidInput(f"{target!r} is not a handle, an actor URL or a host")
        # A bare host means its instance actor, which WebFinger names as host@host.
        try:
            return await self.actor(await self.webfinger(f"{host}@{host}"))
        except FedhubError:
            scheme = "http" if self.development else "https"
            return await self.actor(f"{scheme}://{host}/actor")
