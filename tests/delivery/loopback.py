"""A real inbox server on loopback that records every POST, and a plain `send` that reaches it."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from fedhub.delivery.policy import SendResult
from fedhub.delivery.worker import Send


@dataclass
class Receiver:
    """Accepts POSTs on any path; `status` and `delay` make it a slow or failing peer."""

    status: int = 202
    delay: float = 0.0
    received: Counter[str] = field(default_factory=Counter)
    bodies: list[bytes] = field(default_factory=list)
    key_ids: set[str] = field(default_factory=set)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{path:.*}", self.inbox)
        return app

    async def inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        # Counted on arrival, before answering: a sender killed while waiting still delivered.
        self.received[f"http://{request.host}{request.path}"] += 1
        self.bodies.append(body)
        self.key_ids.add(request.headers.get("X-Key-Id", ""))
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.Response(status=self.status)


def listen(host: str, port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


async def serve(app: web.Application, hosts: list[str], port: int = 0) -> tuple[web.AppRunner, int]:
    """Serve `app` on each loopback address in `hosts`, all on one port; returns the port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    for host in hosts:
        sock = listen(host, port)
        port = sock.getsockname()[1]
        await web.SockSite(runner, sock).start()
    return runner, port


def http_send(session: aiohttp.ClientSession) -> Send:
    """POST the body unsigned (the receiver checks nothing), passing the key id along."""

    async def send(inbox: str, body: bytes, key_id: str, private_key_pem: str) -> SendResult:
        headers = {"Content-Type": "application/activity+json", "X-Key-Id": key_id}
        try:
            async with session.post(inbox, data=body, headers=headers) as response:
                await response.read()
                return SendResult(status=response.status)
        except (aiohttp.ClientError, TimeoutError) as error:
            return SendResult(status=None, error=f"{type(error).__name__}: {error}")

    return send
