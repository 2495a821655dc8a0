"""What federation code needs at hand, built once per process and passed down explicitly."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from fedhub.federation.commits import GroupCommit
from fedhub.federation.resolver import Resolver
from fedhub.net.client import GuardedClient
from fedhub.settings import Settings
from fedhub.store.database import Database
from fedhub.uris import Uris

log = logging.getLogger("fedhub.federation")


@dataclass
class FederationContext:
    settings: Settings
    uris: Uris
    database: Database
    resolver: Resolver
    client: GuardedClient
    wake_delivery: Callable[[], None] = lambda: None
    # The server's inbox writers; without them (the CLI), each activity commits on its own.
    inbox_commits: GroupCommit | None = None
    # Slugs of groups known to exist, so an inbox POST need not ask the database each time
    # (groups are never deleted or renamed; one made by another process is looked up once).
    known_groups: set[str] = field(default_factory=set)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def receiving(self) -> AbstractContextManager[None]:
        """An inbox request, from its arrival to its answer (`GroupCommit.arriving`)."""
        commits = self.inbox_commits
        return commits.arriving() if commits is not None else nullcontext()

    def spawn(self, work: Coroutine[Any, Any, Any], what: str) -> None:
        """Run follow-up work (a backfill) after the response, logging rather than losing errors."""

        async def guarded() -> None:
            try:
                await work
            except Exception as error:  # a follow-up failing must not go unnoticed, nor crash
                log.warning("%s failed: %s", what, error)

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for follow-up work (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
