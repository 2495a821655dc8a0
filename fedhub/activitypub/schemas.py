"""Checks a document against the JSON Schemas in `schemas/` of what fedhub emits and accepts."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fedhub.errors import InvalidDocument
from fedhub.resources import resource_dir

SUFFIX = ".schema.json"
# Where the compiled validators' registry places the schema files: never fetched, only named.
BASE_URI = "https://fedhub.invalid/schemas/"


def validate(document: dict[str, Any], schema: str) -> None:
    """Raise `InvalidDocument("<schema>: <path>: <message>")` when `document` fails `schema`.

    `schema` is a file name without its suffix ("group", "remote-follow"). Only the most
    relevant error is reported: the one a peer's developer or a test reader needs to see.

    Every inbox POST is checked here, so a document is first checked by jsonschema-rs (compiled,
    about a microsecond); only a document it refuses goes to the Python `jsonschema`, which
    decides and names the most relevant error (`best_match`). The tests hold both engines to the
    same verdicts on every recorded payload.
    """
    compiled = _compiled().get(schema)
    if compiled is None:
        raise KeyError(f"no JSON Schema named {schema!r} in {resource_dir('schemas')}")
    if compiled.is_valid(document):
        return
    error = best_match(_validators()[schema].iter_errors(document))
    if error is not None:
        raise InvalidDocument(f"{schema}: {_path(error)}: {error.message}")


def has_schema(schema: str) -> bool:
    """Whether `validate` knows `schema`: the inbox asks for every activity type it receives."""
    return schema in _compiled()


def schema_names() -> list[str]:
    """Every schema `validate` knows, for tests and tooling."""
    return sorted(_validators())


@cache
def _validators() -> dict[str, Draft202012Validator]:
    """Load every schema once; they `$ref` each other by file name through one registry."""
    contents = _contents()
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


@cache
def _compiled() -> dict[str, jsonschema_rs.Validator]:
    """The same schemas compiled by jsonschema-rs, resolving `$ref`s offline among themselves."""
    _validators()  # checks every schema against its metaschema first
    contents = _contents()
    registry = jsonschema_rs.Registry(
        [(BASE_URI + name, content) for name, content in contents.items()]
    )
    return {
        name.removesuffix(SUFFIX): jsonschema_rs.validator_for(
            content, registry=registry, base_uri=BASE_URI + name, offline=True
        )
        for name, content in contents.items()
    }


@cache
def _contents() -> dict[str, Any]:
    folder = resource_dir("schemas")
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob(f"*{SUFFIX}"))
    }


def _path(error: ValidationError) -> str:
    return "/" + "/".join(str(part) for part in error.absolute_path)
