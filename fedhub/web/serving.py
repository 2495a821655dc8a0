"""The server process `fedhub serve` runs: its logging, its garbage collector, its listener."""

from __future__ import annotations

import gc
import logging

from aiohttp import web

from fedhub.settings import Settings
from fedhub.web.app import create_app

# Young objects allocated between collections of the youngest generation (Python's default
# is 700). An inbox request allocates hundreds of short-lived dicts and lists, so the default
# ran a collection every few requests: ~6% of an activity's CPU in `bench/inbox.py`.
YOUNG_THRESHOLD = 10_000


def tune_collector() -> None:
    """Collect less often, and never again walk what start-up built.

    `gc.freeze` moves the modules, templates and catalogues loaded so far out of the
    collector's sight, so each collection walks only what requests allocated. Cycles are still
    collected, only in larger steps.
    """
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the instance until interrupted.

    No access log: a line per request would keep readers' addresses, and the secret tokens
    of personal feed and login links, on the server's disk. fedhub logs what it does
    (refused activities, deliveries, errors), not who reads what.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(settings)
    tune_collector()
    print(f"fedhub serving {settings.base_url} on http://{host}:{port}", flush=True)
    web.run_app(app, host=host, port=port, print=None, access_log=None)
