"""Password hashes: argon2id (memory-hard) through argon2-cffi, with its RFC 9106 parameters."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults are RFC 9106's "low memory" choice: argon2id, t=3, m=64 MiB, p=4.
_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when it matches; an account without a password (or an unknown one) costs the same.

    Verifying against a throwaway hash when there is none keeps the answer's timing from
    telling which account names exist.
    """
    try:
        return _HASHER.verify(password_hash or _absent_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(password_hash)


@cache
def _absent_hash() -> str:
    return _HASHER.hash("no account has this password")
