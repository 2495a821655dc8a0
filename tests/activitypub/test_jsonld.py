"""The emitted @context, the frozen document loader, and the unmapped-term check."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld as pyld

from fedhub.activitypub import jsonld
from fedhub.errors import InvalidDocument

SHARED_CONTEXTS = Path(__file__).resolve().parents[2] / ".." / "shared" / "contexts"
AS = "https://www.w3.org/ns/activitystreams#"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test instead of reaching out."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.w3.org/ns/activitystreams",
        "http://www.w3.org/ns/activitystreams",
        "https://www.w3.org/ns/activitystreams#",
        "https://w3id.org/security/v1",
        "http://w3id.org/security/v1/",
    ],
)
def test_loader_serves_the_two_frozen_contexts(url: str, no_network: None) -> None:
    remote = jsonld.load_context(url)
    assert remote["documentUrl"] == url
    assert "@context" in remote["document"]


def test_loader_refuses_everything_else(no_network: None) -> None:
    with pytest.raises(pyld.JsonLdError, match="litepub"):
        jsonld.load_context("https://litepub.social/litepub/context.jsonld")


def test_expanding_an_unknown_context_is_an_invalid_document(no_network: None) -> None:
    doc = {"@context": "https://example.org/context.jsonld", "type": "Note"}
    with pytest.raises(InvalidDocument, match=r"JSON-LD: .*https://example\.org/context\.jsonld"):
        jsonld.expand(doc)


def test_frozen_contexts_are_the_shared_copies_byte_for_byte() -> None:
    if not SHARED_CONTEXTS.is_dir():
        pytest.skip("../shared/contexts is absent")
    for name in jsonld.FROZEN_CONTEXTS.values():
        shipped = (Path(jsonld.__file__).parents[2] / "schemas" / "contexts" / name).read_bytes()
        assert shipped == (SHARED_CONTEXTS / name).read_bytes(), name


def test_context_is_as2_then_security_then_extensions() -> None:
    assert jsonld.CONTEXT[:2] == [jsonld.ACTIVITYSTREAMS, jsonld.SECURITY_V1]
    assert jsonld.CONTEXT[2] is jsonld.EXTENSIONS


def test_every_extension_term_maps_to_an_absolute_iri(no_network: None) -> None:
    terms = [term for term in jsonld.EXTENSIONS if term not in ("toot", "sc", "mz")]
    doc = {"@context": jsonld.CONTEXT, "id": "https://a.example/x"}
    doc.update({term: "value" for term in terms})
    (expanded,) = jsonld.expand(doc)
    keys = [key for key in expanded if key != "@id"]
    assert len(keys) == len(terms)
    assert all(key.startswith(("http://", "https://")) for key in keys), keys
    assert jsonld.dropped_terms(doc) == []


def test_event_terms_expand_to_the_iris_mobilizon_uses(no_network: None) -> None:
    doc = {
        "@context": jsonld.CONTEXT,
        "type": "Event",
        "timezone": "Europe/Paris",
        "location": {
            "type": "Place",
            "name": "Bourse du travail",
            "address": {"type": "PostalAddress", "addressLocality": "Paris"},
        },
    }
    (expanded,) = jsonld.expand(doc)
    assert expanded["https://joinmobilizon.org/ns#timezone"][0]["@value"] == "Europe/Paris"
    (place,) = expanded[AS + "location"]
    assert place["@type"] == [AS + "Place"]
    (address,) = place["http://schema.org#address"]
    assert address["@type"] == ["http://schema.org#PostalAddress"]
    assert address["http://schema.org#addressLocality"] == [{"@value": "Paris"}]


def test_dropped_terms_finds_unmapped_keys_and_types_at_any_depth() -> None:
    doc = {
        "@context": jsonld.CONTEXT,
        "type": "Note",
        "content": "hi",
        "flavour": "vanilla",
        "tag": [{"type": "Emoji", "name": ":x:", "glitter": True}],
        "attachment": {"type": "Document", "nested": {"deeper": 1}},
    }
    assert jsonld.dropped_terms(doc) == ["Emoji", "deeper", "flavour", "glitter", "nested"]


def test_dropped_terms_of_a_document_without_context_is_everything() -> None:
    # Without AS2, even `type` is just an unknown key.
    assert jsonld.dropped_terms({"type": "Note", "content": "hi"}) == ["content", "type"]


def test_dropped_terms_leaves_the_document_alone() -> None:
    doc = {"@context": jsonld.CONTEXT, "type": "Note", "oops": 1}
    before = repr(doc)
    jsonld.dropped_terms(doc)
    assert repr(doc) == before


def test_each_document_gets_its_own_copy_of_the_context() -> None:
    context = jsonld.fresh_context()
    assert context == jsonld.CONTEXT
    context[2]["timezone"]["@id"] = "changed"
    assert jsonld.EXTENSIONS["timezone"] == {"@id": "mz:timezone", "@type": "sc:Text"}
