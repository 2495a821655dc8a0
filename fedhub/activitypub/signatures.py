"""HTTP signatures on requests: sign as Mastodon does (draft-cavage), verify cavage and RFC 9421."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fedhub.activitypub.digests import check_digest, digest_header
from fedhub.activitypub.http_messages import (
    Rejected,
    RequestParts,
    Verified,
    decode_base64,
    encode_base64,
    http_date,
    load_private_key,
    load_public_key,
    normalise_headers,
    parse_http_date,
    url_parts,
)
from fedhub.activitypub.message_signatures import (
    BODY_METHODS,
    select_message_signature,
    sign_request_rfc9421,
    verify_message_signature,
)

__all__ = [
    "Rejected",
    "Scheme",
    "Verified",
    "other_scheme",
    "sign_request",
    "sign_request_as",
    "sign_request_rfc9421",
    "signature_key_id",
    "verify_request",
]

MAX_SKEW = timedelta(hours=1)
CAVAGE_ALGORITHMS = ("rsa-sha256", "hs2019")
REQUEST_TARGET = "(request-target)"

# One `name="value"` (or a bare number, as `created` may be) followed by a comma or the end.
_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|(\d+(?:\.\d+)?))\s*(?:,|$)')
_NUMBER = re.compile(r"^\d+(\.\d+)?$")

Scheme = Literal["cavage", "rfc9421"]
"""The two ways a request can be signed; `Verified.scheme` names the same two."""


def other_scheme(scheme: Scheme) -> Scheme:
    return "rfc9421" if scheme == "cavage" else "cavage"


def sign_request_as(
    scheme: Scheme,
    *,
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
    now: datetime,
) -> dict[str, str]:
    """The headers for `scheme`: draft-cavage as Mastodon signs, or RFC 9421 as Mastodon checks.

    RFC 9421 covers `@method @target-uri date` and `content-digest` with a body, with `created`
    and `keyid`: what Mastodon (since 4.4) and Fedify require of a message signature.
    """
    sign = sign_request if scheme == "cavage" else sign_request_rfc9421
    return sign(
        method=method,
        url=url,
        body=body,
        key_id=key_id,
        private_key_pem=private_key_pem,
        now=now,
    )


def sign_request(
    *,
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
    now: datetime,
    extra_headers: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The headers to send: Host, Date, Digest (when there is a body) and Signature.

    The Signature is what Mastodon sends, byte for byte: `rsa-sha256` over `(request-target) host
    date digest` (no digest without a body), so every fediverse server can check it. `url` must
    be the URL exactly as it will be requested (the client passes the form it sends);
    `extra_headers` are sent and covered after the required ones.
    """
    request = url_parts(method, url, {})
    sent = {"Host": request.authority, "Date": http_date(now)}
    if body is not None:
        sent["Digest"] = digest_header(body)
    for name, value in (extra_headers or {}).items():
        for existing in [key for key in sent if key.lower() == name.lower()]:
            del sent[existing]
        sent[name] = value
    covered = [REQUEST_TARGET, "host", "date"] + (["digest"] if body is not None else [])
    covered += [name.lower() for name in extra_headers or {} if name.lower() not in covered]
    values = {name.lower(): value.strip() for name, value in sent.items()}
    values[REQUEST_TARGET] = f"{method.lower()} {request.target}"
    signing_string = "\n".join(f"{name}: {values[name]}" for name in covered)
    key = load_private_key(private_key_pem)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("draft-cavage signing needs an RSA key")
    signature = key.sign(signing_string.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    sent["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(covered)}",'
        f'signature="{encode_base64(signature)}"'
    )
    return sent


def signature_key_id(headers: Mapping[str, str]) -> str | Rejected:
    """The key to fetch before verifying, from whichever scheme `verify_request` will check."""
    fields = normalise_headers(headers)
    if "signature-input" in fields:
        selected = select_message_signature(fields)
        return selected if isinstance(selected, Rejected) else selected.key_id
    if "signature" not in fields:
        return Rejected("unsigned")
    params = parse_cavage_signature(fields["signature"])
    if params is None:
        return Rejected("malformed Signature header")
    return params.get("keyid") or Rejected("Signature lacks keyId")


def verify_request(
    *,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    public_key_pem: str,
    now: datetime,
    host: str | None = None,
    scheme: str = "https",
    max_skew: timedelta = MAX_SKEW,
) -> Verified | Rejected:
    """Check a received request's signature with the public key of `signature_key_id(headers)`.

    RFC 9421 when `Signature-Input` is present (as Fedify and Mastodon decide), else draft-cavage;
    every refusal is a `Rejected` with its reason, for the caller to answer 401.

    `target` is the path and query exactly as received (aiohttp's `request.raw_path`). `host`
    and `scheme` are this server's public authority and scheme, which RFC 9421's `@authority`
    and `@target-uri` are built from. draft-cavage covers the Host header as sent (Mastodon
    leaves the port out of it), so `host` stands in for it only when it is missing.
    """
    if now.tzinfo is None:
        raise ValueError("verify_request needs an aware datetime")
    fields = normalise_headers(headers)
    authority = (host or fields.get("host", "")).lower()
    request = RequestParts(method.upper(), scheme.lower(), authority, target, fields)
    if "signature-input" in fields:
        return verify_message_signature(request, body, public_key_pem, now, max_skew)
    if "signature" in fields:
        return verify_cavage(request, body, public_key_pem, now, max_skew)
    return Rejected("unsigned")


@lru_cache(maxsize=256)
def parse_cavage_signature(value: str) -> Mapping[str, str] | None:
    """The Signature header's parameters with lower-cased names; None when it is malformed.

    Cached (read-only) because the inbox reads the keyId before fetching the key and verifies
    after: the second parse of the same header is a lookup.
    """
    params: dict[str, str] = {}
    text, position = value.strip(), 0
    while position < len(text):
        match = _PARAM.match(text, position)
        if match is None or match.end() == position:
            return None
        name = match.group(1).lower()
        if name in params:
            return None
        params[name] = match.group(2) if match.group(2) is not None else match.group(3)
        position = match.end()
    return MappingProxyType(params)


def verify_cavage(
    request: RequestParts, body: bytes, public_key_pem: str, now: datetime, max_skew: timedelta
) -> Verified | Rejected:
    """draft-cavage as Mastodon checks it, with (request-target), host and date always covered."""
    params = parse_cavage_signature(request.headers.get("signature", ""))
    if params is None:
        return Rejected("malformed Signature header")
    key_id, signature_text = params.get("keyid"), params.get("signature")
    if not key_id or not signature_text:
        return Rejected("Signature lacks keyId or signature")
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in CAVAGE_ALGORITHMS:
        return Rejected(f"unsupported algorithm {algorithm}")
    covered = (
        params.get("headers", "(created)" if algorithm == "hs2019" else "date").lower().split()
    )
    problem = (
        _coverage_problem(covered, request, body)
        or _time_problem(covered, params, algorithm, request, now, max_skew)
        or _digest_problem(covered, request, body)
    )
    if problem is not None:
        return Rejected(problem)
    key = load_public_key(public_key_pem)
    if isinstance(key, Rejected):
        return key
    if not isinstance(key, rsa.RSAPublicKey):
        return Rejected(f"algorithm {algorithm} needs an RSA key")
    signature = decode_base64(signature_text)
    if signature is None:
        return Rejected("bad base64 in signature")
    # Mastodon before 4.2 left the query out of (request-target); Mastodon still accepts both.
    targets = [request.target]
    if "?" in request.target:
        targets.append(request.path)
    for target in targets:
        signing_string = _signing_string(covered, params, request, target)
        if isinstance(signing_string, Rejected):
            return signing_string
        try:
            key.verify(
                signature, signing_string.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            continue
        return Verified(key_id, "cavage")
    return Rejected("signature does not verify")


def _coverage_problem(covered: list[str], request: RequestParts, body: bytes) -> str | None:
    for required in (REQUEST_TARGET, "host"):
        if required not in covered:
            return f"signature does not cover {required}"
    if "date" not in covered and "(created)" not in covered:
        return "signature does not cover date"
    if (body or request.method in BODY_METHODS) and "digest" not in covered:
        return "signature does not cover digest"
    return None


def _time_problem(
    covered: list[str],
    params: Mapping[str, str],
    algorithm: str,
    request: RequestParts,
    now: datetime,
    max_skew: timedelta,
) -> str | None:
    """Date and created within `max_skew` of now (an hour, as Mastodon); expires as the signer said."""
    for pseudo in ("created", "expires"):
        if f"({pseudo})" in covered and algorithm != "hs2019":
            return f"({pseudo}) is only allowed with hs2019"
        if f"({pseudo})" in covered and pseudo not in params:
            return f"({pseudo}) is covered but the {pseudo} parameter is missing"
        if pseudo in params and not _NUMBER.match(params[pseudo]):
            return f"bad {pseudo} parameter"
    if "date" in covered:
        date = parse_http_date(request.headers.get("date", ""))
        if date is None:
            return "missing or unreadable Date"
        if abs(date - now) > max_skew:
            return "Date too far from now"
    if "created" in params:
        created = datetime.fromtimestamp(float(params["created"]), UTC)
        if abs(created - now) > max_skew:
            return "signature created too far from now"
    if "expires" in params:
        expires = datetime.fromtimestamp(float(params["expires"]), UTC)
        if now > expires:
            return "signature expired"
    return None


def _digest_problem(covered: list[str], request: RequestParts, body: bytes) -> str | None:
    if "digest" not in covered:
        return None
    if "digest" not in request.headers:
        return "Digest header missing"
    return check_digest(request.headers["digest"], body)


def _signing_string(
    covered: list[str], params: Mapping[str, str], request: RequestParts, target: str
) -> str | Rejected:
    lines: list[str] = []
    for name in covered:
        if name == REQUEST_TARGET:
            value = f"{request.method.lower()} {target}"
        elif name in ("(created)", "(expires)"):
            value = params[name[1:-1]]
        elif name == "host":
            value = request.headers.get("host") or request.authority
        elif name in request.headers:
            value = request.headers[name]
        else:
            return Rejected(f"signed header {name} missing")
        lines.append(f"{name}: {value}")
    return "\n".join(lines)
