"""Plain records of the domain, built by the store and read by converters and templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

PostKind = Literal["article", "event"]


@dataclass(frozen=True)
class Text:
    """One language version of a post: title, plain-text lead, and body (Markdown and safe HTML)."""

    lang: str
    name: str
    summary: str
    source: str
    content_html: str


@dataclass(frozen=True)
class Attachment:
    """A file attached to a post (a PDF, an image), stored under its SHA-256."""

    sha256: str
    filename: str
    media_type: str
    size: int
    name: str


@dataclass(frozen=True)
class Place:
    """Where an event happens in person; `address` is the free text the editor wrote."""

    name: str
    address: str = ""
    street_address: str = ""
    locality: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class EventDetails:
    """When and where; `start`/`end` are timezone-aware, `timezone` an IANA zone name."""

    start: datetime
    end: datetime
    timezone: str
    place: Place | None = None
    online_url: str | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class Group:
    slug: str
    name: str
    summary: str
    lang: str
    public_key_pem: str
    published: datetime
    manually_approves_followers: bool = False
    icon: Attachment | None = None


@dataclass(frozen=True)
class Post:
    """An article or an event of a local group; `texts` holds every language, primary first."""

    public_id: str
    kind: PostKind
    group_slug: str
    texts: tuple[Text, ...]
    published: datetime
    updated: datetime | None = None
    tags: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    event: EventDetails | None = None

    @property
    def primary(self) -> Text:
        return self.texts[0]

    @property
    def lang(self) -> str:
        return self.texts[0].lang


@dataclass(frozen=True)
class RemoteActorFields:
    """What fedhub keeps of a remote actor, checked and sanitised by `actor_from_ap`."""

    uri: str
    type: str
    domain: str
    preferred_username: str | None
    name: str | None
    summary: str | None
    url: str | None
    inbox: str
    shared_inbox: str | None
    outbox: str | None
    public_key_id: str | None
    public_key_pem: str | None


@dataclass(frozen=True)
class RemoteObjectFields:
    """What the network view keeps of a remote article, event or note."""

    uri: str
    type: str
    attributed_to: str
    url: str | None
    lang: str | None
    name: str | None
    summary: str | None
    content_html: str | None
    published: datetime | None
    updated: datetime | None
    starts_at: datetime | None
    ends_at: datetime | None
