"""Checks a document against the JSON Schemas in `schemas/` of what fedhub emits and accepts."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fedhub.errors import InvalidDocument
from fedhub.resources import resource_dir

SUFFIX = ".schema.json"


def validate(document: dict[str, Any], schema: str) -> None:
    """Raise `InvalidDocument("<schema>: <path>: <message>")` when `document` fails `schema`.

    `schema` is a file name without its suffix ("group", "remote-follow"). Only the most
    relevant error is reported: the one a peer's developer or a test reader needs to see.
    """
    validator = _validators().get(schema)
    if validator is None:
        raise KeyError(f"no JSON Schema named {schema!r} in {resource_dir('schemas')}")
    error = best_match(validator.iter_errors(document))
    if error is not None:
        raise InvalidDocument(f"{schema}: {_path(error)}: {error.message}")


def schema_names() -> list[str]:
    """Every schema `validate` knows, for tests and tooling."""
    return sorted(_validators())


@cache
def _validators() -> dict[str, Draft202012Validator]:
    """Load every schema once; they `$ref` each other by file name through one registry."""
    folder = resource_dir("schemas")
    contents = {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob(f"*{SUFFIX}"))
    }
    registry: Registry[Any] = Registry().with_resources(
        (name, Resource.from_contents(content, default_specification=DRAFT202012))
        for name, content in contents.items()
    )
    validators = {}
    for name, content in contents.items():
        Draft202012Validator.check_schema(content)
        # A root without `$id` gets its file name as base URI, so relative `$ref`s resolve.
        resolver_root = {"$id": name, **content}
        validators[name.removesuffix(SUFFIX)] = Draft202012Validator(
            resolver_root, registry=registry
        )
    return validators


def _path(error: ValidationError) -> str:
    return "/" + "/".join(str(part) for part in error.absolute_path)
