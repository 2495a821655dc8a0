"""Domains the admin refuses to federate with: what an entry covers, and the inbox's quick check.

An entry `example.org` covers that host and every subdomain (`social.example.org`), on any port,
as Mastodon's domain blocks do; `host:port` covers that one server only. Blocked servers are
neither fetched from nor delivered to, and their requests are refused before any key is fetched.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import select

from fedhub.errors import InvalidInput
from fedhub.store.database import Database
from fedhub.store.tables import DomainBlock

REFRESH_SECONDS = 10.0  # a block made by another process (the CLI) applies within this
_DEFAULT_PORTS = {"https": 443, "http": 80}
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def normalise_domain(text: str) -> str:
    """An admin's entry as stored: lower-case, IDNA (punycode), no dots at either end.

    A leading `*.` is dropped (subdomains are always covered). Anything but a host name, an
    IPv4 address or either with `:port` is refused, so a typo cannot block nothing silently.
    """
    value = text.strip().lower().removeprefix("*.").strip(".")
    if any(mark in value for mark in "/@ \t"):
        raise InvalidInput(
            f"{text.strip()[:80]!r} is not a domain name: give it alone, like example.org"
        )
    host, colon, port = value.partition(":")
    if colon and not (port.isdigit() and 0 < int(port) < 65536):
        raise InvalidInput(f"{text.strip()[:80]!r}: the port must be a number from 1 to 65535")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise InvalidInput(f"{text.strip()[:80]!r} is not a domain name") from error
    labels = ascii_host.split(".")
    if not ascii_host or len(ascii_host) > 253 or not all(_LABEL.fullmatch(x) for x in labels):
        raise InvalidInput(f"{text.strip()[:80]!r} is not a domain name (like example.org)")
    return f"{ascii_host}:{int(port)}" if colon else ascii_host


def covers(entry: str, host: str, port: int | None) -> bool:
    """Whether a stored entry covers a server (`host` lower-case, as in a URL)."""
    entry_host, colon, entry_port = entry.partition(":")
    if colon:
        return host == entry_host and port == int(entry_port)
    return host == entry_host or host.endswith(f".{entry_host}")


def blocked_by(entries: Iterable[str], url: str) -> str | None:
    """The entry that blocks the server of `url` (or of `host[:port]`), if any."""
    parts = urlsplit(url if "//" in url else f"//{url}")
    try:
        # A URL's default port counts as written: `example.org:443` blocks https://example.org.
        host, port = parts.hostname or "", parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not host:
        return None
    if not host.isascii():  # entries are stored in IDNA: compare like with like
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return next((entry for entry in entries if covers(entry, host, port)), None)


class Blocklist:
    """The stored blocks, re-read from the database at most every REFRESH_SECONDS.

    The inbox asks for every request, so the answer comes from memory; this process's own
    changes (`forget`) apply at once.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._entries: frozenset[str] = frozenset()
        self._until = 0.0

    async def entries(self) -> frozenset[str]:
        if time.monotonic() >= self._until:
            async with self.database.reading() as session:
                self._entries = frozenset(await session.scalars(select(DomainBlock.domain)))
            self._until = time.monotonic() + REFRESH_SECONDS
        return self._entries

    async def blocking(self, url: str) -> str | None:
        """The entry that blocks `url`'s server, or None; no database query when nothing is
        blocked and the last read is fresh."""
        entries = await self.entries()
        return blocked_by(entries, url) if entries else None

    def forget(self) -> None:
        """Read the blocks again at the next question (after this process changed them)."""
        self._until = 0.0
