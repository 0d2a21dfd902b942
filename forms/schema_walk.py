"""Walking a JSON Schema: every subschema with its JSON pointer, or every data field with its path.

Both walks know which keywords hold subschemas, so that data under ``enum``, ``const``, ``default`` or
``examples`` is never mistaken for a schema. The keyword sets cover draft-07 and 2020-12.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
SCHEMA_ONE = (
    "additionalProperties",
    "unevaluatedProperties",
    "additionalItems",
    "unevaluatedItems",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
)
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
# Keywords whose subschemas apply to the same data (used by the data walk).
SAME_DATA_ONE = ("then", "else")
SAME_DATA_LISTS = ("allOf", "anyOf", "oneOf")

Resolve = Callable[[str], Any]


def pointer(parts: tuple[str, ...]) -> str:
    """A JSON pointer (RFC 6901) from its unescaped parts; ``""`` is the root."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def iter_subschemas(
    schema: Any, at: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any]]]:
    """Every object subschema with the pointer parts leading to it, the root first."""
    if not isinstance(schema, Mapping):
        return
    yield at, schema
    for key in SCHEMA_MAPS:
        value = schema.get(key)
        if isinstance(value, Mapping):
            for name, sub in value.items():
                yield from iter_subschemas(sub, (*at, key, str(name)))
    for key in SCHEMA_ONE:
        yield from iter_subschemas(schema.get(key), (*at, key))
    for key in (*SCHEMA_LISTS, "items"):
        value = schema.get(key)
        if isinstance(value, list):
            for i, sub in enumerate(value):
                yield from iter_subschemas(sub, (*at, key, str(i)))
        elif key == "items":
            yield from iter_subschemas(value, (*at, key))
    deps = schema.get("dependencies")
    if isinstance(deps, Mapping):
        for name, sub in deps.items():
            yield from iter_subschemas(sub, (*at, "dependencies", str(name)))


def iter_fields(
    schema: Any,
    resolve: Resolve,
    path: tuple[str, ...] = (),
    refs: tuple[str, ...] = (),
) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any]]]:
    """Every subschema describing data, with its data path (``*`` for any array item or extra key).

    Local ``$ref`` are followed through ``resolve``; a reference already being followed on the way
    down is not followed again, so recursive schemas end.
    """
    if not isinstance(schema, Mapping):
        return
    yield path, schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref not in refs:
        yield from iter_fields(resolve(ref), resolve, path, (*refs, ref))
    props = schema.get("properties")
    if isinstance(props, Mapping):
        for name, sub in props.items():
            yield from iter_fields(sub, resolve, (*path, str(name)), refs)
    pattern_props = schema.get("patternProperties")
    if isinstance(pattern_props, Mapping):
        for sub in pattern_props.values():
            yield from iter_fields(sub, resolve, (*path, "*"), refs)
    for key in ("additionalProperties", "unevaluatedProperties", "additionalItems", "unevaluatedItems"):
        yield from iter_fields(schema.get(key), resolve, (*path, "*"), refs)
    for key in ("items", "prefixItems"):
        value = schema.get(key)
        if isinstance(value, list):
            for i, sub in enumerate(value):
                yield from iter_fields(sub, resolve, (*path, str(i)), refs)
        else:
            yield from iter_fields(value, resolve, (*path, "*"), refs)
    for key in SAME_DATA_ONE:
        yield from iter_fields(schema.get(key), resolve, path, refs)
    for key in SAME_DATA_LISTS:
        value = schema.get(key)
        if isinstance(value, list):
            for sub in value:
                yield from iter_fields(sub, resolve, path, refs)
    for key in ("dependentSchemas", "dependencies"):
        value = schema.get(key)
        if isinstance(value, Mapping):
            for sub in value.values():
                yield from iter_fields(sub, resolve, path, refs)


def path_matches(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    """True when a data path (``children.0.name``) fits a field path (``children.*.name``)."""
    return len(pattern) == len(path) and all(p in ("*", q) for p, q in zip(pattern, path, strict=True))
