"""Remote follow: send a reader to their own server's follow page for one of our groups.

A reader of a group page has an account elsewhere (Mastodon, Misskey, Pleroma…); only their
server can follow on their behalf. Their server's WebFinger names its follow page as an OStatus
`subscribe` template; servers that name none are asked Mastodon's `authorize_interaction`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from fedhub.activitypub.discovery import parse_webfinger_resource
from fedhub.errors import InvalidInput
from fedhub.net.client import BlockedAddress, FetchError, GuardedClient
from fedhub.settings import validate_domain

SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
MAX_ACCOUNT_CHARS = 300


@dataclass(frozen=True)
class Account:
    """Where the reader's account lives: always a host; the handle when they gave one."""

    host: str
    handle: str | None = None


def parse_account(text: str) -> Account:
    """`@me@their.host`, `me@their.host`, `their.host` or a URL on it; anything else is refused."""
    raw = text.strip()
    if not raw or len(raw) > MAX_ACCOUNT_CHARS:
        raise InvalidInput("give your handle (@you@your.server) or your server's address")
    if raw.lower().startswith(("https://", "http://")):
        return Account(validate_domain(urlsplit(raw).netloc))
    if "@" in raw.lstrip("@"):
        _, handle = parse_webfinger_resource(raw)
        user, _, host = handle.rpartition("@")
        host = validate_domain(host)
        return Account(host, f"{user}@{host}")
    return Account(validate_domain(raw.lstrip("@")))


def subscribe_template(jrd: Any) -> str | None:
    """The http(s) follow-page template with a `{uri}` slot that a JRD names, if any."""
    links = jrd.get("links") if isinstance(jrd, dict) else None
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != SUBSCRIBE:
            continue
        template = link.get("template")
        if (
            isinstance(template, str)
            and "{uri}" in template
            and urlsplit(template).scheme in ("http", "https")
            and urlsplit(template).netloc
        ):
            return template
    return None


def follow_page(
    account: Account, template: str | None, *, handle: str, actor: str, scheme: str
) -> str:
    """The reader's follow page for our group: their template filled with our handle, or else
    Mastodon's `authorize_interaction` with our actor's URL."""
    if template is not None:
        return template.replace("{uri}", quote(handle, safe="@"))
    return f"{scheme}://{account.host}/authorize_interaction?uri={quote(actor, safe='')}"


async def remote_follow_url(
    client: GuardedClient, text: str, *, handle: str, actor: str, development: bool
) -> str:
    """Look the reader's account up on their server and return where to send them.

    A server that cannot be asked (down, no WebFinger) still gets the Mastodon fallback: the
    reader's browser may reach it when we cannot. An address this instance must not contact is
    refused, so the form cannot be used to probe private networks.
    """
    account = parse_account(text)
    scheme = "http" if development else "https"
    template = None
    if account.handle is not None:
        url = (
            f"{scheme}://{account.host}/.well-known/webfinger"
            f"?resource=acct:{quote(account.handle, safe='@')}"
        )
        try:
            fetched = await client.get(url, accept="application/jrd+json, application/json")
            template = subscribe_template(fetched.json())
        except BlockedAddress:
            raise
        except FetchError:
            template = None
    return follow_page(account, template, handle=handle, actor=actor, scheme=scheme)
