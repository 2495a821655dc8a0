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
