"""How a form's fields travel as HTML form fields: their names, and reading their schemas.

A field posts under its dotted data path (``employee.name``, ``dependants.0.relation``). A few
reserved names carry what plain fields cannot: how many rows an array showed, which stored
attachment a file field keeps, and which add/remove button was pressed. :mod:`forms.render` writes
these names and :mod:`forms.posted` reads them back; both read subschemas through the helpers here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forms.form import Form

ADD_ACTION = "__add"  # button value: the dotted path of the array to add a row to
REMOVE_ACTION = "__remove"  # button value: the row's path, or "<path>:<attachment id>" for one file
KEEP_SUFFIX = "__keep"  # hidden input keeping an attachment already uploaded to a file field
COUNT_SUFFIX = "__count"  # hidden input telling how many rows an array field showed
MAX_REF_DEPTH = 10


def resolve(form: Form, schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """``schema`` with its local ``$ref`` followed (its own keywords win), at most ten levels deep."""
    for _ in range(MAX_REF_DEPTH):
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            break
        schema = {**form.resolve(ref), **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def kind(schema: Mapping[str, Any]) -> str | None:
    """The JSON type a field holds (the first besides ``null``; ``object`` when it only has properties)."""
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if t is None and isinstance(schema.get("properties"), Mapping):
        return "object"
    return t if isinstance(t, str) else None


def choices(schema: Mapping[str, Any]) -> list[tuple[Any, str]] | None:
    """(value, label) of a choice field (``enum`` + ``enumNames``, or ``oneOf``/``anyOf`` of ``const``), else None."""
    if isinstance(schema.get("enum"), list):
        labels = schema.get("enumNames") if isinstance(schema.get("enumNames"), list) else None
        return [(v, str(labels[i]) if labels and i < len(labels) else str(v)) for i, v in enumerate(schema["enum"])]
    for key in ("oneOf", "anyOf"):
        options = schema.get(key)
        if isinstance(options, list) and options and all(isinstance(o, Mapping) and "const" in o for o in options):
            return [(o["const"], str(o.get("title", o["const"]))) for o in options]
    return None


def value_text(value: Any) -> str:
    """A value as an HTML form field carries it (``true``/``false`` for booleans, empty for None)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
