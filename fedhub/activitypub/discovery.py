"""WebFinger, host-meta and NodeInfo documents: how other servers find the instance and groups."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from fedhub.activitypub.media_types import ACTIVITY_JSON
from fedhub.errors import InvalidInput
from fedhub.uris import Uris

PROFILE_PAGE = "http://webfinger.net/rel/profile-page"
NODEINFO_21 = "http://nodeinfo.diaspora.software/ns/schema/2.1"
# FEP-2677: NodeInfo points at the instance actor, so peers need not guess its address.
APPLICATION_ACTOR = "https://www.w3.org/ns/activitystreams#Application"

ResourceKind = Literal["acct", "url"]

# Any user part without separators: the instance actor's is its domain, port included.
_USER = re.compile(r"^[^\s@/?#]+$")
_HOST = re.compile(
    r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)*)(:\d{1,5})?$"
)


def webfinger_jrd(
    subject: str, actor_url: str, profile_url: str, aliases: Sequence[str] = ()
) -> dict[str, Any]:
    """The JRD for one actor: Mastodon follows the `self` link typed application/activity+json.

    No OStatus `subscribe` template: fedhub has no remote-interaction page, and advertising one
    that fails would be worse than offering none.
    """
    return {
        "subject": subject if subject.startswith("acct:") else f"acct:{subject}",
        "aliases": list(dict.fromkeys(aliases)),
        "links": [
            {"rel": "self", "type": ACTIVITY_JSON, "href": actor_url},
            {"rel": PROFILE_PAGE, "type": "text/html", "href": profile_url},
        ],
    }


def parse_webfinger_resource(resource: str) -> tuple[ResourceKind, str]:
    """Split a WebFinger `resource` into ("acct", "user@host") or ("url", an http(s) URL).

    Peers send `acct:user@host`, a bare `user@host` (sometimes with a leading `@`) or the actor's
    URL; anything else is refused with the reason, since the caller answers the peer with it.
    """
    text = resource.strip()
    if not text:
        raise InvalidInput("the WebFinger resource is empty")
    if text.lower().startswith(("https://", "http://")):
        parts = urlsplit(text)
        if not _HOST.match(parts.netloc) or any(c.isspace() for c in text):
            raise InvalidInput(f"the WebFinger resource {resource!r} is not a valid URL")
        return "url", text
    handle = text[len("acct:") :] if text.lower().startswith("acct:") else text
    handle = handle.removeprefix("@")
    user, at, host = handle.partition("@")
    # A colon in the user part is only the instance actor's `domain:port@domain:port`; any other
    # is another URI scheme (`mailto:`), which WebFinger here does not answer.
    colon_ok = ":" not in user or user.lower() == host.lower()
    if not at or not _USER.match(user) or not _HOST.match(host) or not colon_ok:
        raise InvalidInput(
            f"the WebFinger resource {resource!r} is neither acct:user@host nor an actor URL"
        )
    return "acct", f"{user}@{host}"


def host_meta_xml(base: str) -> str:
    """host-meta (RFC 6415): older peers find WebFinger through its `lrdd` template."""
    template = quoteattr(f"{base}/.well-known/webfinger?resource={{uri}}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/jrd+json" template={template}/>\n'
        "</XRD>\n"
    )


def nodeinfo_links(base: str) -> dict[str, Any]:
    """/.well-known/nodeinfo: where the NodeInfo 2.1 document and the instance actor live."""
    return {
        "links": [
            {"rel": NODEINFO_21, "href": f"{base}/nodeinfo/2.1"},
            {"rel": APPLICATION_ACTOR, "href": Uris(base).instance_actor()},
        ]
    }


def nodeinfo(
    version: str,
    open_registrations: bool,
    users_total: int,
    local_posts: int,
    metadata: Mapping[str, Any],
    active_month: int | None = None,
    active_halfyear: int | None = None,
) -> dict[str, Any]:
    """NodeInfo 2.1: what software this is and how big, for instance lists and peers' stats.

    fedhub's "users" are its groups: they are the accounts other servers see.
    """
    users: dict[str, int] = {"total": users_total}
    if active_halfyear is not None:
        users["activeHalfyear"] = active_halfyear
    if active_month is not None:
        users["activeMonth"] = active_month
    return {
        "version": "2.1",
        "software": {"name": "fedhub", "version": version},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": open_registrations,
        "usage": {"users": users, "localPosts": local_posts},
        "metadata": dict(metadata),
    }
