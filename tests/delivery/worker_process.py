"""A delivery worker in its own process for the crash test: `run` until killed, or `drain` and exit."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta

import aiohttp

from fedhub.delivery import queue
from fedhub.delivery.worker import DeliveryWorker
from fedhub.store.database import Database
from fedhub.uris import Uris
from tests.delivery.loopback import http_send


async def main(args: argparse.Namespace) -> None:
    database = Database(args.database_url)
    timeout = aiohttp.ClientTimeout(total=10)
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        worker = DeliveryWorker(
            database,
            http_send(http),
            Uris("https://fedhub.test"),
            concurrency=args.concurrency,
            batch=args.batch,
            lease=timedelta(seconds=args.lease),
            idle_poll=0.2,
        )
        if args.mode == "run":
            print("ready", flush=True)
            await worker.run(asyncio.Event())
        else:
            while True:
                if await worker.run_once() == 0:
                    async with database.reading() as session:
                        if await queue.pending_count(session) == 0:
                            break
                    await asyncio.sleep(0.2)
    await database.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["run", "drain"])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lease", type=float, default=2.0)
    asyncio.run(main(parser.parse_args()))
