"""Account use-cases shared by the CLI and the web: users, login links, invites, log in and out.

Each runs in one transaction. Password hashing (argon2id, deliberately slow) runs in a thread
so the server keeps answering other requests meanwhile.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from fedhub.domain import passwords
from fedhub.domain.accounts import (
    INVITE_LIFETIME,
    LOGIN_LINK_LIFETIME,
    SESSION_TOUCH_EVERY,
    Account,
    check_may_invite,
    new_token,
    session_alive,
    token_hash,
    validate_account_name,
    validate_grant,
    validate_password,
)
from fedhub.errors import Forbidden, InvalidInput, Unauthorized
from fedhub.store import accounts as store
from fedhub.store import actors
from fedhub.store.database import Database
from fedhub.store.tables import Account as AccountRow

LOGIN_PATH = "/login/"
INVITE_PATH = "/invite/"
WRONG_LOGIN = "wrong account name or password"


@dataclass(frozen=True)
class LoggedIn:
    """A new session: its cookie value (the only copy) and whether a password must be chosen."""

    account: Account
    session_token: str
    needs_password: bool


def login_link(base_url: str, token: str) -> str:
    return f"{base_url}{LOGIN_PATH}{token}"


def invite_link(base_url: str, token: str) -> str:
    return f"{base_url}{INVITE_PATH}{token}"


def _now() -> datetime:
    return datetime.now(UTC)


async def create_user(
    database: Database, name: str, role: str, group_slug: str | None = None
) -> tuple[Account, str]:
    """A new account with `role`, and a one-time login link's token so its owner can get in."""
    name = validate_account_name(name)
    role, group_slug = validate_grant(role, group_slug)
    token = new_token()
    async with database.transaction() as session:
        actor_id = None
        if group_slug is not None:
            actor_id = (await actors.get_group_row(session, group_slug)).id
        row = await store.insert_account(session, name, is_admin=role == "admin")
        if actor_id is not None:
            await store.put_group_role(session, row.id, actor_id, role)
        await store.insert_login_token(
            session, row.id, token_hash(token), _now() + LOGIN_LINK_LIFETIME
        )
        return await store.account_record(session, row), token


async def ensure_admin(database: Database, name: str = "admin") -> Account:
    """The demo's admin account: made once, left alone afterwards."""
    async with database.transaction() as session:
        row = await store.find_account_row(session, name)
        if row is None:
            row = await store.insert_account(session, validate_account_name(name), is_admin=True)
        return await store.account_record(session, row)


async def new_login_link(database: Database, name: str) -> str:
    """A fresh one-time link for an existing account (a lost password, a new device)."""
    token = new_token()
    async with database.transaction() as session:
        row = await store.get_account_row(session, validate_account_name(name))
        await store.insert_login_token(
            session, row.id, token_hash(token), _now() + LOGIN_LINK_LIFETIME
        )
    return token


async def has_password(database: Database, account_id: int) -> bool:
    async with database.reading() as session:
        row = await session.get(AccountRow, account_id)
        return row is not None and row.password_hash is not None


async def list_users(database: Database) -> list[Account]:
    async with database.reading() as session:
        return await store.list_accounts(session)


async def log_in(database: Database, name: str, password: str) -> LoggedIn:
    """A new session for the right name and password; the same refusal for any wrong pair."""
    try:
        name = validate_account_name(name)
    except InvalidInput:
        name = ""
    async with database.reading() as session:
        row = await store.find_account_row(session, name) if name else None
        stored = row.password_hash if row is not None else None
    if not await asyncio.to_thread(passwords.verify_password, stored, password):
        raise Unauthorized(WRONG_LOGIN)
    assert row is not None and stored is not None
    fresh_hash = None
    if passwords.needs_rehash(stored):
        fresh_hash = await asyncio.to_thread(passwords.hash_password, password)
    token = new_token()
    async with database.transaction() as session:
        current = await store.get_account_row(session, row.name)
        if fresh_hash is not None and current.password_hash == stored:
            current.password_hash = fresh_hash
        await store.insert_session(session, current.id, token_hash(token))
        account = await store.account_record(session, current)
    return LoggedIn(account, token, needs_password=False)


async def log_in_with_link(database: Database, token: str) -> LoggedIn:
    """Spend a one-time link and open a session; refuses a used, expired or unknown link."""
    session_token = new_token()
    async with database.transaction() as session:
        row = await store.spend_login_token(session, token_hash(token), _now())
        await store.insert_session(session, row.id, token_hash(session_token))
        account = await store.account_record(session, row)
        return LoggedIn(account, session_token, needs_password=row.password_hash is None)


async def check_login_link(database: Database, token: str) -> Account:
    """Who a still-valid login link would log in, without spending it."""
    async with database.reading() as session:
        row = await store.check_login_token(session, token_hash(token), _now())
        return await store.account_record(session, row)


async def log_out(database: Database, session_token: str) -> None:
    async with database.transaction() as session:
        await store.delete_session(session, token_hash(session_token))


async def session_account(database: Database, session_token: str) -> Account | None:
    """The account behind a session cookie, or None for an unknown or expired session.

    An expired session is deleted; a live one is marked seen every few minutes (idle expiry).
    """
    digest = token_hash(session_token)
    now = _now()
    async with database.reading() as session:
        found = await store.find_session(session, digest)
        if found is None:
            return None
        row, account_row = found
        account = await store.account_record(session, account_row)
    if not session_alive(row.created_at, row.last_seen_at, now):
        async with database.transaction() as session:
            await store.delete_session(session, digest)
        return None
    if now - row.last_seen_at >= SESSION_TOUCH_EVERY:
        async with database.transaction() as session:
            await store.touch_session(session, row.id, now)
    return account


async def set_password(
    database: Database,
    account_id: int,
    new_password: str,
    *,
    current_password: str | None,
    keep_session: str,
) -> None:
    """Set or change the password; other sessions end, so a thief's session does not survive.

    Changing an existing password needs the current one; the first one (after a login link)
    does not.
    """
    async with database.reading() as session:
        row = await session.get(AccountRow, account_id)
        if row is None:
            raise Unauthorized("log in first")
        name, stored = row.name, row.password_hash
    validate_password(new_password, name)
    if stored is not None and not await asyncio.to_thread(
        passwords.verify_password, stored, current_password or ""
    ):
        raise Forbidden("the current password is not right")
    new_hash = await asyncio.to_thread(passwords.hash_password, new_password)
    async with database.transaction() as session:
        row = await session.get(AccountRow, account_id)
        if row is None or row.password_hash != stored:
            raise Forbidden("the password was changed meanwhile; try again")
        row.password_hash = new_hash
        await store.delete_sessions_of(session, account_id)
        await store.insert_session(session, account_id, token_hash(keep_session))


async def create_invite(
    database: Database, inviter: Account | None, role: str, group_slug: str | None
) -> str:
    """An invite's token; `inviter` None is the operator at the command line."""
    role, group_slug = validate_grant(role, group_slug)
    if inviter is not None:
        check_may_invite(inviter, role, group_slug)
    token = new_token()
    async with database.transaction() as session:
        actor_id = None
        if group_slug is not None:
            actor_id = (await actors.get_group_row(session, group_slug)).id
        await store.insert_invite(
            session,
            token_hash(token),
            role,
            actor_id,
            inviter.id if inviter else None,
            _now() + INVITE_LIFETIME,
        )
    return token


async def check_invite(database: Database, token: str) -> store.InviteRecord:
    async with database.reading() as session:
        return await store.check_invite(session, token_hash(token), _now())


async def accept_invite(database: Database, token: str, name: str, password: str) -> LoggedIn:
    """Make the invited account with the invite's role and log it in; the invite is spent."""
    name = validate_account_name(name)
    validate_password(password, name)
    async with database.reading() as session:  # refuse a bad link before the slow hash
        await store.check_invite(session, token_hash(token), _now())
    password_hash = await asyncio.to_thread(passwords.hash_password, password)
    session_token = new_token()
    async with database.transaction() as session:
        invite = await store.spend_invite(session, token_hash(token), _now())
        row = await store.insert_account(
            session, name, is_admin=invite.role == "admin", password_hash=password_hash
        )
        if invite.actor_id is not None:
            await store.put_group_role(session, row.id, invite.actor_id, invite.role)
        invite.used_by = row.id
        await store.insert_session(session, row.id, token_hash(session_token))
        account = await store.account_record(session, row)
    return LoggedIn(account, session_token, needs_password=False)


async def accept_invite_as(database: Database, token: str, account: Account) -> Account:
    """Add the invite's role to an account already logged in, instead of making another one.

    A role the account already has in that group is replaced; an admin stays admin.
    """
    async with database.transaction() as session:
        invite = await store.spend_invite(session, token_hash(token), _now())
        row = await session.get(AccountRow, account.id)
        if row is None:
            raise Unauthorized("log in first")
        if invite.role == "admin":
            row.is_admin = True
        elif invite.actor_id is not None:
            await store.put_group_role(session, row.id, invite.actor_id, invite.role)
        invite.used_by = row.id
        return await store.account_record(session, row)


async def log_out_everywhere(database: Database, name: str) -> None:
    """End every session of an account: a lost or seized device."""
    async with database.transaction() as session:
        row = await store.get_account_row(session, validate_account_name(name))
        await store.delete_sessions_of(session, row.id)


async def pending_invites(database: Database) -> list[store.InviteRecord]:
    async with database.reading() as session:
        return list(await store.list_pending_invites(session, _now()))


async def revoke_invite(database: Database, invite_id: int) -> None:
    async with database.transaction() as session:
        await store.delete_invite(session, invite_id)
