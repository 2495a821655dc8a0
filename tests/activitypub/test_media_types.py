"""Content negotiation: servers get ActivityStreams JSON, browsers get the page."""

from __future__ import annotations

import pytest

from fedhub.activitypub.media_types import ACTIVITY_JSON, parse_accept, wants_activity_json

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
    "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)


@pytest.mark.parametrize(
    "accept",
    [
        ACTIVITY_JSON,
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/ld+json",
        "application/json",
        # Mastodon's fetches
        'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        # Gancio's actor fetch
        "application/jrd+json, application/json",
        # axios' default: an explicit JSON type beats the wildcard of the same q
        "application/json, text/plain, */*",
        "text/html;q=0.5, application/activity+json",
        "APPLICATION/ACTIVITY+JSON;Q=1",
        'application/ld+json;profile="https://www.w3.org/ns/activitystreams https://example.org/x"',
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams a,b"; q=0.9',
    ],
)
def test_servers_get_activity_json(accept: str) -> None:
    assert wants_activity_json(accept)


@pytest.mark.parametrize(
    "accept",
    [
        FIREFOX,
        CHROME,
        "",
        "*/*",
        "text/html",
        "application/*",
        "text/html, application/activity+json;q=0.9",
        "application/activity+json;q=0",
        "application/activity+json;q=2",
        "application/activity+json;q=banana",
        'application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"',
        "garbage",
        "application/activity+json; broken",
    ],
)
def test_browsers_and_odd_headers_get_html(accept: str) -> None:
    assert not wants_activity_json(accept)


def test_equal_explicit_types_go_by_the_client_order() -> None:
    assert wants_activity_json("application/activity+json, text/html")
    assert not wants_activity_json("text/html, application/activity+json")


def test_parse_accept_keeps_parameters_and_q() -> None:
    (first, second) = parse_accept('application/ld+json; profile="a\\"b"; q=0.5, text/html')
    assert (first.type, first.subtype, first.q) == ("application", "ld+json", 0.5)
    assert first.params == (("profile", 'a"b'),)
    assert (second.subtype, second.q, second.position) == ("html", 1.0, 1)


def test_parse_accept_skips_malformed_ranges() -> None:
    assert parse_accept("*/html, text, /json, text/html;q=1.5, ,") == []
