"""The JSON Schema of a scenario file (``<process folder>/scenarios/<name>.yaml``).

``SCENARIO_SCHEMA`` describes the whole file, usable by editors; the loader validates the top level
and then each step against the schema of its kind, so that an error names the step's own keys
rather than "not valid under any of the given schemas".
"""

from __future__ import annotations

from typing import Any

STEP_KINDS = ("complete", "advance", "message", "expect")

_ID = {"type": "string", "minLength": 1, "maxLength": 200}
_TEXT = {"type": "string"}
_OBJECT = {"type": "object"}
_CODES = {"type": "array", "items": _ID, "uniqueItems": True}

EXPECT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "ready": {"type": "array", "items": _ID, "uniqueItems": True},
        "stage": {"type": ["string", "null"]},
        "data": _OBJECT,
        "warnings": _CODES,
        "no_warnings": _CODES,
        "status": {"enum": ["running", "suspended", "completed", "terminated"]},
        "path": {"type": "array", "items": _ID, "minItems": 1},
        "incidents": {"type": "integer", "minimum": 0},
    },
}

_GENERATED = {"type": "string", "pattern": "^generated:[a-z][a-z0-9_]*$"}
FILE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        _GENERATED,
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["generated"],
            "properties": {
                "generated": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "defects": {"type": "array", "items": _TEXT},
                "seed": {"type": "integer", "minimum": 0},
                "format": {"enum": ["jpeg", "png", "pdf"]},
            },
        },
    ]
}

STEP_SCHEMAS: dict[str, dict[str, Any]] = {
    "complete": {
        "type": "object",
        "additionalProperties": False,
        "required": ["complete"],
        "properties": {
            "complete": _ID,
            "as": _ID,
            "data": _OBJECT,
            "files": {
                "type": "object",
                "additionalProperties": {"anyOf": [FILE_SCHEMA, {"type": "array", "items": FILE_SCHEMA, "minItems": 1}]},
            },
        },
    },
    "advance": {
        "type": "object",
        "additionalProperties": False,
        "required": ["advance"],
        "properties": {"advance": {"type": "string", "pattern": "^[Pp]"}},
    },
    "message": {
        "type": "object",
        "additionalProperties": False,
        "required": ["message"],
        "properties": {
            "message": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {"name": _ID, "correlation": _OBJECT, "payload": _OBJECT, "id": _ID},
            }
        },
    },
    "expect": {
        "type": "object",
        "additionalProperties": False,
        "required": ["expect"],
        "properties": {"expect": EXPECT_SCHEMA},
    },
}

# The top level; ``steps`` items are checked one by one against STEP_SCHEMAS by the loader.
TOP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["process"],
    "properties": {
        "process": _ID,
        "title": _TEXT,
        "clock": {"type": "string"},
        "sandbox": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "seed": _OBJECT,
                "banks": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"seed": _OBJECT, "faults": _OBJECT},
                    },
                },
                "bureau_faults": _OBJECT,
            },
        },
        "start": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"data": _OBJECT, "subject": _ID, "employer": _ID, "city": _ID},
        },
        "steps": {"type": "array", "items": {"type": "object"}},
        "expect": EXPECT_SCHEMA,
    },
}

SCENARIO_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Shebao Flow scenario test",
    **TOP_SCHEMA,
    "properties": {
        **TOP_SCHEMA["properties"],
        "steps": {"type": "array", "items": {"oneOf": [STEP_SCHEMAS[k] for k in STEP_KINDS]}},
    },
}
