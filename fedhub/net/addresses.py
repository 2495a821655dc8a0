"""Which IP addresses fedhub may connect to: public ones, plus local ones on a development instance."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

IPAddress = IPv4Address | IPv6Address
_NAT64 = IPv6Network("64:ff9b::/96")

# (network, what it is, refused even for development?); the first match wins. A table rather than
# Python's `is_global`, whose answers change between versions (3.11 calls 224.0.0.1 global).
# Refused even for development: unspecified (0.0.0.0 reaches this very host), link-local (cloud
# metadata at 169.254.169.254), multicast, reserved, documentation. Allowed for development:
# loopback, private, shared (100.64.0.0/10: carrier NAT, VPNs), anything else not routable.
_TABLE: tuple[tuple[IPv4Network | IPv6Network, str, bool], ...] = tuple(
    (ip_network(network), kind, always)
    for network, kind, always in (
        ("0.0.0.0/8", "an unspecified address", True),
        ("127.0.0.0/8", "a loopback address", False),
        ("10.0.0.0/8", "a private address", False),
        ("172.16.0.0/12", "a private address", False),
        ("192.168.0.0/16", "a private address", False),
        ("100.64.0.0/10", "a shared (carrier NAT) address", False),
        ("169.254.0.0/16", "a link-local address", True),
        ("224.0.0.0/4", "a multicast address", True),
        ("240.0.0.0/4", "a reserved address", True),
        ("192.0.2.0/24", "a documentation address", True),
        ("198.51.100.0/24", "a documentation address", True),
        ("203.0.113.0/24", "a documentation address", True),
        ("::/128", "an unspecified address", True),
        ("::1/128", "a loopback address", False),
        ("fc00::/7", "a private address", False),
        ("fec0::/10", "a private (site-local) address", False),
        ("fe80::/10", "a link-local address", True),
        ("ff00::/8", "a multicast address", True),
        ("2001:db8::/32", "a documentation address", True),
        ("3fff::/20", "a documentation address", True),
        ("100::/64", "a reserved (discard) address", True),
        ("::/8", "a reserved address", True),
    )
)


def parse_address(text: str) -> IPAddress | None:
    """An IP address from a URL host or resolver answer ("[::1]" and "fe80::1%eth0" included)."""
    try:
        return ip_address(text.strip("[]"))
    except ValueError:
        return None


def address_refusal(address: IPAddress, *, allow_private: bool) -> str | None:
    """None when fedhub may connect to `address`, else the reason it may not.

    An IPv6 address that carries an IPv4 address (IPv4-mapped, NAT64, 6to4) is judged by the
    IPv4 address, since that is where the packets go: ::ffff:127.0.0.1 is loopback.
    """
    embedded = embedded_ipv4(address)
    found = _kind(embedded if embedded is not None else address)
    if found is None:
        return None
    kind, always = found
    if allow_private and not always:
        return None
    return f"{address} is {kind}" + (f" ({embedded})" if embedded is not None else "")


def _kind(address: IPAddress) -> tuple[str, bool] | None:
    """What a non-public address is and whether development instances are refused it too."""
    for network, kind, always in _TABLE:
        if address.version == network.version and address in network:
            return kind, always
    if address.is_reserved or address.is_multicast:
        return "a reserved address", True
    if not address.is_global:
        return "an address that is not globally routable", False
    return None


def embedded_ipv4(address: IPAddress) -> IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, when it is one of the forms that carry one."""
    if not isinstance(address, IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None
