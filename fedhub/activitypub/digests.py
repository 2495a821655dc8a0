"""Body digests that signatures cover: `Digest` (RFC 3230, cavage) and `Content-Digest` (RFC 9530)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from fedhub.activitypub.http_messages import decode_base64, encode_base64
from fedhub.activitypub.structured_fields import StructuredFieldError, parse_dictionary

# Algorithm names are case-insensitive in both headers; SHA-1 and MD5 are not accepted.
_HASHES: dict[str, Callable[[bytes], bytes]] = {
    "sha-256": lambda body: hashlib.sha256(body).digest(),
    "sha-512": lambda body: hashlib.sha512(body).digest(),
}


def digest_header(body: bytes) -> str:
    """The `Digest` value Mastodon sends and checks: `SHA-256=<base64>`."""
    return "SHA-256=" + encode_base64(hashlib.sha256(body).digest())


def content_digest_header(body: bytes) -> str:
    """The RFC 9530 `Content-Digest` value: `sha-256=:<base64>:`."""
    return "sha-256=:" + encode_base64(hashlib.sha256(body).digest()) + ":"


def check_digest(header: str, body: bytes) -> str | None:
    """None when every SHA-256/SHA-512 entry of a `Digest` header matches `body`, else the reason."""
    offered: list[tuple[str, bytes]] = []
    for entry in header.split(","):
        name, _, value = entry.strip().partition("=")
        algorithm = name.strip().lower()
        if algorithm not in _HASHES:
            continue
        decoded = decode_base64(value)
        if decoded is None:
            return "bad base64 in Digest"
        offered.append((algorithm, decoded))
    return _compare(offered, body, "Digest")


def check_content_digest(header: str, body: bytes) -> str | None:
    """None when every SHA-256/SHA-512 entry of a `Content-Digest` matches `body`, else the reason."""
    try:
        members = parse_dictionary(header)
    except StructuredFieldError as error:
        return f"malformed Content-Digest: {error}"
    offered: list[tuple[str, bytes]] = []
    for name, member in members.items():
        if name.lower() not in _HASHES:
            continue
        value = getattr(member, "value", None)
        if not isinstance(value, bytes):
            return "malformed Content-Digest: digest is not a byte sequence"
        offered.append((name.lower(), value))
    return _compare(offered, body, "Content-Digest")


def _compare(offered: list[tuple[str, bytes]], body: bytes, header: str) -> str | None:
    if not offered:
        return f"{header} offers neither SHA-256 nor SHA-512"
    for algorithm, expected in offered:
        if not hmac.compare_digest(_HASHES[algorithm](body), expected):
            return f"{header} mismatch ({algorithm})"
    return None
