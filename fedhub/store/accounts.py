"""Queries on accounts, their group roles, sessions, one-time login links and invites.

Single use is enforced by the database: a link is spent by one `UPDATE … WHERE used_at IS NULL`,
so two requests racing with the same link cannot both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.domain.accounts import Account
from fedhub.errors import Conflict, Gone, NotFound
from fedhub.store.tables import Account as AccountRow
from fedhub.store.tables import AccountSession, GroupRole, Invite, LocalActor, LoginToken


@dataclass(frozen=True)
class InviteRecord:
    """A pending invite as the admin page lists it (the link itself is never stored)."""

    id: int
    role: str
    group_slug: str | None
    created_at: datetime
    expires_at: datetime


async def insert_account(
    session: AsyncSession, name: str, *, is_admin: bool, password_hash: str | None = None
) -> AccountRow:
    if await session.scalar(select(AccountRow.id).where(AccountRow.name == name)) is not None:
        raise Conflict(f"an account named {name!r} already exists")
    row = AccountRow(name=name, is_admin=is_admin, password_hash=password_hash)
    session.add(row)
    await session.flush()
    return row


async def find_account_row(session: AsyncSession, name: str) -> AccountRow | None:
    return await session.scalar(select(AccountRow).where(AccountRow.name == name))


async def get_account_row(session: AsyncSession, name: str) -> AccountRow:
    row = await find_account_row(session, name)
    if row is None:
        raise NotFound(f"no account named {name!r}")
    return row


async def account_record(session: AsyncSession, row: AccountRow) -> Account:
    roles = await session.execute(
        select(LocalActor.slug, GroupRole.role)
        .join(LocalActor, LocalActor.id == GroupRole.actor_id)
        .where(GroupRole.account_id == row.id)
    )
    return Account(
        id=row.id, name=row.name, is_admin=row.is_admin, roles={s: r for s, r in roles.all()}
    )


async def list_accounts(session: AsyncSession) -> list[Account]:
    rows = await session.scalars(select(AccountRow).order_by(AccountRow.name))
    return [await account_record(session, row) for row in rows]


async def put_group_role(session: AsyncSession, account_id: int, actor_id: int, role: str) -> None:
    """Give the account `role` in the group, replacing any role it had there."""
    existing = await session.get(GroupRole, (account_id, actor_id))
    if existing is None:
        session.add(GroupRole(account_id=account_id, actor_id=actor_id, role=role))
    else:
        existing.role = role
    await session.flush()


# --- sessions -----------------------------------------------------------------------------


async def insert_session(session: AsyncSession, account_id: int, token_hash: str) -> None:
    session.add(AccountSession(account_id=account_id, token_hash=token_hash))
    await session.flush()


async def find_session(
    session: AsyncSession, token_hash: str
) -> tuple[AccountSession, AccountRow] | None:
    found = await session.execute(
        select(AccountSession, AccountRow)
        .join(AccountRow, AccountRow.id == AccountSession.account_id)
        .where(AccountSession.token_hash == token_hash)
    )
    row = found.first()
    return None if row is None else (row[0], row[1])


async def touch_session(session: AsyncSession, session_id: int, now: datetime) -> None:
    await session.execute(
        update(AccountSession).where(AccountSession.id == session_id).values(last_seen_at=now)
    )


async def delete_session(session: AsyncSession, token_hash: str) -> bool:
    result = await session.execute(
        delete(AccountSession).where(AccountSession.token_hash == token_hash)
    )
    return bool(getattr(result, "rowcount", 0))


async def delete_sessions_of(session: AsyncSession, account_id: int) -> None:
    await session.execute(delete(AccountSession).where(AccountSession.account_id == account_id))


# --- one-time login links and invites -----------------------------------------------------


async def insert_login_token(
    session: AsyncSession, account_id: int, token_hash: str, expires_at: datetime
) -> None:
    session.add(LoginToken(account_id=account_id, token_hash=token_hash, expires_at=expires_at))
    await session.flush()


def _spent_reason(used_at: datetime | None, what: str) -> Gone:
    if used_at is not None:
        return Gone(f"this {what} was already used; ask for a new one")
    return Gone(f"this {what} has expired; ask for a new one")


async def check_login_token(session: AsyncSession, token_hash: str, now: datetime) -> AccountRow:
    """The account a still-valid login link belongs to, without spending the link."""
    row = await session.scalar(select(LoginToken).where(LoginToken.token_hash == token_hash))
    if row is None:
        raise NotFound("this login link is not valid")
    if row.used_at is not None or row.expires_at <= now:
        raise _spent_reason(row.used_at, "login link")
    account = await session.get(AccountRow, row.account_id)
    assert account is not None  # the foreign key cascades
    return account


async def spend_login_token(session: AsyncSession, token_hash: str, now: datetime) -> AccountRow:
    """Mark the link used and return its account; refuses an unknown, used or expired link."""
    account_id = await session.scalar(
        update(LoginToken)
        .where(
            LoginToken.token_hash == token_hash,
            LoginToken.used_at.is_(None),
            LoginToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(LoginToken.account_id)
    )
    if account_id is None:
        await check_login_token(session, token_hash, now)  # raises with the reason
        raise Gone("this login link was already used; ask for a new one")
    account = await session.get(AccountRow, account_id)
    assert account is not None
    return account


async def insert_invite(
    session: AsyncSession,
    token_hash: str,
    role: str,
    actor_id: int | None,
    created_by: int | None,
    expires_at: datetime,
) -> None:
    session.add(
        Invite(
            token_hash=token_hash,
            role=role,
            actor_id=actor_id,
            created_by=created_by,
            expires_at=expires_at,
        )
    )
    await session.flush()


async def _invite_record(session: AsyncSession, row: Invite) -> InviteRecord:
    slug = None
    if row.actor_id is not None:
        slug = await session.scalar(select(LocalActor.slug).where(LocalActor.id == row.actor_id))
    return InviteRecord(row.id, row.role, slug, row.created_at, row.expires_at)


async def check_invite(session: AsyncSession, token_hash: str, now: datetime) -> InviteRecord:
    """A still-valid invite, without spending it (the accept page shows what it grants)."""
    row = await session.scalar(select(Invite).where(Invite.token_hash == token_hash))
    if row is None:
        raise NotFound("this invite link is not valid")
    if row.used_at is not None or row.expires_at <= now:
        raise _spent_reason(row.used_at, "invite")
    return await _invite_record(session, row)


async def spend_invite(session: AsyncSession, token_hash: str, now: datetime) -> Invite:
    """Mark the invite used (by nobody yet) and return it; the caller records who took it."""
    invite_id = await session.scalar(
        update(Invite)
        .where(Invite.token_hash == token_hash, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_at=now)
        .returning(Invite.id)
    )
    if invite_id is None:
        await check_invite(session, token_hash, now)  # raises with the reason
        raise Gone("this invite was already used; ask for a new one")
    row = await session.get(Invite, invite_id)
    assert row is not None
    return row


async def list_pending_invites(session: AsyncSession, now: datetime) -> Sequence[InviteRecord]:
    rows = await session.scalars(
        select(Invite)
        .where(Invite.used_at.is_(None), Invite.expires_at > now)
        .order_by(Invite.created_at.desc())
    )
    return [await _invite_record(session, row) for row in rows]


async def delete_invite(session: AsyncSession, invite_id: int) -> None:
    result = await session.execute(
        delete(Invite).where(Invite.id == invite_id, Invite.used_at.is_(None))
    )
    if not getattr(result, "rowcount", 0):
        raise NotFound("no such pending invite")
