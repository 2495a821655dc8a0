"""The JSON-LD `@context` fedhub emits, and expansion against frozen copies of remote contexts."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pyld import jsonld

from fedhub.errors import InvalidDocument
from fedhub.resources import resource_dir

ACTIVITYSTREAMS = "https://www.w3.org/ns/activitystreams"
SECURITY_V1 = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

# Every non-AS2 term fedhub emits, so that nothing it sends falls into AS2's `"@vocab": "_:"`.
# Prefixes follow what peers already send, so a JSON-LD reader gets the same IRIs from us as from
# them: `sc:` is "http://schema.org#" as in Mobilizon's and Mastodon's contexts (not schema.org's
# canonical "http://schema.org/"), and Mobilizon's event terms keep their `mz:` IRIs, which
# FEP-8a8e's own reference implementation (WordPress Event Bridge) also uses for `timezone`,
# `joinMode` and `externalParticipationUrl`.
EXTENSIONS: dict[str, Any] = {
    "toot": "http://joinmastodon.org/ns#",
    "sc": "http://schema.org#",
    "mz": "https://joinmobilizon.org/ns#",
    "ical": "http://www.w3.org/2002/12/cal/ical#",
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "inLanguage": "sc:inLanguage",
    "PostalAddress": "sc:PostalAddress",
    "address": "sc:address",
    "streetAddress": "sc:streetAddress",
    "addressLocality": "sc:addressLocality",
    "addressRegion": "sc:addressRegion",
    "postalCode": "sc:postalCode",
    "addressCountry": "sc:addressCountry",
    "VirtualLocation": "sc:VirtualLocation",
    "timezone": {"@id": "mz:timezone", "@type": "sc:Text"},
    "isOnline": {"@id": "mz:isOnline", "@type": "sc:Boolean"},
    "joinMode": {"@id": "mz:joinMode", "@type": "mz:joinModeType"},
    "externalParticipationUrl": {"@id": "mz:externalParticipationUrl", "@type": "sc:URL"},
}

CONTEXT: list[Any] = [ACTIVITYSTREAMS, SECURITY_V1, EXTENSIONS]


def fresh_context() -> list[Any]:
    """A copy of `CONTEXT` for one document, so no caller can change what every other one sends."""
    return copy.deepcopy(CONTEXT)


# The only remote contexts fedhub knows, by canonical URL, and the files holding their frozen copy.
FROZEN_CONTEXTS = {
    ACTIVITYSTREAMS: "activitystreams.jsonld",
    SECURITY_V1: "security-v1.jsonld",
}

# Appended to a document's context by `dropped_terms`: a term that reaches this vocabulary had no
# definition of its own (AS2's own `"@vocab": "_:"` would otherwise turn it into a blank node).
_UNMAPPED = "urn:fedhub:unmapped:"


def load_context(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader that never touches the network.

    w3.org and w3id.org are out of reach here and, in production, fetching a context per document
    would be slow and a tracking vector, so the two contexts every peer uses are served from
    `schemas/contexts/`; any other URL is a JSON-LD loading error.
    """
    name = FROZEN_CONTEXTS.get(_canonical(url))
    if name is None:
        raise jsonld.JsonLdError(
            f"fedhub does not load remote JSON-LD documents: {url}",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading remote context failed",
        )
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": _frozen(name),
    }


def expand(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Expand a document with the frozen loader; a JSON-LD failure is an `InvalidDocument`."""
    try:
        expanded: list[dict[str, Any]] = jsonld.expand(doc, {"documentLoader": load_context})
    except jsonld.JsonLdError as error:
        raise InvalidDocument(f"JSON-LD: {_reason(error)}") from error
    return expanded


def dropped_terms(doc: dict[str, Any]) -> list[str]:
    """The terms of `doc` (keys, and `type` names, at any depth) its context does not define.

    A JSON-LD consumer loses them, or with AS2's `"@vocab": "_:"` turns them into meaningless
    blank-node IRIs; tests assert that fedhub never emits one.
    """
    context = doc.get("@context")
    contexts = context if isinstance(context, list) else [] if context is None else [context]
    probe = {**doc, "@context": [*contexts, {"@vocab": _UNMAPPED}]}
    found: set[str] = set()
    _collect_unmapped(expand(probe), found)
    return sorted(found)


def _collect_unmapped(node: Any, found: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect_unmapped(item, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key.startswith(_UNMAPPED):
                found.add(key.removeprefix(_UNMAPPED))
            if key == "@type":
                types = value if isinstance(value, list) else [value]
                found.update(
                    t.removeprefix(_UNMAPPED)
                    for t in types
                    if isinstance(t, str) and t.startswith(_UNMAPPED)
                )
            elif key != "@value":
                _collect_unmapped(value, found)


def _canonical(url: str) -> str:
    """Peers write these URLs with `http:`, a fragment or a trailing slash; all mean the same."""
    parts = urlsplit(url.strip())
    scheme = "https" if parts.scheme in ("http", "https") else parts.scheme
    return urlunsplit((scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


@cache
def _frozen_text(name: str) -> str:
    return (resource_dir("schemas") / "contexts" / name).read_text(encoding="utf-8")


def _frozen(name: str) -> dict[str, Any]:
    # A fresh copy each time: pyld may annotate the documents it is given.
    document: dict[str, Any] = json.loads(_frozen_text(name))
    return document


def _reason(error: jsonld.JsonLdError) -> str:
    """pyld wraps the loader's error in its own; the innermost message says what went wrong."""
    innermost: BaseException = error
    while True:
        details = getattr(innermost, "details", None)
        inner = details.get("cause") if isinstance(details, dict) else None
        inner = inner or innermost.__cause__
        if not isinstance(inner, jsonld.JsonLdError):
            break
        innermost = inner
    return str(innermost.args[0]) if innermost.args else type(innermost).__name__
