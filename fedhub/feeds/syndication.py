"""RSS 2.0 and Atom documents of a listing, built by feedgen from plain items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from feedgen.feed import FeedGenerator

from fedhub.domain.content import plain_text
from fedhub.store.network_items import NetworkItem

RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"


@dataclass(frozen=True)
class Channel:
    """What a feed says about itself; `self_url` is the feed's own address, `link` its page."""

    title: str
    link: str
    self_url: str
    description: str
    updated: datetime
    lang: str | None = None


def newest_change(items: Sequence[NetworkItem], default: datetime) -> datetime:
    """When the listing last changed: feed readers and `Last-Modified` use it."""
    return max((item.updated or item.published for item in items), default=default)


def render_rss(channel: Channel, items: Sequence[NetworkItem]) -> bytes:
    return _feed(channel, items).rss_str(pretty=True)


def render_atom(channel: Channel, items: Sequence[NetworkItem]) -> bytes:
    return _feed(channel, items).atom_str(pretty=True)


def _feed(channel: Channel, items: Sequence[NetworkItem]) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(channel.self_url)
    feed.title(channel.title)
    feed.link(href=channel.self_url, rel="self")
    feed.link(href=channel.link, rel="alternate")  # after "self": RSS keeps the last link
    feed.description(channel.description or channel.title)
    feed.updated(channel.updated)
    feed.generator("fedhub")
    if channel.lang:
        feed.language(channel.lang)
    for item in items:
        entry = feed.add_entry(order="append")
        entry.id(item.uri)
        entry.guid(item.uri, permalink=item.url == item.uri)
        entry.title(item.name or _first_words(item))
        entry.link(href=item.url or item.uri, rel="alternate")
        entry.published(item.published)
        entry.updated(item.updated or item.published)
        entry.author({"name": item.actor_name or item.actor_handle, "uri": item.actor_uri})
        summary = item.summary or ""
        if summary:
            entry.summary(summary if item.type != "Note" else plain_text(summary))
        if item.content_html:
            entry.content(item.content_html, type="html")
        for tag in item.tags:
            entry.category(term=tag)
    return feed


def _first_words(item: NetworkItem, limit: int = 80) -> str:
    """A title for a titleless Note: its first words, as readers show it."""
    text = plain_text(item.content_html or item.summary or "") or item.type
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
