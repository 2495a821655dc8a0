"""Who an activity goes to: followers' inboxes grouped by shared inbox, and the host of each."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit


def delivery_inboxes(recipients: Iterable[tuple[str, str | None]]) -> list[str]:
    """The distinct inboxes to POST to, sorted, from `(inbox, shared_inbox)` pairs.

    A follower with a shared inbox is reached through it, as Mastodon does, so a server with a
    thousand of our followers gets one request per activity instead of a thousand. The order is
    sorted so the same followers always produce the same queue rows.
    """
    targets: set[str] = set()
    for inbox, shared_inbox in recipients:
        target = shared_inbox or inbox
        if target:
            targets.add(target)
    return sorted(targets)


def inbox_host(inbox: str) -> str:
    """The server an inbox lives on, as the circuit breaker counts it: `host` or `host:port`.

    Lower-cased and without user info, so one server is one breaker however its inboxes are
    spelt; an explicit port stays, since two ports on one address are two servers.
    """
    parts = urlsplit(inbox)
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets, as in a URL
        host = f"[{host}]"
    return f"{host}:{parts.port}" if parts.port is not None else host
