"""Real `fedhub serve` processes for the browser: made and driven only with the README's commands.

The browser tests and docs/screenshots/take.py share this, so the screenshots show exactly what
the tests check.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tests.test_serve import free_port, wait_for_port

FEDHUB = str(Path(sys.executable).parent / "fedhub")
AP = {"Accept": "application/activity+json"}
T = TypeVar("T")


class ServedInstance:
    """One instance: its data folder, its `fedhub serve` process and its log (shown on failure)."""

    def __init__(self, data: Path, name: str) -> None:
        self.data = data
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.origin = f"http://{self.host}"
        self.name = name
        self.log_path = data.parent / f"{data.name}-serve.log"
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        """Run `fedhub --data DIR …`; a failure shows the command's own error line."""
        result = subprocess.run(
            [FEDHUB, "--data", str(self.data), *args], capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, f"fedhub {' '.join(args)}: {result.stderr}"
        return result.stdout

    def init(self, *, demo: bool = False) -> None:
        extra = ["--demo"] if demo else []
        self.cli("init", "--domain", self.host, "--http", "--name", self.name, *extra)

    def serve(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [FEDHUB, "--data", str(self.data), "serve", "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]

    def network(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = json.loads(self.cli("network", "list", "--json"))
        return items


def wait_until(check: Callable[[], T | None], what: str, timeout: float = 30) -> T:
    """Poll a blocking check (the CLI) until it answers; fixtures run outside the event loop."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


async def async_wait_until(
    check: Callable[[], Awaitable[T | None]], what: str, timeout: float = 30
) -> T:
    """The same, from a test: the event loop (and the browser connection) keeps running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def fetch_json(url: str) -> Any:
    with urllib.request.urlopen(urllib.request.Request(url, headers=AP), timeout=10) as answer:
        return json.load(answer)


@dataclass
class Sites:
    """The two instances and the URLs of the pages every test visits."""

    hub: ServedInstance
    reader: ServedInstance
    pages: dict[str, str] = field(default_factory=dict)

    def origin_of(self, name: str) -> str:
        return self.reader.origin if name == "network" else self.hub.origin

    def logs(self) -> str:
        """Both servers' recent log lines, for a failure's message."""
        return "\n".join(f"--- {i.name} ---\n{i.log()}" for i in (self.hub, self.reader))


def served(folder: Path, name: str, *, demo: bool = False) -> ServedInstance:
    instance = ServedInstance(folder / name.lower().replace(" ", "-"), name)
    instance.init(demo=demo)
    instance.serve()
    return instance


@contextmanager
def started_sites(folder: Path) -> Iterator[Sites]:
    """`hub` hosts the demo group; `reader` hosts a group that follows it over ActivityPub and
    has received one of its articles, so its network page has something to show."""
    hub = served(folder, "Kyiv Pride Hub", demo=True)
    reader = served(folder, "Tbilisi Readers")
    try:
        reader.cli("group", "create", "readers", "--name", "Tbilisi Readers", "--lang", "ka")
        reader.cli("follow", "readers", f"@demo@{hub.host}")
        wait_until(lambda: "accepted" in reader.cli("following", "readers"), "the Accept")
        body = folder / "news.md"
        body.write_text("Equality march *planned* for June, with legal observers.", "utf-8")
        news = hub.cli(
            "article", "publish", "demo", "--title", "Equality march announced",
            "--body-file", str(body), "--lang", "en", "--tag", "March",
        ).split()[-1]  # fmt: skip
        wait_until(lambda: any(i["id"] == news for i in reader.network()), "the article to arrive")

        outbox = fetch_json(f"{hub.origin}/groups/demo/outbox?page=1")
        posts = [create["object"] for create in outbox["orderedItems"]]
        yield Sites(
            hub,
            reader,
            {
                "home": f"{hub.origin}/",
                "group": f"{hub.origin}/groups/demo",
                "article": next(
                    p["id"] for p in posts if p["type"] == "Article" and p.get("attachment")
                ),
                "event": next(p["id"] for p in posts if "workshop" in json.dumps(p["nameMap"])),
                "network": f"{reader.origin}/network",
                "not-found": f"{hub.origin}/groups/nobody-here",
            },
        )
    finally:
        for instance in (hub, reader):
            instance.stop()
