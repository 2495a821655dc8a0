"""`fedhub user invites / revoke-invite / logout-all`: a leaked link or a seized device, handled
from the shell. Real processes, both databases."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from fedhub.actions import accounts
from fedhub.errors import Gone, NotFound
from fedhub.store.database import Database
from tests.test_cli import Cli


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Cli:
    cli = Cli(tmp_path / "data", database_url)
    cli.run("init", "--domain", "groups.example:8443")
    cli.run("group", "create", "kyiv_pride", "--name", "KyivPride", "--lang", "uk")
    return cli


def test_revoke_invite_and_log_out_everywhere(cli: Cli) -> None:
    async def prepare() -> tuple[str, str]:
        database = Database(cli.database_url)
        try:
            invite = await accounts.create_invite(database, None, "member", "kyiv_pride")
            _, link = await accounts.create_user(database, "olena", "member", "kyiv_pride")
            session = (await accounts.log_in_with_link(database, link)).session_token
            return invite, session
        finally:
            await database.close()

    invite, session = asyncio.run(prepare())
    listing = cli.run("user", "invites").stdout.strip().splitlines()
    assert len(listing) == 1
    invite_id, role, group, _ = listing[0].split("\t")
    assert (role, group) == ("member", "kyiv_pride")
    assert f"invite {invite_id} revoked" in cli.run("user", "revoke-invite", invite_id).stdout
    assert cli.run("user", "invites").stdout == ""
    assert "no such pending invite" in cli.fail("user", "revoke-invite", invite_id)

    assert "every session of olena has ended" in cli.run("user", "logout-all", "olena").stdout
    assert "no account" in cli.fail("user", "logout-all", "nobody").lower()

    async def check() -> None:
        database = Database(cli.database_url)
        try:
            assert await accounts.session_account(database, session) is None
            with pytest.raises((Gone, NotFound)):
                await accounts.check_invite(database, invite)
        finally:
            await database.close()

    asyncio.run(check())
