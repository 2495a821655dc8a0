"""`fedhub network list` takes the network page's filters and search."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import Cli, cli, write

__all__ = ["cli"]  # the fixture, shared with tests/test_cli.py


def test_network_list_searches_and_filters_local_posts(cli: Cli, tmp_path: Path) -> None:
    body = write(tmp_path / "body.md", "Правозахисники зафіксували сорок випадків.")
    cli.run(
        "article", "publish", "kyiv_pride", "--title", "Звіт", "--body-file", str(body),
        "--lang", "uk", "--tag", "ЛГБТ",
    )  # fmt: skip
    everywhere = ("network", "list", "--json", "--scope", "all")
    found = json.loads(cli.run(*everywhere, "--query", "правозахисники").stdout)
    assert [item["name"] for item in found] == ["Звіт"]
    assert found[0]["local"] is True and found[0]["tags"] == ["ЛГБТ"]
    assert json.loads(cli.run(*everywhere, "--tag", "лгбт").stdout)[0]["name"] == "Звіт"
    assert json.loads(cli.run(*everywhere, "--type", "event").stdout) == []
    assert json.loads(cli.run(*everywhere, "--lang", "ka").stdout) == []
    # Without --scope, only what followed groups published: nothing yet.
    assert json.loads(cli.run("network", "list", "--json").stdout) == []
    assert "not a language code" in cli.fail("network", "list", "--lang", "<b>")


def test_domain_block_list_and_unblock(cli: Cli) -> None:
    blocked = cli.run("domain", "block", "*.Hostile.Example", "--reason", "scrapes  handles")
    assert blocked.stdout.startswith("blocked hostile.example; removed: 0 known account(s)")
    assert "already blocked" in cli.fail("domain", "block", "hostile.example")
    assert "not a domain name" in cli.fail("domain", "block", "https://hostile.example/")
    [entry] = json.loads(cli.run("domain", "list", "--json").stdout)
    assert entry["domain"] == "hostile.example" and entry["reason"] == "scrapes handles"
    assert cli.run("domain", "unblock", "HOSTILE.example").stdout == "unblocked hostile.example\n"
    assert "is not blocked" in cli.fail("domain", "unblock", "hostile.example")
    assert cli.run("domain", "list").stdout == ""
