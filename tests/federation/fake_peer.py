"""A stand-in remote server: a real aiohttp app on 127.0.0.1 serving documents stored by path."""

from __future__ import annotations

import json
import socket
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from fedhub.activitypub.keys import KeyPair


@dataclass
class FakePeer:
    """Serves `documents` (path → JSON) and counts every GET and POST, so tests can see what
    was fetched and delivered."""

    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    fetches: Counter[str] = field(default_factory=Counter)
    posts: Counter[str] = field(default_factory=Counter)
    runner: web.AppRunner | None = None
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def actor(self, name: str, keys: KeyPair, kind: str = "Person") -> str:
        """Publish an actor (a Person unless `kind` says otherwise) with its key; returns its id."""
        uri = f"{self.base}/users/{name}"
        self.documents[f"/users/{name}"] = {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": uri,
            "type": kind,
            "preferredUsername": name,
            "inbox": f"{uri}/inbox",
            "outbox": f"{uri}/outbox",
            "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": keys.public_pem},
        }
        return uri

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._get)
        app.router.add_post("/{tail:.*}", self._post)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self.runner, sock).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def __aenter__(self) -> FakePeer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _get(self, request: web.Request) -> web.Response:
        self.fetches[request.path] += 1
        document = self.documents.get(request.path)
        if document is None:
            return web.Response(status=404)
        return web.Response(
            body=json.dumps(document).encode(), content_type="application/activity+json"
        )

    async def _post(self, request: web.Request) -> web.Response:
        await request.read()
        self.posts[request.path] += 1
        return web.Response(status=202)
