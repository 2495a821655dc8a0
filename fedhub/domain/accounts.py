"""The rules of accounts: valid names and passwords, roles, what each role may do, and expiries.

Accounts are private: they log people in and never appear in a federated document or a public
page; an editor publishes under the group's name.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from hashlib import sha256
from typing import Final, Literal

from fedhub.errors import Forbidden, InvalidInput

GroupRole = Literal["editor", "member"]
GROUP_ROLES: Final[tuple[GroupRole, ...]] = ("editor", "member")
# What an invite or `fedhub user create` may grant: a group role, or the instance's admin.
GRANTABLE_ROLES: Final[tuple[str, ...]] = ("admin", *GROUP_ROLES)

# A login name: ASCII only, so two names cannot look alike (no homoglyphs).
_NAME = re.compile(r"[a-z0-9_]{2,32}")
MIN_PASSWORD = 10
# argon2 hashes any length, but a cap keeps one request from costing seconds of CPU.
MAX_PASSWORD = 1024

# Sessions end after a day unused and after two weeks whatever happens: shared and seized
# devices are a real risk for the people using this.
SESSION_IDLE: Final = timedelta(hours=24)
SESSION_ABSOLUTE: Final = timedelta(days=14)
# Writing `last_seen_at` on every request would make each page view a write; this often is enough.
SESSION_TOUCH_EVERY: Final = timedelta(minutes=5)
LOGIN_LINK_LIFETIME: Final = timedelta(hours=24)
INVITE_LIFETIME: Final = timedelta(days=7)


@dataclass(frozen=True)
class Account:
    """Who is logged in: the name is for logging in only; `roles` maps a group's slug to a role."""

    id: int
    name: str
    is_admin: bool
    roles: Mapping[str, str] = field(default_factory=dict)

    def role_in(self, slug: str) -> str | None:
        return self.roles.get(slug)


def validate_account_name(name: str) -> str:
    """Lower-case it and check it: 2-32 of a-z, 0-9 and '_'."""
    value = name.strip().lower()
    if not _NAME.fullmatch(value):
        raise InvalidInput(
            "an account name is 2 to 32 characters, each a-z, 0-9 or '_' "
            f"(got {name.strip()[:40]!r})"
        )
    return value


def validate_password(password: str, name: str) -> str:
    """Length is what makes a password strong; composition rules only make it guessable."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password must be at least {MIN_PASSWORD} characters long")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"the password must be at most {MAX_PASSWORD} characters long")
    if password.strip().lower() == name.lower():
        raise InvalidInput("the password must not be the account name")
    return password


def validate_grant(role: str, group_slug: str | None) -> tuple[str, str | None]:
    """A grant is `admin` (no group) or a group role with its group."""
    if role not in GRANTABLE_ROLES:
        raise InvalidInput(f"unknown role {role!r}: use one of {', '.join(GRANTABLE_ROLES)}")
    group = (group_slug or "").strip() or None
    if role == "admin":
        if group is not None:
            raise InvalidInput("the admin role is for the whole instance: give no group")
        return role, None
    if group is None:
        raise InvalidInput(f"the {role} role needs a group")
    return role, group


def has_group_role(account: Account, slug: str, roles: tuple[str, ...] = ("editor",)) -> bool:
    """The instance's admin may do anything in every group; others need one of `roles` in it."""
    return account.is_admin or account.role_in(slug) in roles


def may_invite(account: Account, role: str, group_slug: str | None) -> bool:
    """Admins invite anyone; a group's editor may invite members of that group only."""
    if account.is_admin:
        return True
    return role == "member" and group_slug is not None and account.role_in(group_slug) == "editor"


def check_may_invite(account: Account, role: str, group_slug: str | None) -> None:
    if not may_invite(account, role, group_slug):
        raise Forbidden(
            f"you may not invite a {role}" + (f" to {group_slug}" if group_slug else "")
        )


def new_token() -> str:
    """A secret for a link or cookie: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of a token: a leaked table then logs nobody in.

    A fast hash is enough, unlike for passwords: the tokens are 256 random bits.
    """
    return sha256(token.encode("utf-8")).hexdigest()


def session_alive(created_at: datetime, last_seen_at: datetime, now: datetime) -> bool:
    return now - last_seen_at < SESSION_IDLE and now - created_at < SESSION_ABSOLUTE


def safe_next_path(candidate: str | None) -> str:
    """Where to go after logging in: a path on this site only, never another origin."""
    if (
        not candidate
        or not candidate.startswith("/")
        or candidate.startswith("//")
        or "\\" in candidate
        or any(ord(c) < 32 for c in candidate)
    ):
        return "/account"
    return candidate
