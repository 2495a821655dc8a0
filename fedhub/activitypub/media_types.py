"""Content negotiation: one URL serves a page to browsers and ActivityStreams JSON to servers."""

from __future__ import annotations

import re
from dataclasses import dataclass

ACTIVITY_JSON = "application/activity+json"
LD_JSON = "application/ld+json"
AS_PROFILE = "https://www.w3.org/ns/activitystreams"

# What a fediverse server asks for when it dereferences an id. Plain JSON counts: Gancio and
# others fetch actors with `application/json`, and nothing else wants JSON from a page URL.
_ACTIVITY_TYPES = frozenset({ACTIVITY_JSON, LD_JSON, "application/json"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

_QVALUE = re.compile(r"^(0(\.\d{0,3})?|1(\.0{0,3})?)$")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header; `position` breaks ties in the order the client wrote."""

    type: str
    subtype: str
    params: tuple[tuple[str, str], ...]
    q: float
    position: int

    def matches(self, media_type: str) -> bool:
        type_, _, subtype = media_type.partition("/")
        return self.type in ("*", type_) and self.subtype in ("*", subtype)

    @property
    def specificity(self) -> int:
        return 0 if self.type == "*" else 1 if self.subtype == "*" else 2


def wants_activity_json(accept_header: str) -> bool:
    """True when the client prefers ActivityStreams JSON to an HTML page.

    A browser's Accept names text/html and `*/*`, never an ActivityStreams type, so it gets
    HTML; a server's names application/activity+json or application/ld+json. Wildcards never
    select JSON, and an explicit type beats a wildcard of the same q.
    """
    ranges = parse_accept(accept_header)
    activity = _best(ranges, _ACTIVITY_TYPES, wildcards=False)
    if activity is None:
        return False
    html = _best(ranges, _HTML_TYPES, wildcards=True)
    if html is None:
        return True
    return _rank(activity) > _rank(html)


def parse_accept(header: str) -> list[MediaRange]:
    """Parse an Accept header (RFC 9110 §12.5.1); malformed entries are skipped, not fatal."""
    ranges = []
    for position, entry in enumerate(_split_outside_quotes(header, ",")):
        parts = _split_outside_quotes(entry, ";")
        type_, slash, subtype = parts[0].strip().lower().partition("/")
        if not slash or not _TOKEN.match(type_) or not _TOKEN.match(subtype):
            continue
        if type_ == "*" and subtype != "*":
            continue
        q = 1.0
        params: list[tuple[str, str]] = []
        valid = True
        for raw in parts[1:]:
            name, equals, value = raw.strip().partition("=")
            name = name.strip().lower()
            value = _unquote(value.strip())
            if not equals or not _TOKEN.match(name):
                valid = False
                break
            if name == "q":
                if not _QVALUE.match(value):
                    valid = False
                    break
                q = float(value)
            else:
                params.append((name, value))
        if valid:
            ranges.append(MediaRange(type_, subtype, tuple(params), q, position))
    return ranges


def _best(
    ranges: list[MediaRange], media_types: frozenset[str], *, wildcards: bool
) -> MediaRange | None:
    candidates = [
        r
        for r in ranges
        if r.q > 0
        and (wildcards or r.specificity == 2)
        and any(r.matches(media_type) for media_type in media_types)
        and _profile_fits(r)
    ]
    return max(candidates, key=_rank, default=None)


def _profile_fits(media_range: MediaRange) -> bool:
    """application/ld+json asks for ActivityStreams unless its profile names something else."""
    if f"{media_range.type}/{media_range.subtype}" != LD_JSON:
        return True
    profiles = [value for name, value in media_range.params if name == "profile"]
    return not profiles or any(AS_PROFILE in value.split() for value in profiles)


def _rank(media_range: MediaRange) -> tuple[float, int, int]:
    return (media_range.q, media_range.specificity, -media_range.position)


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part for part in parts if part.strip()]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value
