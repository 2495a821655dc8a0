"""Every local IRI is built and parsed here, so the URL map of the ActivityPub side lives in one file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlsplit

PostKind = Literal["article", "event"]
FeedKind = Literal["rss", "atom", "ics"]
FEED_FILES: dict[str, str] = {"rss": "feed.rss", "atom": "feed.atom", "ics": "events.ics"}


@dataclass(frozen=True)
class Uris:
    """Builds ids under the instance's base URL (`https://host[:port]`)."""

    base: str

    # the instance
    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    def instance_home(self) -> str:
        return f"{self.base}/"

    # groups
    def group(self, slug: str) -> str:
        return f"{self.base}/groups/{slug}"

    def group_key(self, slug: str) -> str:
        return f"{self.group(slug)}#main-key"

    def inbox(self, slug: str) -> str:
        return f"{self.group(slug)}/inbox"

    def outbox(self, slug: str) -> str:
        return f"{self.group(slug)}/outbox"

    def followers(self, slug: str) -> str:
        return f"{self.group(slug)}/followers"

    def following(self, slug: str) -> str:
        return f"{self.group(slug)}/following"

    def instance_key(self) -> str:
        return f"{self.instance_actor()}#main-key"

    def instance_inbox(self) -> str:
        return f"{self.instance_actor()}/inbox"

    def instance_outbox(self) -> str:
        return f"{self.instance_actor()}/outbox"

    def instance_followers(self) -> str:
        return f"{self.instance_actor()}/followers"

    def instance_following(self) -> str:
        return f"{self.instance_actor()}/following"

    # members' private Person actors: an opaque id, never the login name
    def person(self, ident: str) -> str:
        return f"{self.base}/users/{ident}"

    def person_key(self, ident: str) -> str:
        return f"{self.person(ident)}#main-key"

    def person_inbox(self, ident: str) -> str:
        return f"{self.person(ident)}/inbox"

    def person_outbox(self, ident: str) -> str:
        return f"{self.person(ident)}/outbox"

    def person_followers(self, ident: str) -> str:
        return f"{self.person(ident)}/followers"

    def person_following(self, ident: str) -> str:
        return f"{self.person(ident)}/following"

    def member_feed(self, token: str, kind: FeedKind) -> str:
        """A member's personal feed; the secret token stands in for a login feed readers lack."""
        return f"{self.base}/me/feed/{token}/{FEED_FILES[kind]}"

    def activity(self, actor: str, token: str) -> str:
        """A sent activity (Follow, Accept, Update, Delete, Announce...) under its actor's id."""
        return f"{actor}/activities/{token}"

    # content
    def post(self, slug: str, kind: PostKind, public_id: str) -> str:
        return f"{self.group(slug)}/{kind}s/{public_id}"

    def post_activity(self, slug: str, kind: PostKind, public_id: str) -> str:
        """The id of the `Create` that published a post; it dereferences like the post does."""
        return f"{self.post(slug, kind, public_id)}/activity"

    def media(self, sha256: str, filename: str) -> str:
        return f"{self.base}/media/{sha256}/{quote(filename)}"

    def tag(self, name: str) -> str:
        return f"{self.base}/tags/{quote(name.lower())}"

    # subscriptions without an account: feeds and calendars
    def event_calendar(self, slug: str, public_id: str) -> str:
        """One event as an iCalendar file ("add to calendar")."""
        return f"{self.post(slug, 'event', public_id)}.ics"

    def group_feed(self, slug: str, kind: FeedKind) -> str:
        """A group's RSS 2.0 or Atom feed of what it publishes, or its events as iCalendar."""
        return f"{self.group(slug)}/{FEED_FILES[kind]}"

    def network_feed(self, kind: FeedKind) -> str:
        """The same three feeds for everything followed groups published."""
        return f"{self.base}/network/{FEED_FILES[kind]}"

    def tag_feed(self, name: str, kind: FeedKind) -> str:
        """The same three feeds for one tag, here and in the network."""
        return f"{self.tag(name)}/{FEED_FILES[kind]}"

    def network(self) -> str:
        return f"{self.base}/network"

    # reader pages
    def remote_follow(self, slug: str) -> str:
        """The form that sends a reader to their own server to follow the group."""
        return f"{self.group(slug)}/remote-follow"

    def language_choice(self) -> str:
        """The no-JavaScript language picker: `?lang=CODE&next=/path` sets a cookie, goes back."""
        return f"{self.base}/language"

    def handle(self, slug: str) -> str:
        """`slug@host`, the acct: part WebFinger answers for (host includes a port if any)."""
        return f"{slug}@{urlsplit(self.base).netloc}"

    def is_local(self, iri: str) -> bool:
        return iri == self.base or iri.startswith(self.base + "/")
