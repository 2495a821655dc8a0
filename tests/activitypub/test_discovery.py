"""WebFinger, host-meta and NodeInfo documents, and parsing what peers ask WebFinger for."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from fedhub.activitypub import discovery
from fedhub.activitypub.schemas import validate
from fedhub.errors import InvalidInput

BASE = "https://fedhub.example"
GROUP = f"{BASE}/groups/tenants"


def test_webfinger_jrd_points_mastodon_at_the_actor() -> None:
    jrd = discovery.webfinger_jrd("acct:tenants@fedhub.example", GROUP, GROUP, aliases=[GROUP])
    validate(jrd, "webfinger")
    assert jrd["subject"] == "acct:tenants@fedhub.example"
    assert jrd["aliases"] == [GROUP]
    assert jrd["links"] == [
        {"rel": "self", "type": "application/activity+json", "href": GROUP},
        {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": GROUP},
    ]


def test_webfinger_jrd_adds_the_acct_scheme_and_drops_duplicate_aliases() -> None:
    jrd = discovery.webfinger_jrd("tenants@fedhub.example", GROUP, GROUP, [GROUP, GROUP])
    assert jrd["subject"] == "acct:tenants@fedhub.example"
    assert jrd["aliases"] == [GROUP]


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("acct:tenants@fedhub.example", ("acct", "tenants@fedhub.example")),
        ("ACCT:tenants@fedhub.example", ("acct", "tenants@fedhub.example")),
        ("tenants@fedhub.example", ("acct", "tenants@fedhub.example")),
        ("@tenants@fedhub.example", ("acct", "tenants@fedhub.example")),
        ("acct:@tenants@fedhub.example", ("acct", "tenants@fedhub.example")),
        (" acct:tenants@127.0.0.1:8080 ", ("acct", "tenants@127.0.0.1:8080")),
        # the instance actor's user part is the domain, port and all
        ("acct:127.0.0.1:8080@127.0.0.1:8080", ("acct", "127.0.0.1:8080@127.0.0.1:8080")),
        (GROUP, ("url", GROUP)),
        ("http://127.0.0.1:8080/actor", ("url", "http://127.0.0.1:8080/actor")),
    ],
)
def test_parse_webfinger_resource(resource: str, expected: tuple[str, str]) -> None:
    assert discovery.parse_webfinger_resource(resource) == expected


@pytest.mark.parametrize(
    "resource",
    [
        "",
        "acct:",
        "acct:tenants",
        "acct:@fedhub.example",
        "acct:tenants@",
        "acct:ten ants@fedhub.example",
        "acct:a@b@fedhub.example",
        "acct:tenants@fedhub.example/path",
        "mailto:tenants@fedhub.example",
        "https://",
        "https://fedhub example/groups/x",
        "ftp://fedhub.example/groups/tenants",
    ],
)
def test_malformed_resources_are_refused(resource: str) -> None:
    with pytest.raises(InvalidInput):
        discovery.parse_webfinger_resource(resource)


def test_host_meta_carries_the_webfinger_template() -> None:
    xml = discovery.host_meta_xml(BASE)
    root = ElementTree.fromstring(xml)
    (link,) = root.findall("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link.get("rel") == "lrdd"
    assert link.get("template") == f"{BASE}/.well-known/webfinger?resource={{uri}}"


def test_host_meta_escapes_the_base() -> None:
    root = ElementTree.fromstring(discovery.host_meta_xml('https://a.example/"<&>'))
    template = root[0].get("template")
    assert template is not None and template.startswith('https://a.example/"<&>/')


def test_nodeinfo_links_name_the_document_and_the_instance_actor() -> None:
    links = discovery.nodeinfo_links(BASE)
    validate(links, "nodeinfo-links")
    assert links["links"] == [
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": f"{BASE}/nodeinfo/2.1"},
        {"rel": "https://www.w3.org/ns/activitystreams#Application", "href": f"{BASE}/actor"},
    ]


def test_nodeinfo_document() -> None:
    document = discovery.nodeinfo(
        version="0.1.0",
        open_registrations=False,
        users_total=3,
        local_posts=42,
        metadata={"nodeName": "Tenants' unions"},
    )
    validate(document, "nodeinfo")
    assert document["software"] == {"name": "fedhub", "version": "0.1.0"}
    assert document["protocols"] == ["activitypub"]
    assert document["usage"] == {"users": {"total": 3}, "localPosts": 42}
    assert document["metadata"] == {"nodeName": "Tenants' unions"}


def test_nodeinfo_activity_counts_are_optional() -> None:
    document = discovery.nodeinfo("0.1.0", True, 3, 0, {}, active_month=1, active_halfyear=2)
    validate(document, "nodeinfo")
    assert document["usage"]["users"] == {"total": 3, "activeHalfyear": 2, "activeMonth": 1}


def test_nodeinfo_schema_rejects_a_missing_usage() -> None:
    document = discovery.nodeinfo("0.1.0", False, 3, 42, {})
    del document["usage"]
    with pytest.raises(Exception, match="'usage' is a required property"):
        validate(document, "nodeinfo")
