"""The worker runs with the web application, and sends through the guarded, signing client."""

from __future__ import annotations

import asyncio
from collections import Counter

from aiohttp import web

from fedhub.activitypub.keys import KeyPair
from fedhub.delivery import queue
from fedhub.delivery.policy import Outcome, SendResult, classify
from fedhub.delivery.service import delivery_context, guarded_send
from fedhub.delivery.worker import DeliveryWorker
from fedhub.net.client import GuardedClient
from fedhub.store.database import Database
from tests.delivery.conftest import URIS, add_activity
from tests.delivery.loopback import listen, serve

WORKER = web.AppKey("delivery_worker", DeliveryWorker)


async def test_the_app_starts_wakes_and_stops_the_worker(
    database: Database, group_key: KeyPair
) -> None:
    sent: Counter[str] = Counter()

    async def send(inbox: str, body: bytes, key_id: str, pem: str) -> SendResult:
        sent[inbox] += 1
        return SendResult(status=202)

    app = web.Application()
    app.cleanup_ctx.append(
        delivery_context(lambda app: DeliveryWorker(database, send, URIS, idle_poll=60), WORKER)
    )
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        activity = await add_activity(database, group_key)
        targets = [f"https://peer{n}.example/inbox" for n in range(20)]
        async with database.transaction() as session:
            await queue.enqueue(session, activity, targets)
        app[WORKER].wake()  # without the nudge, nothing would go out for a minute
        async with asyncio.timeout(10):
            while len(sent) < len(targets):
                await asyncio.sleep(0.01)
    finally:
        await runner.cleanup()
    assert set(sent.values()) == {1}
    async with database.reading() as session:
        assert await queue.state_counts(session) == {"delivered": 20}


async def test_guarded_send_turns_answers_and_failures_into_results(group_key: KeyPair) -> None:
    pem = group_key.private_pem

    async def answer(request: web.Request) -> web.Response:
        status = int(request.match_info["status"])
        headers = {"Retry-After": "120"} if status == 503 else {}
        return web.Response(status=status, text=f"said {status}", headers=headers)

    app = web.Application()
    app.router.add_post("/{status:\\d+}", answer)
    runner, port = await serve(app, ["127.0.0.90"])
    closed = listen("127.0.0.91")
    closed_port = closed.getsockname()[1]
    closed.close()
    base = f"http://127.0.0.90:{port}"
    try:
        async with GuardedClient(allow_private=True, user_agent="test", timeout=5) as client:
            send = guarded_send(client)
            ok = await send(f"{base}/202", b"{}", "https://fedhub.test/actor#main-key", pem)
            busy = await send(f"{base}/503", b"{}", "k", pem)
            gone = await send(f"{base}/410", b"{}", "k", pem)
            down = await send(f"http://127.0.0.91:{closed_port}/inbox", b"{}", "k", pem)
        async with GuardedClient(allow_private=False, user_agent="test", timeout=5) as client:
            blocked = await guarded_send(client)(f"{base}/202", b"{}", "k", pem)
    finally:
        await runner.cleanup()
    assert ok == SendResult(status=202)
    assert busy.status == 503 and busy.retry_after is not None and busy.error == "said 503"
    assert classify(gone.status, gone.error) is Outcome.GONE
    assert down.status is None and down.error
    assert classify(down.status, down.error) is Outcome.RETRY
    assert blocked.refused
    assert classify(blocked.status, blocked.error, refused=blocked.refused) is Outcome.GIVE_UP
