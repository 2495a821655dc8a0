"""`fedhub user …` as operators run it: real processes, real data folders, both databases."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fedhub.actions import accounts
from fedhub.store.database import Database
from fedhub.store.tables import Account, GroupRole, LoginToken
from tests.test_cli import Cli


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Cli:
    cli = Cli(tmp_path / "data", database_url)
    cli.run("init", "--domain", "groups.example:8443")
    cli.run("group", "create", "kyiv_pride", "--name", "KyivPride", "--lang", "uk")
    return cli


def counts(cli: Cli) -> tuple[int, int, int]:
    async def count() -> tuple[int, int, int]:
        database = Database(cli.database_url)
        try:
            async with database.reading() as session:
                found = [
                    int(await session.scalar(select(func.count()).select_from(t)) or 0)
                    for t in (Account, GroupRole, LoginToken)
                ]
                return found[0], found[1], found[2]
        finally:
            await database.close()

    return asyncio.run(count())


def link_of(output: str) -> str:
    link = output.strip().splitlines()[-1]
    assert link.startswith("https://groups.example:8443/login/"), output
    return link


def log_in_with(cli: Cli, link: str) -> accounts.LoggedIn:
    async def use() -> accounts.LoggedIn:
        database = Database(cli.database_url)
        try:
            return await accounts.log_in_with_link(database, link.rsplit("/", 1)[1])
        finally:
            await database.close()

    return asyncio.run(use())


def test_user_create_prints_a_working_one_time_link(cli: Cli) -> None:
    out = cli.run("user", "create", "Olena", "--role", "editor", "--group", "kyiv_pride").stdout
    assert "created account olena (editor of kyiv_pride)" in out
    logged = log_in_with(cli, link_of(out))
    assert logged.account.roles == {"kyiv_pride": "editor"} and logged.needs_password

    out = cli.run("user", "create", "root", "--role", "admin").stdout
    assert "(admin)" in out
    listing = cli.run("user", "list").stdout.splitlines()
    assert listing == ["olena\t-\teditor:kyiv_pride", "root\tadmin\t"]


def test_user_link_prints_a_fresh_link_each_time(cli: Cli) -> None:
    cli.run("user", "create", "olena", "--role", "member", "--group", "kyiv_pride")
    first = link_of(cli.run("user", "link", "olena").stdout)
    second = link_of(cli.run("user", "link", "OLENA").stdout)
    assert first != second
    assert log_in_with(cli, second).account.name == "olena"
    assert log_in_with(cli, first).account.name == "olena"  # each link works once


def test_user_errors_exit_1_with_one_line_and_change_nothing(cli: Cli) -> None:
    cli.run("user", "create", "olena", "--role", "editor", "--group", "kyiv_pride")
    before = counts(cli)
    for arguments, reason in [
        (("create", "olena", "--role", "editor", "--group", "kyiv_pride"), "already exists"),
        (("create", "x", "--role", "admin"), "2 to 32 characters"),
        (("create", "petro", "--role", "editor"), "needs a group"),
        (("create", "petro", "--role", "admin", "--group", "kyiv_pride"), "give no group"),
        (("create", "petro", "--role", "member", "--group", "nowhere"), "no group 'nowhere'"),
        (("link", "nobody"), "no account named 'nobody'"),
    ]:
        result = cli.run("user", *arguments, ok=False)
        assert result.returncode == 1, arguments
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("fedhub: error: ") and reason in result.stderr
        assert result.stdout == ""
    assert counts(cli) == before


def test_an_unknown_role_is_a_usage_error(cli: Cli) -> None:
    result = cli.run("user", "create", "petro", "--role", "owner", ok=False)
    assert result.returncode == 2 and "invalid choice: 'owner'" in result.stderr
    assert counts(cli) == (0, 0, 0)


def test_init_demo_makes_an_admin_account(tmp_path: Path, database_url: str) -> None:
    cli = Cli(tmp_path / "demo", database_url)
    out = cli.run("init", "--domain", "127.0.0.1:8080", "--http", "--demo").stdout
    assert "admin account: admin" in out
    link = cli.run("user", "link", "admin").stdout.strip().splitlines()[-1]
    assert link.startswith("http://127.0.0.1:8080/login/")
    assert cli.run("user", "list").stdout.startswith("admin\tadmin")
