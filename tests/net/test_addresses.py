"""The address policy as a table: what production refuses, and what development still refuses."""

from __future__ import annotations

import pytest

from fedhub.net.addresses import address_refusal, embedded_ipv4, parse_address

# address, refused in production?, refused on a development instance?
POLICY = [
    ("93.184.215.14", False, False),
    ("8.8.8.8", False, False),
    ("2606:4700:4700::1111", False, False),
    ("2a01:4f8::1", False, False),
    ("127.0.0.1", True, False),
    ("127.255.0.9", True, False),
    ("::1", True, False),
    ("10.1.2.3", True, False),
    ("172.16.0.1", True, False),
    ("172.31.255.255", True, False),
    ("192.168.1.1", True, False),
    ("fd12:3456::1", True, False),
    ("fec0::1", True, False),
    ("100.64.0.1", True, False),
    ("100.127.255.254", True, False),
    ("192.0.0.1", True, False),
    ("198.18.0.1", True, False),
    ("2001::1", True, False),
    ("0.0.0.0", True, True),
    ("0.1.2.3", True, True),
    ("::", True, True),
    ("169.254.169.254", True, True),
    ("fe80::1", True, True),
    ("fe80::1%eth0", True, True),
    ("224.0.0.1", True, True),
    ("239.255.255.250", True, True),
    ("ff02::1", True, True),
    ("ff0e::1", True, True),
    ("240.0.0.1", True, True),
    ("255.255.255.255", True, True),
    ("192.0.2.1", True, True),
    ("198.51.100.7", True, True),
    ("203.0.113.9", True, True),
    ("2001:db8::1", True, True),
    ("3fff::1", True, True),
    ("100::1", True, True),
    ("::7f00:1", True, True),
    ("5f00::1", True, True),
    # IPv6 forms that carry an IPv4 address are judged by it.
    ("::ffff:127.0.0.1", True, False),
    ("::ffff:169.254.169.254", True, True),
    ("::ffff:8.8.8.8", False, False),
    ("64:ff9b::7f00:1", True, False),
    ("64:ff9b::808:808", False, False),
    ("2002:a00:1::1", True, False),
    ("2002:808:808::1", False, False),
]


@pytest.mark.parametrize(("text", "in_production", "in_development"), POLICY)
def test_policy(text: str, in_production: bool, in_development: bool) -> None:
    address = parse_address(text)
    assert address is not None
    assert (address_refusal(address, allow_private=False) is not None) is in_production
    assert (address_refusal(address, allow_private=True) is not None) is in_development


def test_reasons_say_what_the_address_is() -> None:
    loopback = parse_address("127.0.0.1")
    mapped = parse_address("::ffff:10.0.0.1")
    metadata = parse_address("169.254.169.254")
    assert loopback is not None and mapped is not None and metadata is not None
    assert address_refusal(loopback, allow_private=False) == "127.0.0.1 is a loopback address"
    assert address_refusal(mapped, allow_private=False) == (
        "::ffff:a00:1 is a private address (10.0.0.1)"
    )
    assert address_refusal(metadata, allow_private=True) == (
        "169.254.169.254 is a link-local address"
    )


@pytest.mark.parametrize(
    ("text", "embedded"),
    [("::ffff:1.2.3.4", "1.2.3.4"), ("64:ff9b::102:304", "1.2.3.4"), ("2002:102:304::", "1.2.3.4")],
)
def test_embedded_ipv4(text: str, embedded: str) -> None:
    address = parse_address(text)
    assert address is not None
    assert str(embedded_ipv4(address)) == embedded


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("[::1]", "::1"), ("127.0.0.1", "127.0.0.1"), ("example.org", None), ("2130706433", None)],
)
def test_parse_address(text: str, parsed: str | None) -> None:
    address = parse_address(text)
    assert (None if address is None else str(address)) == parsed
