"""Account use-cases on both databases: argon2id hashes, single-use links and invites, sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from fedhub.actions import accounts
from fedhub.actions.groups import create_group
from fedhub.actions.instance import init_instance
from fedhub.domain.accounts import (
    Account,
    has_group_role,
    safe_next_path,
    token_hash,
    validate_account_name,
    validate_password,
)
from fedhub.domain.throttle import SlidingWindow
from fedhub.errors import Conflict, Forbidden, Gone, InvalidInput, NotFound, Unauthorized
from fedhub.store.database import Database
from fedhub.store.tables import Account as AccountRow
from fedhub.store.tables import AccountSession, GroupRole, Invite, LoginToken

PASSWORD = "correct horse battery staple"


@pytest.fixture
async def database(tmp_path: Path, database_url: str) -> AsyncIterator[Database]:
    settings = await init_instance(
        tmp_path / "data", "groups.test", http=False, database_url=database_url, name="t"
    )
    database = Database(settings.resolved_database_url())
    await create_group(database, "kyiv", "Kyiv", "", "uk")
    await create_group(database, "tbilisi", "Tbilisi", "", "ka")
    yield database
    await database.close()


async def count(database: Database, table: type) -> int:
    async with database.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def invited(database: Database, name: str, role: str, group: str | None) -> Account:
    token = await accounts.create_invite(database, None, role, group)
    return (await accounts.accept_invite(database, token, name, PASSWORD)).account


async def test_passwords_are_stored_as_argon2id_and_never_in_clear(database: Database) -> None:
    await invited(database, "olena", "editor", "kyiv")
    async with database.reading() as session:
        stored = await session.scalar(select(AccountRow.password_hash))
    assert stored is not None and stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored
    logged = await accounts.log_in(database, "OLENA", PASSWORD)  # names are case-insensitive
    assert logged.account.name == "olena" and logged.account.roles == {"kyiv": "editor"}


async def test_a_wrong_password_or_unknown_name_opens_no_session(database: Database) -> None:
    await invited(database, "olena", "editor", "kyiv")
    before = await count(database, AccountSession)
    for name, password in [("olena", "wrong password!"), ("nobody", PASSWORD), ("x y", PASSWORD)]:
        with pytest.raises(Unauthorized, match="wrong account name or password"):
            await accounts.log_in(database, name, password)
    assert await count(database, AccountSession) == before


async def test_create_user_grants_the_role_and_its_link_works_once(database: Database) -> None:
    account, token = await accounts.create_user(database, "Giorgi", "member", "tbilisi")
    assert account.name == "giorgi" and account.roles == {"tbilisi": "member"}
    async with database.reading() as session:
        stored = await session.scalar(select(LoginToken.token_hash))
    assert stored == token_hash(token) and token not in stored  # only the hash is kept

    logged = await accounts.log_in_with_link(database, token)
    assert logged.needs_password and logged.account.id == account.id
    assert await accounts.session_account(database, logged.session_token) == logged.account
    with pytest.raises(Gone, match="already used"):
        await accounts.log_in_with_link(database, token)
    with pytest.raises(NotFound):
        await accounts.log_in_with_link(database, "not-a-real-token-at-all-000000")
    assert await count(database, AccountSession) == 1


async def test_an_expired_login_link_is_refused(database: Database) -> None:
    _, token = await accounts.create_user(database, "giorgi", "member", "tbilisi")
    async with database.transaction() as session:
        await session.execute(
            update(LoginToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    with pytest.raises(Gone, match="expired"):
        await accounts.log_in_with_link(database, token)
    assert await count(database, AccountSession) == 0


async def test_create_user_refuses_bad_input_and_writes_nothing(database: Database) -> None:
    await accounts.create_user(database, "olena", "admin")
    cases = [
        (("olena", "editor", "kyiv"), Conflict),
        (("a", "editor", "kyiv"), InvalidInput),
        (("Олена", "editor", "kyiv"), InvalidInput),
        (("petro", "editor", None), InvalidInput),
        (("petro", "admin", "kyiv"), InvalidInput),
        (("petro", "owner", "kyiv"), InvalidInput),
        (("petro", "editor", "nowhere"), NotFound),
    ]
    for arguments, error in cases:
        with pytest.raises(error):
            await accounts.create_user(database, *arguments)
    assert await count(database, AccountRow) == 1
    assert await count(database, LoginToken) == 1
    assert await count(database, GroupRole) == 0


async def test_an_invite_is_accepted_once_and_grants_its_role(database: Database) -> None:
    token = await accounts.create_invite(database, None, "editor", "kyiv")
    async with database.reading() as session:
        assert await session.scalar(select(Invite.token_hash)) == token_hash(token)
    assert (await accounts.check_invite(database, token)).group_slug == "kyiv"

    logged = await accounts.accept_invite(database, token, "olena", PASSWORD)
    assert logged.account.roles == {"kyiv": "editor"} and not logged.account.is_admin
    with pytest.raises(Gone, match="already used"):
        await accounts.accept_invite(database, token, "petro", PASSWORD)
    assert [a.name for a in await accounts.list_users(database)] == ["olena"]
    assert await accounts.pending_invites(database) == []


async def test_a_refused_acceptance_leaves_the_invite_usable(database: Database) -> None:
    await invited(database, "olena", "member", "kyiv")
    token = await accounts.create_invite(database, None, "member", "kyiv")
    with pytest.raises(Conflict):  # the name is taken: the whole transaction rolls back
        await accounts.accept_invite(database, token, "olena", PASSWORD)
    with pytest.raises(InvalidInput, match="at least 10"):
        await accounts.accept_invite(database, token, "petro", "short")
    with pytest.raises(InvalidInput, match="not be the account name"):
        await accounts.accept_invite(database, token, "petro_and_co", "Petro_And_Co")
    assert (await accounts.accept_invite(database, token, "petro", PASSWORD)).account.name == (
        "petro"
    )


async def test_who_may_invite_whom(database: Database) -> None:
    editor = await invited(database, "olena", "editor", "kyiv")
    member = await invited(database, "petro", "member", "kyiv")
    assert await accounts.create_invite(database, editor, "member", "kyiv")
    for inviter, role, group in [
        (editor, "member", "tbilisi"),  # an editor of kyiv has no say in tbilisi
        (editor, "editor", "kyiv"),  # editors invite members only
        (editor, "admin", None),
        (member, "member", "kyiv"),  # members invite nobody
    ]:
        with pytest.raises(Forbidden):
            await accounts.create_invite(database, inviter, role, group)
    assert len(await accounts.pending_invites(database)) == 1


def test_role_rules() -> None:
    editor = Account(1, "olena", False, {"kyiv": "editor", "tbilisi": "member"})
    admin = Account(2, "root", True, {})
    assert has_group_role(editor, "kyiv") and not has_group_role(editor, "tbilisi")
    assert has_group_role(editor, "tbilisi", ("editor", "member"))
    assert not has_group_role(editor, "minsk", ("editor", "member"))
    assert has_group_role(admin, "minsk")


async def test_sessions_expire_when_idle_and_when_old(database: Database) -> None:
    await invited(database, "olena", "editor", "kyiv")
    idle = await accounts.log_in(database, "olena", PASSWORD)
    old = await accounts.log_in(database, "olena", PASSWORD)
    now = datetime.now(UTC)
    async with database.transaction() as session:
        await session.execute(
            update(AccountSession)
            .where(AccountSession.token_hash == token_hash(idle.session_token))
            .values(last_seen_at=now - timedelta(hours=25))
        )
        await session.execute(
            update(AccountSession)
            .where(AccountSession.token_hash == token_hash(old.session_token))
            .values(created_at=now - timedelta(days=15), last_seen_at=now)
        )
    assert await accounts.session_account(database, idle.session_token) is None
    assert await accounts.session_account(database, old.session_token) is None
    async with database.reading() as session:
        hashes = set(await session.scalars(select(AccountSession.token_hash)))
    assert token_hash(idle.session_token) not in hashes  # expired sessions are deleted
    assert token_hash(old.session_token) not in hashes


async def test_changing_the_password_ends_the_other_sessions(database: Database) -> None:
    account = await invited(database, "olena", "editor", "kyiv")
    phone = await accounts.log_in(database, "olena", PASSWORD)
    laptop = await accounts.log_in(database, "olena", PASSWORD)
    with pytest.raises(Forbidden, match="current password"):
        await accounts.set_password(
            database,
            account.id,
            "a brand new passphrase",
            current_password="a guess",
            keep_session=laptop.session_token,
        )
    await accounts.set_password(
        database,
        account.id,
        "a brand new passphrase",
        current_password=PASSWORD,
        keep_session=laptop.session_token,
    )
    assert await accounts.session_account(database, phone.session_token) is None
    assert await accounts.session_account(database, laptop.session_token) is not None
    with pytest.raises(Unauthorized):
        await accounts.log_in(database, "olena", PASSWORD)
    await accounts.log_in(database, "olena", "a brand new passphrase")


def test_name_and_password_rules() -> None:
    assert validate_account_name("  Kyiv_Editor ") == "kyiv_editor"
    for bad in ["", "a", "x" * 33, "with space", "admin@host", "оля"]:
        with pytest.raises(InvalidInput):
            validate_account_name(bad)
    with pytest.raises(InvalidInput):
        validate_password("x" * 1025, "olena")
    assert validate_password("ten chars!", "olena") == "ten chars!"


def test_next_paths_stay_on_this_site() -> None:
    assert safe_next_path("/groups/kyiv?x=1") == "/groups/kyiv?x=1"
    for bad in [None, "", "https://evil.example/", "//evil.example", "/\\evil.example", "x"]:
        assert safe_next_path(bad) == "/account"


def test_sliding_window_counts_failures_within_the_window() -> None:
    window = SlidingWindow(limit=3, window=60)
    for t in (0.0, 10.0, 20.0):
        assert window.retry_after("olena", t) == 0
        window.fail("olena", t)
    assert window.retry_after("olena", 21.0) == 39  # until the first failure is a minute old
    assert window.retry_after("other", 21.0) == 0
    assert window.retry_after("olena", 60.0) == 0
    window.fail("olena", 61.0)
    assert window.retry_after("olena", 61.0) == 9
    window.forget("olena")
    assert window.retry_after("olena", 61.0) == 0
