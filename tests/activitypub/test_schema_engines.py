"""The compiled validator (jsonschema-rs) and the Python `jsonschema` give the same verdicts.

`validate` trusts jsonschema-rs alone for a document it accepts, so an input it takes that the
reference engine refuses would slip past the schemas: every recorded payload, against every
accept-schema, and hand-made breakages of each must be judged alike by both.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fedhub.activitypub.schemas import _compiled, _validators, schema_names, validate
from fedhub.errors import InvalidDocument

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"
ACCEPTING = [name for name in schema_names() if name.startswith("remote-")]


def recorded() -> list[tuple[str, dict[str, Any]]]:
    if not FIXTURES.is_dir():
        pytest.skip("../shared/fixtures is absent")
    return [
        (str(path.relative_to(FIXTURES)), json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(FIXTURES.glob("*/*.json"))
    ]


def breakages(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The document with one field at a time dropped, emptied, or given a wrong type or IRI."""
    for key in list(document):
        for change in ("drop", "number", "relative", "list"):
            broken = copy.deepcopy(document)
            if change == "drop":
                del broken[key]
            elif change == "number":
                broken[key] = 7
            elif change == "relative":
                broken[key] = "/not/absolute"
            else:
                broken[key] = []
            yield broken
    inner = document.get("object")
    if isinstance(inner, dict):
        for broken_inner in breakages(inner):
            yield {**document, "object": broken_inner}


def verdicts(document: dict[str, Any], schema: str) -> tuple[bool, bool]:
    return _compiled()[schema].is_valid(document), _validators()[schema].is_valid(document)


def test_both_engines_judge_every_recorded_payload_alike() -> None:
    compared = 0
    for name, document in recorded():
        for schema in ACCEPTING:
            fast, reference = verdicts(document, schema)
            assert fast == reference, f"{name} against {schema}: rs {fast}, python {reference}"
            compared += 1
    assert compared > 200


def test_both_engines_judge_broken_payloads_alike() -> None:
    compared = refused = 0
    for name, document in recorded():
        for schema in ACCEPTING:
            if not _validators()[schema].is_valid(document):
                continue
            for broken in breakages(document):
                fast, reference = verdicts(broken, schema)
                assert fast == reference, f"broken {name} against {schema}: {broken}"
                compared += 1
                refused += not reference
    assert refused > 100, "the breakages must include many a schema refuses"
    assert compared > refused


def test_a_refused_document_still_gets_the_reference_message() -> None:
    create = {
        "id": "https://a.example/activities/1",
        "type": "Create",
        "actor": "https://a.example/users/alice",
        "object": {"id": "https://a.example/notes/1", "type": "Note"},
    }
    with pytest.raises(InvalidDocument) as caught:
        validate(create, "remote-create")
    assert caught.value.reason == "remote-create: /object: 'attributedTo' is a required property"
