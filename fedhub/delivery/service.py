"""Runs the delivery worker with the web application, sending through the one guarded client."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from fedhub.delivery.policy import SendResult
from fedhub.delivery.worker import DeliveryWorker, Send
from fedhub.federation.blocklist import Blocklist
from fedhub.net.client import BlockedAddress, FetchError, GuardedClient, Signer

log = logging.getLogger("fedhub.delivery")

CleanupContext = Callable[[web.Application], AsyncIterator[None]]

# How much of a refusing peer's answer to keep in `last_error`.
ERROR_EXCERPT = 200


def guarded_send(client: GuardedClient, blocklist: Blocklist | None = None) -> Send:
    """The worker's `send`: sign and POST through the guarded client, failures as values.

    With the admin's `blocklist`, nothing is sent to a blocked server, however it was queued
    (a Follow accepted in the moments before another process's block was read here).
    """

    async def send(inbox: str, body: bytes, key_id: str, private_key_pem: str) -> SendResult:
        blocked = await blocklist.blocking(inbox) if blocklist is not None else None
        if blocked is not None:
            return SendResult(status=None, error=f"{blocked} is blocked", refused=True)
        signer = Signer(key_id=key_id, private_key_pem=private_key_pem)
        try:
            posted = await client.post_activity(inbox, body, signer=signer)
        except BlockedAddress as error:
            return SendResult(status=None, error=error.reason, refused=True)
        except FetchError as error:
            return SendResult(status=error.remote_status, error=error.reason)
        excerpt = None if 200 <= posted.status < 300 else posted.body_excerpt[:ERROR_EXCERPT]
        return SendResult(posted.status, posted.retry_after, excerpt or None)

    return send


def delivery_context(
    make_worker: Callable[[web.Application], DeliveryWorker],
    key: web.AppKey[DeliveryWorker] | None = None,
    grace: float = 35.0,
) -> CleanupContext:
    """A cleanup context that starts the worker with the app and stops it before the database.

    `make_worker` is called at start-up, after the contexts appended before this one (the
    database, the HTTP client) have run, so it can take them from the app. Stopping sets the
    worker's stop event and waits up to `grace` seconds for sends in flight to finish and
    results to be written; whatever is left is covered by the leases.
    """

    async def run_worker(app: web.Application) -> AsyncIterator[None]:
        worker = make_worker(app)
        if key is not None:
            app[key] = worker
        stop = asyncio.Event()
        task = asyncio.create_task(_supervised(worker, stop), name="fedhub-delivery")
        try:
            yield
        finally:
            stop.set()
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=grace)
            except TimeoutError:
                log.warning("delivery: worker did not stop in %.0f s; cancelling it", grace)
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return run_worker


async def _supervised(worker: DeliveryWorker, stop: asyncio.Event) -> None:
    """Restart the loop after an unexpected error rather than silently stop delivering."""
    while not stop.is_set():
        try:
            await worker.run(stop)
        except Exception:
            log.exception("delivery: worker loop crashed; restarting in 5 s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=5)
