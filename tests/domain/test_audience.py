"""Followers are reached through their shared inbox when they have one, each inbox once."""

from __future__ import annotations

from fedhub.domain.audience import delivery_inboxes, inbox_host


def test_followers_on_one_server_share_one_inbox() -> None:
    recipients = [
        ("https://mastodon.example/users/ana/inbox", "https://mastodon.example/inbox"),
        ("https://mastodon.example/users/bo/inbox", "https://mastodon.example/inbox"),
        ("https://solo.example/actor/inbox", None),
        ("https://mastodon.example/users/cy/inbox", "https://mastodon.example/inbox"),
    ]
    assert delivery_inboxes(recipients) == [
        "https://mastodon.example/inbox",
        "https://solo.example/actor/inbox",
    ]


def test_an_empty_shared_inbox_falls_back_to_the_actors_own() -> None:
    assert delivery_inboxes([("https://a.example/inbox", "")]) == ["https://a.example/inbox"]


def test_the_order_does_not_depend_on_the_followers_order() -> None:
    recipients = [(f"https://h{n % 7}.example/u/{n}/inbox", None) for n in range(50)]
    assert delivery_inboxes(recipients) == delivery_inboxes(reversed(recipients))
    assert len(delivery_inboxes(recipients)) == 50


def test_no_followers_no_inboxes() -> None:
    assert delivery_inboxes([]) == []


def test_inbox_host_is_what_the_breaker_counts() -> None:
    assert inbox_host("https://Mastodon.Example/inbox") == "mastodon.example"
    assert inbox_host("http://127.0.0.7:8080/inbox/3") == "127.0.0.7:8080"
    assert inbox_host("https://user:pw@a.example/inbox") == "a.example"
    assert inbox_host("https://[2001:db8::1]:8443/inbox") == "[2001:db8::1]:8443"
