"""Two instances made and run with the README's commands federate, driven only by the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_serve import free_port, wait_for_port

FEDHUB = str(Path(sys.executable).parent / "fedhub")


class Served:
    def __init__(self, data: Path, port: int) -> None:
        self.data = data
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [FEDHUB, "--data", str(self.data), *args], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def serve(self) -> None:
        self.process = subprocess.Popen(
            [FEDHUB, "--data", str(self.data), "serve", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process)


def until(check, what: str, timeout: float = 30):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Served, Served]]:
    nodes = [Served(tmp_path / name, free_port()) for name in ("kyiv", "tbilisi")]
    for node, slug in zip(nodes, ("kyiv", "tbilisi"), strict=True):
        node.cli("init", "--domain", node.host, "--http")
        node.cli("group", "create", slug, "--name", slug.title())
        node.serve()
    yield nodes[0], nodes[1]
    for node in nodes:
        if node.process is not None:
            node.process.terminate()
            node.process.wait(timeout=10)


def test_follow_publish_and_read_through_the_cli(
    pair: tuple[Served, Served], tmp_path: Path
) -> None:
    kyiv, tbilisi = pair
    out = tbilisi.cli("follow", "tbilisi", f"@kyiv@{kyiv.host}")
    assert "pending" in out
    until(lambda: "accepted" in tbilisi.cli("following", "tbilisi"), "the Accept")
    assert "accepted" in kyiv.cli("followers", "kyiv")

    body = tmp_path / "report.md"
    body.write_text("Звіт про ситуацію з правами людини.", encoding="utf-8")
    article = (
        kyiv.cli(
            "article",
            "publish",
            "kyiv",
            "--title",
            "Звіт",
            "--body-file",
            str(body),
            "--lang",
            "uk",
        )
        .strip()
        .splitlines()[-1]
    )

    def arrived() -> list[dict[str, str]]:
        items = json.loads(tbilisi.cli("network", "list", "--json"))
        return [item for item in items if item["id"] == article]

    item = until(arrived, "the article in Tbilisi's network")[0]
    assert item["name"] == "Звіт"
    assert item["lang"] == "uk"
