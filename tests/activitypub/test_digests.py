"""Digest (RFC 3230) and Content-Digest (RFC 9530) values, made and checked."""

from __future__ import annotations

import pytest

from fedhub.activitypub.digests import (
    check_content_digest,
    check_digest,
    content_digest_header,
    digest_header,
)

BODY = b'{"hello": "world"}'
SHA256 = "X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
SHA512 = "WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew=="


def test_made_as_mastodon_and_rfc_9530_write_them() -> None:
    assert digest_header(BODY) == f"SHA-256={SHA256}"
    assert content_digest_header(BODY) == f"sha-256=:{SHA256}:"


@pytest.mark.parametrize(
    "header",
    [
        f"SHA-256={SHA256}",
        f"sha-256={SHA256}",
        f"SHA-512={SHA512}",
        f"MD5=Sd/dVLAcvNLSq16eXua5uQ==, SHA-256={SHA256}",
        f"SHA-256={SHA256},SHA-512={SHA512}",
    ],
)
def test_digest_matches(header: str) -> None:
    assert check_digest(header, BODY) is None


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (f"SHA-256={SHA256}", "Digest mismatch (sha-256)"),
        (f"SHA-256={SHA256}, SHA-512={SHA256}", "Digest mismatch (sha-256)"),
        ("SHA-256=not base64!", "bad base64 in Digest"),
        ("MD5=Sd/dVLAcvNLSq16eXua5uQ==", "Digest offers neither SHA-256 nor SHA-512"),
        ("", "Digest offers neither SHA-256 nor SHA-512"),
    ],
)
def test_digest_refusals(header: str, reason: str) -> None:
    assert check_digest(header, b"something else") == reason


@pytest.mark.parametrize(
    "header",
    [
        f"sha-256=:{SHA256}:",
        f"sha-512=:{SHA512}:",
        f"md5=:Sd/dVLAcvNLSq16eXua5uQ==:, sha-256=:{SHA256}:",
    ],
)
def test_content_digest_matches(header: str) -> None:
    assert check_content_digest(header, BODY) is None


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (f"sha-512=:{SHA512}:", "Content-Digest mismatch (sha-512)"),
        (f"sha-256={SHA256}", "malformed Content-Digest: expected ',' at 51"),
        ('sha-256="abc"', "malformed Content-Digest: digest is not a byte sequence"),
        ("md5=:Sd/dVLAcvNLSq16eXua5uQ==:", "Content-Digest offers neither SHA-256 nor SHA-512"),
    ],
)
def test_content_digest_refusals(header: str, reason: str) -> None:
    body = BODY if "mismatch" not in reason else b"something else"
    assert check_content_digest(header, body) == reason
