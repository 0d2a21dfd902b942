"""Loading form files: safe reading, JSON parsing and every check a schema must pass before use.

Every refusal is an :class:`engine.errors.InvalidDefinition` naming the file (and, inside the schema,
the JSON pointer as ``element``), with a FORM_* code and parameters for translation.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jsonschema.exceptions import SchemaError
from referencing.exceptions import Unresolvable

from engine.errors import InvalidDefinition
from forms import files
from forms.dialects import Dialect, dialect_for, is_extension_keyword
from forms.form import Form
from forms.formats import FormatRegistry
from forms.schema_walk import iter_subschemas, pointer

MAX_FORM_BYTES = 512 * 1024
MAX_DEPTH = 64  # nesting of JSON objects and arrays in a form file
_REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")


def load_form(
    base_dir: str | os.PathLike[str],
    schema_filename: str,
    ui_schema_filename: str | None = None,
    *,
    registry: FormatRegistry | None = None,
    max_bytes: int = MAX_FORM_BYTES,
) -> Form:
    """Read and check a form's schema file (and UI schema file) inside ``base_dir``.

    ``registry`` supplies the formats the schema may use (generic ones when None).

    :raises InvalidDefinition: for a path outside ``base_dir``, a missing, oversized or malformed file,
        or a schema that fails any check (see :func:`parse_form`).
    """
    schema_source = read_form_file(base_dir, schema_filename, max_bytes)
    ui_source = read_form_file(base_dir, ui_schema_filename, max_bytes) if ui_schema_filename else None
    return parse_form(
        schema_source,
        filename=schema_filename,
        ui_schema_source=ui_source,
        ui_filename=ui_schema_filename,
        registry=registry,
        max_bytes=max_bytes,
    )


def read_form_file(base_dir: str | os.PathLike[str], filename: str, max_bytes: int = MAX_FORM_BYTES) -> bytes:
    """The bytes of ``filename`` inside ``base_dir`` (symbolic links resolved first).

    :raises InvalidDefinition: FORM_PATH_OUTSIDE_BASE, FORM_FILE_NOT_FOUND or FORM_SOURCE_TOO_LARGE.
    """
    base = Path(base_dir).resolve()
    path = (base / filename).resolve()
    if not path.is_relative_to(base):
        raise InvalidDefinition(
            "the form file lies outside the process folder", file=filename, code="FORM_PATH_OUTSIDE_BASE"
        )
    if not path.is_file():
        raise InvalidDefinition("form file not found", file=filename, code="FORM_FILE_NOT_FOUND")
    with path.open("rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(filename, max_bytes)
    return data


def parse_form(
    schema_source: bytes | str,
    *,
    filename: str,
    ui_schema_source: bytes | str | None = None,
    ui_filename: str | None = None,
    registry: FormatRegistry | None = None,
    max_bytes: int = MAX_FORM_BYTES,
) -> Form:
    """Build a Form from file contents (e.g. as stored with a deployed process version).

    :raises InvalidDefinition: for malformed JSON, an unsupported ``$schema``, a schema failing its
        meta-schema, an unknown keyword or format, a reference outside the file or to nothing, a nested
        ``$id``, a ``data-url`` field, wrong file rules, or a root that is not ``"type": "object"``.
    """
    registry = FormatRegistry() if registry is None else registry
    schema = _parse_json(schema_source, filename, max_bytes)
    _check_depth(schema, filename)
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise InvalidDefinition(
            'the root must be an object schema with "type": "object"',
            file=filename,
            code="FORM_ROOT_NOT_OBJECT",
        )
    dialect = dialect_for(schema.get("$schema"))
    if dialect is None:
        raise InvalidDefinition(
            "unsupported $schema; use draft-07 or 2020-12",
            file=filename,
            code="FORM_DIALECT_UNSUPPORTED",
            schema_uri=str(schema.get("$schema")),
        )
    _check_meta_schema(schema, dialect, filename)
    _check_subschemas(schema, dialect, registry, filename)
    _check_refs_resolve(schema, dialect, filename)
    ui_schema = None
    if ui_schema_source is not None:
        ui_name = ui_filename or f"{filename} (UI schema)"
        ui_schema = _parse_json(ui_schema_source, ui_name, max_bytes)
        _check_depth(ui_schema, ui_name)
        if not isinstance(ui_schema, dict):
            raise InvalidDefinition(
                "the UI schema must be a JSON object", file=ui_name, code="FORM_UI_SCHEMA_INVALID"
            )
    return Form(filename, schema, dialect, registry, ui_schema)


def _too_large(filename: str, max_bytes: int) -> InvalidDefinition:
    return InvalidDefinition(
        f"the form file is larger than {max_bytes} bytes",
        file=filename,
        code="FORM_SOURCE_TOO_LARGE",
        limit_bytes=max_bytes,
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_json(source: bytes | str, filename: str, max_bytes: int) -> Any:
    raw = source.encode("utf-8") if isinstance(source, str) else source
    if len(raw) > max_bytes:
        raise _too_large(filename, max_bytes)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidDefinition(
            "the form file is not UTF-8 text", file=filename, code="FORM_NOT_UTF8"
        ) from exc
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except _DuplicateKey as exc:
        raise InvalidDefinition(
            f"the key {exc.key!r} appears twice in one object",
            file=filename,
            code="FORM_JSON_DUPLICATE_KEY",
            key=exc.key,
        ) from exc
    except json.JSONDecodeError as exc:
        raise InvalidDefinition(
            f"JSON syntax error: {exc.msg} (column {exc.colno})",
            file=filename,
            line=exc.lineno,
            code="FORM_JSON_SYNTAX",
            column=exc.colno,
            reason=exc.msg,
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise InvalidDefinition(
            f"JSON syntax error: {exc}",
            file=filename,
            code="FORM_JSON_SYNTAX",
            line=None,
            column=None,
            reason=str(exc),
        ) from exc


def _check_depth(document: Any, filename: str) -> None:
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidDefinition(
                f"the form file nests deeper than {MAX_DEPTH} levels",
                file=filename,
                code="FORM_TOO_DEEP",
                limit=MAX_DEPTH,
            )
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def _check_meta_schema(schema: Mapping[str, Any], dialect: Dialect, filename: str) -> None:
    try:
        dialect.meta_validator.check_schema(schema)
    except SchemaError as exc:
        where = pointer(tuple(str(p) for p in exc.absolute_path)) or "/"
        raise InvalidDefinition(
            f"not a valid JSON Schema ({dialect.name}): {exc.message}",
            file=filename,
            element=where,
            code="FORM_SCHEMA_INVALID",
            reason=exc.message,
        ) from exc


def _check_subschemas(
    schema: Mapping[str, Any], dialect: Dialect, registry: FormatRegistry, filename: str
) -> None:
    for parts, sub in iter_subschemas(schema):
        where = pointer(parts) or "/"

        def refuse(message: str, code: str, *, _where: str = where, **params: Any) -> InvalidDefinition:
            return InvalidDefinition(message, file=filename, element=_where, code=code, **params)

        for key in sub:
            if key not in dialect.keywords and not is_extension_keyword(key):
                raise refuse(
                    f"unknown keyword {key!r} for {dialect.name}",
                    "FORM_UNKNOWN_KEYWORD",
                    keyword=key,
                    dialect=dialect.name,
                )
        if parts and "$id" in sub:
            raise refuse("only the root may have an $id", "FORM_NESTED_ID")
        for key in _REF_KEYWORDS:
            ref = sub.get(key)
            if ref is not None and not (isinstance(ref, str) and ref.startswith("#")):
                raise refuse(f"reference {ref!r} leaves the file", "FORM_REF_NOT_LOCAL", ref=str(ref))
        fmt = sub.get("format")
        if fmt == "data-url":
            raise refuse(
                'data-url fields are not supported; use "type": "object", "format": "file"',
                "FORM_DATA_URL_UNSUPPORTED",
            )
        if fmt is not None and fmt not in registry:
            known = sorted(registry.names())
            raise refuse(f"unknown format {fmt!r}", "FORM_UNKNOWN_FORMAT", format=str(fmt), known=known)
        problems = files.rule_problems(sub)
        if problems:
            raise refuse("; ".join(problems), "FORM_FILE_FIELD_INVALID", reason="; ".join(problems))


def _check_refs_resolve(schema: Mapping[str, Any], dialect: Dialect, filename: str) -> None:
    resolver = dialect.resolver(schema)
    for parts, sub in iter_subschemas(schema):
        for key in _REF_KEYWORDS:
            ref = sub.get(key)
            if isinstance(ref, str):
                try:
                    resolver.lookup(ref)
                except Unresolvable as exc:
                    raise InvalidDefinition(
                        f"reference {ref!r} points to nothing",
                        file=filename,
                        element=pointer(parts) or "/",
                        code="FORM_REF_UNRESOLVED",
                        ref=ref,
                    ) from exc
