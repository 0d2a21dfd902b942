"""The JSON Schema dialects forms accept (draft-07, 2020-12) and their validator classes.

Each validator class is jsonschema's, extended (never mutated) so that ``"format": "file"`` checks an
attachment reference against the ``x-accept`` and ``x-max-bytes`` beside it. A schema without
``$schema`` is read as draft-07, the dialect react-jsonschema-form (and so spiff-arena) validates with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import referencing.jsonschema
from jsonschema import Draft7Validator, Draft202012Validator, validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from forms.files import reference_findings
from forms.formats import FILE_FORMAT, FindingsRaised

DEFAULT_DIALECT = "draft-07"
ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "$defs",
        "definitions",
        "title",
        "description",
        "default",
        "examples",
        "readOnly",
        "writeOnly",
        "deprecated",
        "contentMediaType",
        "contentEncoding",
        "enumNames",  # react-jsonschema-form's labels for enum values
    }
)


def _format_with_files(
    original: Callable[..., Iterator[ValidationError]],
) -> Callable[..., Iterator[ValidationError]]:
    def format_keyword(
        validator: Any, fmt: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[ValidationError]:
        if fmt != FILE_FORMAT:
            yield from original(validator, fmt, instance, schema)
            return
        if "error" not in getattr(validator.format_checker, "severities", ()):
            return  # file references only ever have errors
        found = reference_findings(instance, schema)
        if found:
            yield ValidationError("the file reference is not acceptable", cause=FindingsRaised(found))

    return format_keyword


def _extend(base: type[Validator]) -> type[Validator]:
    return validators.extend(base, {"format": _format_with_files(base.VALIDATORS["format"])})


@dataclass(frozen=True)
class Dialect:
    """One accepted dialect: its name, validator classes and the keywords a schema may use."""

    name: str
    meta_validator: type[Validator]  # jsonschema's own class, for the meta-schema check
    validator: type[Validator]  # extended with file fields
    specification: referencing.Specification[Any]
    keywords: frozenset[str]

    def resolver(self, schema: Mapping[str, Any]) -> Any:
        """A resolver for references inside ``schema`` alone (nothing is ever fetched)."""
        root = referencing.Resource.from_contents(schema, default_specification=self.specification)
        return referencing.Registry().resolver_with_root(root)


DIALECTS: Mapping[str, Dialect] = {
    "draft-07": Dialect(
        "draft-07",
        Draft7Validator,
        _extend(Draft7Validator),
        referencing.jsonschema.DRAFT7,
        frozenset(Draft7Validator.VALIDATORS) | {"then", "else"} | ANNOTATIONS,
    ),
    "2020-12": Dialect(
        "2020-12",
        Draft202012Validator,
        _extend(Draft202012Validator),
        referencing.jsonschema.DRAFT202012,
        frozenset(Draft202012Validator.VALIDATORS)
        | {
            "then",
            "else",
            "minContains",
            "maxContains",
            "$anchor",
            "$dynamicAnchor",
            "contentSchema",
            "$vocabulary",
        }
        | ANNOTATIONS,
    ),
}

_URIS = {
    "json-schema.org/draft-07/schema": "draft-07",
    "json-schema.org/draft/2020-12/schema": "2020-12",
}


def dialect_for(schema_uri: Any) -> Dialect | None:
    """The dialect a ``$schema`` value names (draft-07 when absent), or None when not accepted."""
    if schema_uri is None:
        return DIALECTS[DEFAULT_DIALECT]
    if not isinstance(schema_uri, str):
        return None
    bare = schema_uri.rstrip("#")
    for scheme in ("https://", "http://"):
        if bare.startswith(scheme):
            name = _URIS.get(bare[len(scheme) :])
            return DIALECTS[name] if name else None
    return None


def is_extension_keyword(key: str) -> bool:
    """Keys starting with ``x-`` are the designer's own and are ignored by validation."""
    return key.startswith("x-")
