"""Converters from what other servers send to the fields fedhub stores; nothing here trusts input."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from fedhub.domain.content import plain_text, sanitise_html
from fedhub.domain.records import RemoteActorFields, RemoteObjectFields
from fedhub.errors import InvalidDocument

ACTOR_TYPES = frozenset({"Person", "Group", "Service", "Application", "Organization"})
CONTENT_TYPES = frozenset({"Article", "Event", "Note", "Page", "Document", "Question", "Video"})
MAX_NAME = 1000
MAX_SUMMARY = 5000
MAX_CONTENT = 500_000


def id_of(value: Any) -> str | None:
    """An IRI given either as a string or as an object with an `id` (Hubzilla embeds actors)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def ids_of(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [found for item in items if (found := id_of(item)) is not None]


def origin(iri: str) -> str:
    """scheme://host[:port], the unit of trust: a server speaks only for its own origin."""
    parts = urlsplit(iri)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(a: str, b: str) -> bool:
    return origin(a) == origin(b)


def is_http_iri(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 2048:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.username


def actor_from_ap(doc: dict[str, Any]) -> RemoteActorFields:
    """The parts of an actor fedhub uses; its key must belong to it and live on its origin."""
    uri = doc.get("id")
    if not is_http_iri(uri):
        raise InvalidDocument("actor has no usable id")
    assert isinstance(uri, str)
    if doc.get("type") not in ACTOR_TYPES:
        raise InvalidDocument(f"{doc.get('type')!r} is not an actor type")
    inbox = doc.get("inbox")
    if not is_http_iri(inbox) or not same_origin(str(inbox), uri):
        raise InvalidDocument("actor's inbox is missing or on another origin")
    endpoints = doc.get("endpoints") if isinstance(doc.get("endpoints"), dict) else {}
    shared = endpoints.get("sharedInbox") if endpoints else None
    shared_inbox = shared if is_http_iri(shared) and same_origin(str(shared), uri) else None
    key_id = key_pem = None
    keys = doc.get("publicKey")
    for key in keys if isinstance(keys, list) else [keys]:
        if not isinstance(key, dict):
            continue
        usable = (
            id_of(key.get("owner")) == uri
            and is_http_iri(key.get("id"))
            and same_origin(str(key["id"]), uri)
            and isinstance(key.get("publicKeyPem"), str)
        )
        if usable:
            key_id, key_pem = str(key["id"]), str(key["publicKeyPem"])
            break
    outbox = doc.get("outbox")
    return RemoteActorFields(
        uri=uri,
        type=str(doc["type"]),
        domain=urlsplit(uri).netloc.lower(),
        preferred_username=_short(doc.get("preferredUsername"), 300),
        name=_short(doc.get("name"), 300),
        summary=sanitise_html(doc["summary"])[:MAX_SUMMARY]
        if isinstance(doc.get("summary"), str)
        else None,
        url=_url(doc.get("url")),
        inbox=str(inbox),
        shared_inbox=str(shared_inbox) if shared_inbox else None,
        outbox=str(outbox) if is_http_iri(outbox) and same_origin(str(outbox), uri) else None,
        public_key_id=key_id,
        public_key_pem=key_pem,
    )


def object_from_ap(doc: dict[str, Any]) -> RemoteObjectFields:
    """An article, event or note for the network view, sanitised; its author must be one actor."""
    uri = doc.get("id")
    if not is_http_iri(uri):
        raise InvalidDocument("object has no usable id")
    assert isinstance(uri, str)
    kind = doc.get("type")
    if kind not in CONTENT_TYPES:
        raise InvalidDocument(f"{kind!r} objects are not kept")
    authors = ids_of(doc.get("attributedTo"))
    actor_authors = [a for a in authors if is_http_iri(a)]
    if not actor_authors:
        raise InvalidDocument("object has no attributedTo")
    content, lang = _language_value(doc, "content")
    name, name_lang = _language_value(doc, "name")
    summary, _ = _language_value(doc, "summary")
    return RemoteObjectFields(
        uri=uri,
        type=str(kind),
        attributed_to=actor_authors[0],
        url=_url(doc.get("url")),
        lang=lang or name_lang or _short(doc.get("inLanguage"), 35),
        name=plain_text(name)[:MAX_NAME] if name else None,
        summary=(plain_text(summary) if kind != "Note" else sanitise_html(summary))[:MAX_SUMMARY]
        if summary
        else None,
        content_html=sanitise_html(content[:MAX_CONTENT]) if content else None,
        published=parse_time(doc.get("published")),
        updated=parse_time(doc.get("updated")),
        starts_at=parse_time(doc.get("startTime")),
        ends_at=parse_time(doc.get("endTime")),
    )


def _language_value(doc: dict[str, Any], field: str) -> tuple[str | None, str | None]:
    """The plain value, else the first of its language map; and that map's first language."""
    mapped = doc.get(f"{field}Map")
    first_lang = None
    first_value = None
    if isinstance(mapped, dict):
        for lang, value in mapped.items():
            if isinstance(lang, str) and isinstance(value, str):
                first_lang, first_value = lang[:35], value
                break
    plain = doc.get(field)
    return (plain if isinstance(plain, str) else first_value), first_lang


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _url(value: Any) -> str | None:
    """`url` may be a string, a Link, or a list of them (Mobilizon, PeerTube): take the HTML one."""
    candidates = value if isinstance(value, list) else [value]
    for item in candidates:
        if isinstance(item, str) and is_http_iri(item):
            return item
        html_link = isinstance(item, dict) and item.get("mediaType", "text/html") == "text/html"
        if html_link and is_http_iri(item.get("href")):
            return str(item["href"])
    return None


def _short(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) else None
