"""What both HTTP signature schemes read from a request, and the verdict they return."""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Verified:
    """The request was signed by the holder of `key_id`'s private key."""

    key_id: str
    scheme: Literal["cavage", "rfc9421"]


@dataclass(frozen=True)
class Rejected:
    """Why a signed request was refused; callers answer 401 and log the reason."""

    reason: str


@dataclass(frozen=True)
class RequestParts:
    """A request as the signature schemes see it.

    `target` is the path and query exactly as sent ("/inbox?x=1"); `authority` is the host with
    its port when not the scheme's default, lower-cased; `headers` has lower-case names and values
    trimmed, repeated fields joined with ", " (RFC 9110 §5.3, RFC 9421 §2.1).
    """

    method: str
    scheme: str
    authority: str
    target: str
    headers: Mapping[str, str]

    @property
    def path(self) -> str:
        return self.target.partition("?")[0] or "/"

    @property
    def query(self) -> str | None:
        _, mark, query = self.target.partition("?")
        return query if mark else None


def normalise_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-case names, trimmed values, repeats joined; accepts a dict or a (CI)MultiDict."""
    joined: dict[str, str] = {}
    for name, value in headers.items():
        key = name.strip().lower()
        value = value.strip()
        joined[key] = f"{joined[key]}, {value}" if key in joined else value
    return joined


def url_parts(method: str, url: str, headers: Mapping[str, str]) -> RequestParts:
    """Split an absolute http(s) URL the way a server will see the request it names."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return RequestParts(method.upper(), scheme, url_authority(url), target, headers)


def url_authority(url: str) -> str:
    """The Host header value for a URL: IDNA host, brackets for IPv6, port when not default."""
    parts = urlsplit(url)
    host = (parts.hostname or "").encode("idna").decode("ascii").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or port == DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


def http_date(moment: datetime) -> str:
    """RFC 9110 IMF-fixdate ("Tue, 20 Apr 2021 02:07:55 GMT"); `moment` must be aware."""
    if moment.tzinfo is None:
        raise ValueError("signing needs an aware datetime")
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


_IMF_FIXDATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d\d):(\d\d):(\d\d) GMT"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def parse_http_date(value: str) -> datetime | None:
    """An HTTP date (RFC 9110 5.6.7), aware; None when unreadable.

    IMF-fixdate, which every sender should use and signed requests carry, is read directly
    (every inbox POST has one); the obsolete formats recipients must still accept go through
    `email.utils`.
    """
    fixdate = _IMF_FIXDATE.fullmatch(value)
    if fixdate is not None:
        day, month, year, hour, minute, second = fixdate.groups()
        try:
            return datetime(
                int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC
            )
        except ValueError:  # 31 Feb, 25:00
            return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def outside_window(moment: datetime, now: datetime, max_skew: timedelta) -> bool:
    return abs(moment - now) > max_skew


def decode_base64(text: str) -> bytes | None:
    """Strict standard base64: a signature that is not exactly base64 is refused, not guessed at."""
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def encode_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@functools.lru_cache(maxsize=256)
def load_public_key(pem: str) -> PublicKeyTypes | Rejected:
    """SPKI ("BEGIN PUBLIC KEY") or PKCS#1 ("BEGIN RSA PUBLIC KEY"), both seen in actor documents.

    Cached by PEM text: the same few actors sign most requests, and key objects are immutable.
    """
    try:
        return serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError):
        return Rejected("unreadable public key")


@functools.lru_cache(maxsize=64)
def load_private_key(pem: str) -> PrivateKeyTypes:
    """An actor's private key, cached by PEM text.

    Parsing and checking an RSA key costs milliseconds, and a fan-out signs thousands of requests
    with the same few keys.
    """
    return serialization.load_pem_private_key(pem.encode("ascii"), password=None)
