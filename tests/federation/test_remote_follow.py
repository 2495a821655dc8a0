"""Remote follow: what a reader may type, which follow page their server names, where they go."""

from __future__ import annotations

from typing import Any

import pytest

from fedhub.errors import InvalidInput
from fedhub.federation.remote_follow import (
    SUBSCRIBE,
    Account,
    follow_page,
    parse_account,
    remote_follow_url,
    subscribe_template,
)
from fedhub.net.client import BlockedAddress, GuardedClient


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("@me@Mastodon.Social", Account("mastodon.social", "me@mastodon.social")),
        ("  me@127.0.0.1:8080 ", Account("127.0.0.1:8080", "me@127.0.0.1:8080")),
        ("acct:Me@example.org", Account("example.org", "Me@example.org")),
        ("example.org", Account("example.org")),
        ("@example.org", Account("example.org")),
        ("https://example.org/@me", Account("example.org")),
        ("пример.рф", Account("xn--e1afmkfd.xn--p1ai")),
    ],
)
def test_accounts_readers_type(typed: str, expected: Account) -> None:
    assert parse_account(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "@", "me@", "@me@", "me@host/path", "a b", "javascript:alert(1)", "x" * 301],
)
def test_what_is_not_an_account_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        parse_account(typed)


def jrd(*links: dict[str, Any]) -> dict[str, Any]:
    return {"subject": "acct:me@example.org", "links": list(links)}


def test_the_subscribe_template_is_taken_only_when_usable() -> None:
    mastodon = "https://example.org/authorize_interaction?uri={uri}"
    assert subscribe_template(jrd({"rel": SUBSCRIBE, "template": mastodon})) == mastodon
    # Without a {uri} slot, with another scheme, or not a template at all: none.
    assert subscribe_template(jrd({"rel": SUBSCRIBE, "template": "https://example.org/"})) is None
    assert subscribe_template(jrd({"rel": SUBSCRIBE, "template": "javascript:{uri}"})) is None
    assert subscribe_template(jrd({"rel": SUBSCRIBE, "href": mastodon})) is None
    assert subscribe_template(jrd({"rel": "self", "template": mastodon})) is None
    assert subscribe_template({"links": "nonsense"}) is None
    assert subscribe_template(["not", "a", "jrd"]) is None


def test_the_follow_page_carries_our_handle_or_actor() -> None:
    account = Account("example.org", "me@example.org")
    misskey = "https://example.org/authorize-follow?acct={uri}"
    assert (
        follow_page(account, misskey, handle="demo@hub.example", actor="x", scheme="https")
        == "https://example.org/authorize-follow?acct=demo@hub.example"
    )
    assert (
        follow_page(
            account, None, handle="h", actor="https://hub.example/groups/demo", scheme="https"
        )
        == "https://example.org/authorize_interaction?uri=https%3A%2F%2Fhub.example%2Fgroups%2Fdemo"
    )


async def test_a_production_instance_asks_no_private_address() -> None:
    """The form must not let anyone make the server probe its own network."""
    async with GuardedClient(allow_private=False, user_agent="fedhub-test/1") as client:
        with pytest.raises(BlockedAddress):
            await remote_follow_url(
                client, "@me@127.0.0.1:9", handle="demo@hub.example", actor="a", development=False
            )
