"""iCalendar (RFC 5545) documents of events, built by the `icalendar` library.

Times are written in the event's own zone (TZID) with its VTIMEZONE, so calendars show the
wall-clock time the group announced even across a change of daylight-saving rules; events
without a known zone are written in UTC. The UID is the event's ActivityPub id: stable, unique,
and the same in every feed that lists it, so a calendar updates an event instead of doubling it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from fedhub.domain.content import plain_text
from fedhub.store.network_items import NetworkItem

CALENDAR_TYPE = "text/calendar"
PRODID = "-//fedhub//fedhub events//EN"


def render_calendar(name: str, items: Sequence[NetworkItem]) -> bytes:
    """A calendar of the events among `items` (other items are left out)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    events = [item for item in items if item.starts_at is not None]
    for item in events:
        calendar.add_component(event_component(item))
    if events:
        # Rules only for the years the events span, not the zone's whole history.
        years = [when.year for item in events for when in (item.starts_at, item.ends_at) if when]
        calendar.add_missing_timezones(date(min(years) - 1, 1, 1), date(max(years) + 2, 1, 1))
    return calendar.to_ical()


def event_component(item: NetworkItem) -> Event:
    assert item.starts_at is not None
    zone = ZoneInfo(item.timezone) if item.timezone else None
    event = Event()
    event.add("uid", item.uri)
    # No METHOD: DTSTAMP is then the last change of the event's information (RFC 5545 3.8.7.2),
    # which also keeps the file identical, and its ETag stable, until the event changes.
    event.add("dtstamp", item.updated or item.published)
    event.add("created", item.published)
    if item.updated:
        event.add("last-modified", item.updated)
    event.add("dtstart", _in_zone(item.starts_at, zone))
    if item.ends_at is not None and item.ends_at > item.starts_at:
        event.add("dtend", _in_zone(item.ends_at, zone))
    language = {"language": item.lang} if item.lang else {}
    event.add("summary", item.name or item.type, parameters=language)
    description = "\n\n".join(
        part
        for part in (item.summary or "", plain_text(item.content_html or ""))
        if part and part != item.name
    )
    if description:
        event.add("description", description, parameters=language)
    if item.cancelled:
        event.add("status", "CANCELLED")
    if item.location:
        event.add("location", item.location)
    if item.url:
        event.add("url", item.url)
    event.add("organizer", item.actor_uri, parameters={"cn": item.actor_name or item.actor_handle})
    for tag in item.tags:
        event.add("categories", tag)
    return event


def _in_zone(when: datetime, zone: ZoneInfo | None) -> datetime:
    return when.astimezone(zone) if zone else when
