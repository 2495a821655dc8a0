"""Records to ActivityStreams: valid against the emit-schemas, fully mapped, readable by peers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from fedhub.activitypub.jsonld import PUBLIC, dropped_terms, expand
from fedhub.activitypub.schemas import validate
from fedhub.domain.records import Attachment, EventDetails, Group, Place, Post, Text
from fedhub.errors import InvalidDocument
from fedhub.federation.to_ap import create_to_ap, group_to_ap, instance_actor_to_ap, post_to_ap
from fedhub.uris import Uris

AS = "https://www.w3.org/ns/activitystreams#"
SC = "http://schema.org#"
MZ = "https://joinmobilizon.org/ns#"
URIS = Uris("https://fedhub.example")
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def group_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


@pytest.fixture
def group(group_key: str) -> Group:
    return Group(
        slug="tenants",
        name="Tenants' Union",
        summary="We organise renters.\n\nJoin <us> & friends\nevery Tuesday.",
        lang="en",
        public_key_pem=group_key,
        published=datetime(2024, 3, 1, 12, 0, 5, 123456, tzinfo=UTC),
    )


def text(lang: str, name: str, summary: str = "") -> Text:
    return Text(
        lang=lang,
        name=name,
        summary=summary,
        source=f"{name} body",
        content_html=f"<p>{name} body</p>",
    )


@pytest.fixture
def article() -> Post:
    return Post(
        public_id="a1b2c3",
        kind="article",
        group_slug="tenants",
        texts=(
            text("en", "Rent strike report", "What we won this spring."),
            text("uk", "Звіт про орендний страйк", "Чого ми досягли навесні."),
        ),
        published=datetime(2024, 5, 2, 9, 30, tzinfo=UTC),
        updated=datetime(2024, 5, 3, 10, 0, tzinfo=UTC),
        tags=("housing", "#RentStrike"),
        attachments=(
            Attachment(
                sha256="ab" * 32,
                filename="report 2024.pdf",
                media_type="application/pdf",
                size=120_000,
                name="Full report",
            ),
        ),
    )


def event_post(details: EventDetails, public_id: str = "e1") -> Post:
    return Post(
        public_id=public_id,
        kind="event",
        group_slug="tenants",
        texts=(
            text("fr", "Assemblée des locataires", "Jeudi 12 juin, 18 h 30, Bourse du Travail"),
            text("en", "Tenants' assembly", "Thursday 12 June, 6:30 pm, Bourse du Travail"),
        ),
        published=datetime(2025, 5, 20, 8, 0, tzinfo=UTC),
        tags=("housing",),
        event=details,
    )


BOURSE = Place(
    name="Bourse du Travail",
    address="3 rue du Château-d'Eau, Paris",
    street_address="3 rue du Château-d'Eau",
    locality="Paris",
    region="Île-de-France",
    postal_code="75010",
    country="FR",
    latitude=48.8703,
    longitude=2.3597,
)


@pytest.fixture
def in_person_event() -> Post:
    return event_post(
        EventDetails(
            start=datetime(2025, 6, 12, 18, 30, tzinfo=PARIS),
            end=datetime(2025, 6, 12, 21, 0, tzinfo=PARIS),
            timezone="Europe/Paris",
            place=BOURSE,
        )
    )


@pytest.fixture
def online_event() -> Post:
    return event_post(
        EventDetails(
            # stored in UTC; emitted in the event's own zone
            start=datetime(2025, 1, 15, 23, 0, tzinfo=UTC),
            end=datetime(2025, 1, 16, 0, 30, tzinfo=UTC),
            timezone="America/New_York",
            online_url="https://meet.example/tenants-call",
        ),
        public_id="e2",
    )


@pytest.fixture
def hybrid_event() -> Post:
    return event_post(
        EventDetails(
            start=datetime(2025, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Kolkata")),
            end=datetime(2025, 3, 1, 13, 0, tzinfo=ZoneInfo("Asia/Kolkata")),
            timezone="Asia/Kolkata",
            place=Place(name="Community hall", address="12 MG Road, Bengaluru"),
            online_url="https://meet.example/hybrid",
        ),
        public_id="e3",
    )


def check(document: dict[str, Any], schema: str) -> None:
    validate(document, schema)
    assert dropped_terms(document) == []


def rejected(document: dict[str, Any], schema: str) -> str:
    with pytest.raises(InvalidDocument) as caught:
        validate(document, schema)
    return caught.value.reason


# Group and instance actors


def test_group_actor_has_what_mastodon_needs(group: Group) -> None:
    actor = group_to_ap(group, URIS)
    check(actor, "group")
    assert actor["id"] == actor["url"] == "https://fedhub.example/groups/tenants"
    assert actor["preferredUsername"] == "tenants"
    assert actor["inbox"] == "https://fedhub.example/groups/tenants/inbox"
    assert actor["endpoints"] == {"sharedInbox": "https://fedhub.example/inbox"}
    assert actor["publicKey"] == {
        "id": "https://fedhub.example/groups/tenants#main-key",
        "owner": actor["id"],
        "publicKeyPem": group.public_key_pem,
    }
    serialization.load_pem_public_key(actor["publicKey"]["publicKeyPem"].encode())
    assert actor["published"] == "2024-03-01T12:00:05Z"
    assert actor["manuallyApprovesFollowers"] is False
    assert actor["discoverable"] is True
    assert "icon" not in actor


def test_group_summary_is_escaped_html_paragraphs(group: Group) -> None:
    assert group_to_ap(group, URIS)["summary"] == (
        "<p>We organise renters.</p><p>Join &lt;us&gt; &amp; friends<br>every Tuesday.</p>"
    )
    assert group_to_ap(replace(group, summary=""), URIS)["summary"] == ""


def test_group_icon(group: Group) -> None:
    icon = Attachment(
        sha256="cd" * 32, filename="logo.png", media_type="image/png", size=9, name=""
    )
    actor = group_to_ap(replace(group, icon=icon), URIS)
    check(actor, "group")
    assert actor["icon"] == {
        "type": "Image",
        "url": f"https://fedhub.example/media/{'cd' * 32}/logo.png",
        "mediaType": "image/png",
    }
    given = group_to_ap(replace(group, icon=icon), URIS, icon_url="https://cdn.example/l.png")
    assert given["icon"]["url"] == "https://cdn.example/l.png"


def test_group_that_approves_followers(group: Group) -> None:
    actor = group_to_ap(replace(group, manually_approves_followers=True), URIS)
    assert actor["manuallyApprovesFollowers"] is True
    (expanded,) = expand(actor)
    assert expanded[AS + "manuallyApprovesFollowers"] == [{"@value": True}]


def test_group_schema_rejects_an_actor_without_key(group: Group) -> None:
    actor = group_to_ap(group, URIS)
    del actor["publicKey"]
    assert rejected(actor, "group") == "group: /: 'publicKey' is a required property"


def test_instance_actor(group_key: str) -> None:
    actor = instance_actor_to_ap(URIS, group_key, "Tenants' fedhub", datetime(2024, 1, 1))
    check(actor, "application")
    assert actor["type"] == "Application"
    assert actor["preferredUsername"] == "fedhub.example"
    assert actor["id"] == "https://fedhub.example/actor"
    assert actor["publicKey"]["id"] == "https://fedhub.example/actor#main-key"
    assert actor["published"] == "2024-01-01T00:00:00Z", "naive times are UTC"
    assert actor["manuallyApprovesFollowers"] is False, "instances follow each other freely"


# Articles


def test_article(article: Post, group: Group) -> None:
    doc = post_to_ap(article, URIS, group)
    check(doc, "article")
    assert doc["type"] == "Article"
    assert doc["id"] == doc["url"] == "https://fedhub.example/groups/tenants/articles/a1b2c3"
    assert doc["attributedTo"] == "https://fedhub.example/groups/tenants"
    assert doc["to"] == [PUBLIC]
    assert doc["cc"] == ["https://fedhub.example/groups/tenants/followers"]
    assert doc["published"] == "2024-05-02T09:30:00Z"
    assert doc["updated"] == "2024-05-03T10:00:00Z"
    assert doc["name"] == "Rent strike report"
    assert doc["summary"] == "What we won this spring."
    assert doc["content"] == doc["contentMap"]["en"] == "<p>Rent strike report body</p>"
    for field in ("contentMap", "nameMap", "summaryMap"):
        assert list(doc[field]) == ["en", "uk"]
    assert doc["mediaType"] == "text/html"
    assert doc["sensitive"] is False
    assert doc["tag"] == [
        {"type": "Hashtag", "name": "#housing", "href": "https://fedhub.example/tags/housing"},
        {
            "type": "Hashtag",
            "name": "#RentStrike",
            "href": "https://fedhub.example/tags/rentstrike",
        },
    ]
    assert doc["attachment"] == [
        {
            "type": "Document",
            "mediaType": "application/pdf",
            "url": f"https://fedhub.example/media/{'ab' * 32}/report%202024.pdf",
            "name": "Full report",
        }
    ]
    assert not {"startTime", "location", "timezone", "joinMode"} & set(doc)


def test_article_expansion_keeps_languages_and_tags(article: Post, group: Group) -> None:
    (expanded,) = expand(post_to_ap(article, URIS, group))
    languages = {value.get("@language") for value in expanded[AS + "content"]}
    assert {"en", "uk"} <= languages
    assert expanded[AS + "tag"][0]["@type"] == [AS + "Hashtag"]
    assert expanded[AS + "sensitive"] == [{"@value": False}]


def test_article_without_lead_or_tags(article: Post, group: Group) -> None:
    bare = replace(article, texts=(text("en", "Notice"),), tags=(), attachments=(), updated=None)
    doc = post_to_ap(bare, URIS, group)
    check(doc, "article")
    assert not {"summary", "summaryMap", "tag", "attachment", "updated"} & set(doc)


def test_article_schema_rejects_a_non_public_article(article: Post, group: Group) -> None:
    doc = post_to_ap(article, URIS, group)
    doc["to"] = [doc["cc"][0]]
    assert rejected(doc, "article").startswith("article: /to: ")


def test_post_of_another_group_is_a_bug(article: Post, group: Group) -> None:
    with pytest.raises(ValueError, match="belongs to tenants"):
        post_to_ap(article, URIS, replace(group, slug="others"))


# Events


def test_in_person_event(in_person_event: Post, group: Group) -> None:
    doc = post_to_ap(in_person_event, URIS, group)
    check(doc, "event")
    assert doc["type"] == "Event"
    assert doc["id"] == doc["url"] == "https://fedhub.example/groups/tenants/events/e1"
    assert doc["startTime"] == "2025-06-12T18:30:00+02:00"
    assert doc["endTime"] == "2025-06-12T21:00:00+02:00"
    assert doc["timezone"] == "Europe/Paris"
    assert doc["summary"] == "Jeudi 12 juin, 18 h 30, Bourse du Travail"
    assert doc["inLanguage"] == "fr"
    assert doc["isOnline"] is False
    assert doc["joinMode"] == "external"
    assert doc["externalParticipationUrl"] == doc["id"]
    assert doc["location"] == {
        "type": "Place",
        "name": "Bourse du Travail",
        "address": {
            "type": "PostalAddress",
            "streetAddress": "3 rue du Château-d'Eau",
            "addressLocality": "Paris",
            "addressRegion": "Île-de-France",
            "postalCode": "75010",
            "addressCountry": "FR",
        },
        "latitude": 48.8703,
        "longitude": 2.3597,
    }
    assert "attachment" not in doc


def test_event_expansion_keeps_time_zone_and_address(in_person_event: Post, group: Group) -> None:
    (expanded,) = expand(post_to_ap(in_person_event, URIS, group))
    assert expanded[AS + "startTime"][0]["@value"] == "2025-06-12T18:30:00+02:00"
    assert expanded[AS + "endTime"][0]["@value"] == "2025-06-12T21:00:00+02:00"
    assert expanded[MZ + "timezone"][0]["@value"] == "Europe/Paris"
    (place,) = expanded[AS + "location"]
    assert place[AS + "latitude"][0]["@value"] == 48.8703
    (address,) = place[SC + "address"]
    assert address[SC + "postalCode"] == [{"@value": "75010"}]
    assert address[SC + "streetAddress"] == [{"@value": "3 rue du Château-d'Eau"}]


def test_online_event(online_event: Post, group: Group) -> None:
    doc = post_to_ap(online_event, URIS, group)
    check(doc, "event")
    assert doc["startTime"] == "2025-01-15T18:00:00-05:00"
    assert doc["endTime"] == "2025-01-15T19:30:00-05:00"
    assert doc["timezone"] == "America/New_York"
    assert doc["isOnline"] is True
    # FEP-8a8e's VirtualLocation; Gancio takes a place without address only if named "online"
    assert doc["location"] == {
        "type": "VirtualLocation",
        "name": "Online",
        "url": "https://meet.example/tenants-call",
    }
    # Mobilizon's own way to carry the online address
    assert doc["attachment"] == [
        {
            "type": "Link",
            "href": "https://meet.example/tenants-call",
            "mediaType": "text/html",
            "name": "Website",
        }
    ]
    (expanded,) = expand(doc)
    assert expanded[AS + "location"][0]["@type"] == [SC + "VirtualLocation"]


def test_hybrid_event_keeps_one_location_for_mobilizon(hybrid_event: Post, group: Group) -> None:
    doc = post_to_ap(hybrid_event, URIS, group)
    check(doc, "event")
    assert doc["startTime"] == "2025-03-01T10:00:00+05:30"
    assert doc["isOnline"] is False
    # a single Place, not FEP-8a8e's array: Mobilizon drops events whose location is a list
    assert doc["location"] == {
        "type": "Place",
        "name": "Community hall",
        "address": {"type": "PostalAddress", "streetAddress": "12 MG Road, Bengaluru"},
    }
    assert doc["attachment"][-1]["href"] == "https://meet.example/hybrid"


def test_event_with_files_lists_files_before_the_online_link(
    online_event: Post, article: Post, group: Group
) -> None:
    doc = post_to_ap(replace(online_event, attachments=article.attachments), URIS, group)
    check(doc, "event")
    assert [a["type"] for a in doc["attachment"]] == ["Document", "Link"]


def test_event_times_are_ordered(
    in_person_event: Post, online_event: Post, hybrid_event: Post, group: Group
) -> None:
    for post in (in_person_event, online_event, hybrid_event):
        doc = post_to_ap(post, URIS, group)
        start = datetime.fromisoformat(doc["startTime"])
        end = datetime.fromisoformat(doc["endTime"])
        assert end - start > timedelta(0)
        assert start.utcoffset() == start.astimezone(ZoneInfo(doc["timezone"])).utcoffset()


def test_event_without_place_or_link(in_person_event: Post, group: Group) -> None:
    assert in_person_event.event is not None
    undecided = replace(in_person_event, event=replace(in_person_event.event, place=None))
    doc = post_to_ap(undecided, URIS, group)
    check(doc, "event")
    assert "location" not in doc and doc["isOnline"] is False


def test_place_with_only_a_name_has_no_address(in_person_event: Post, group: Group) -> None:
    assert in_person_event.event is not None
    details = replace(in_person_event.event, place=Place(name="The park"))
    doc = post_to_ap(replace(in_person_event, event=details), URIS, group)
    check(doc, "event")
    assert doc["location"] == {"type": "Place", "name": "The park"}


def test_event_without_details_is_a_bug(in_person_event: Post, group: Group) -> None:
    with pytest.raises(ValueError, match="no date or place"):
        post_to_ap(replace(in_person_event, event=None), URIS, group)


def test_event_schema_rejects_what_peers_could_not_read(
    in_person_event: Post, group: Group
) -> None:
    doc = post_to_ap(in_person_event, URIS, group)
    without_start = {k: v for k, v in doc.items() if k != "startTime"}
    assert rejected(without_start, "event") == "event: /: 'startTime' is a required property"
    as_list = {**doc, "location": [doc["location"]]}
    assert rejected(as_list, "event").startswith("event: /location: ")
    string_address = {**doc, "location": {**doc["location"], "address": "3 rue, Paris"}}
    assert rejected(string_address, "event").startswith("event: /location/address: ")
    naive_start = {**doc, "startTime": "2025-06-12T18:30:00"}
    assert rejected(naive_start, "event").startswith("event: /startTime: ")
    bad_tag = {**doc, "tag": [{"type": "Hashtag", "name": "#two words", "href": doc["id"]}]}
    assert rejected(bad_tag, "event").startswith("event: /tag/0/name: ")


# Create


@pytest.mark.parametrize("post_fixture", ["article", "in_person_event", "online_event"])
def test_create(post_fixture: str, group: Group, request: pytest.FixtureRequest) -> None:
    post: Post = request.getfixturevalue(post_fixture)
    create = create_to_ap(post, URIS, group)
    check(create, "create")
    obj = post_to_ap(post, URIS, group)
    assert create["id"] == f"{obj['id']}/activity"
    assert create["actor"] == obj["attributedTo"]
    assert create["published"] == obj["published"]
    assert create["to"] == obj["to"] and create["cc"] == obj["cc"]
    assert "@context" not in create["object"]
    assert create["object"] == {k: v for k, v in obj.items() if k != "@context"}


def test_create_schema_rejects_an_embedded_context(article: Post, group: Group) -> None:
    create = create_to_ap(article, URIS, group)
    create["object"]["@context"] = create["@context"]
    assert rejected(create, "create").startswith("create: /object")
