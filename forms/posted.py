"""Reading a posted HTML form (fields named as :mod:`forms.fields` says) back into JSON data.

Values are typed by the schema: numbers and integers parsed (a value that is not one is kept as text
for validation to report), booleans from their checkbox pair, choices matched to their option's value,
empty text left out. File fields are not read here: the web layer stores their uploads and sets the
references with :func:`set_path` at the paths :attr:`Reader.file_paths` lists. An add or remove
button pressed in the form is applied with :func:`apply_row_action`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from forms.fields import ADD_ACTION, COUNT_SUFFIX, REMOVE_ACTION, choices, kind, resolve, value_text
from forms.form import Form

MAX_ROWS = 500


class PostedFields(Protocol):
    """Posted form fields (e.g. werkzeug's ``MultiDict``)."""

    def get(self, key: str, default: Any = None) -> Any:
        """The first value of ``key``, or ``default``."""

    def getlist(self, key: str) -> list[Any]:
        """Every value of ``key``, in order."""


def _number(text: str, integer: bool) -> Any:
    cleaned = text.replace(",", "").replace("，", "").strip()
    try:
        if integer:
            return int(cleaned)
        value = float(cleaned)
        return int(value) if value.is_integer() and "." not in cleaned else value
    except ValueError:
        return text  # validation reports the type


class Reader:
    """Reads posted fields into JSON data following the form's schema."""

    def __init__(self, form: Form, fields: PostedFields) -> None:
        self.form = form
        self.fields = fields
        self.file_paths: list[tuple[str, bool]] = []  # (dotted path, multiple) of the file fields met

    def read(self) -> dict[str, Any]:
        """The data of the whole form."""
        return self._object(self.form.schema, ())

    def _object(self, schema: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
        schema = resolve(self.form, schema)
        props = schema.get("properties") if isinstance(schema.get("properties"), Mapping) else {}
        out: dict[str, Any] = {}
        for name, sub in props.items():
            value = self._value(sub, (*path, name))
            if value is not None:
                out[name] = value
        return out

    def _value(self, schema: Mapping[str, Any], path: tuple[str, ...]) -> Any:
        schema = resolve(self.form, schema)
        name = ".".join(path)
        if schema.get("format") == "file":
            self.file_paths.append((name, False))
            return None
        field_kind = kind(schema)
        if field_kind == "object":
            return self._object(schema, path) or None
        if field_kind == "array":
            return self._array(schema, path, name)
        raw = self.fields.getlist(name)
        if not raw:
            return None
        text = str(raw[-1])
        options = choices(schema)
        if field_kind == "boolean" and options is None:
            return text == "true"
        text = text.strip()
        if text == "":
            return None
        if options is not None:
            return next((v for v, _label in options if value_text(v) == text), text)
        if field_kind in ("integer", "number"):
            return _number(text, field_kind == "integer")
        return text

    def _array(self, schema: Mapping[str, Any], path: tuple[str, ...], name: str) -> list[Any] | None:
        items = schema.get("items")
        if not isinstance(items, Mapping):
            return None
        items = resolve(self.form, items)
        if items.get("format") == "file":
            self.file_paths.append((name, True))
            return None
        try:
            count = int(self.fields.get(name + COUNT_SUFFIX, "0"))
        except ValueError:
            count = 0
        rows = [self._value(items, (*path, str(i))) for i in range(min(count, MAX_ROWS))]
        return [r for r in rows if r is not None] if count else None


def set_path(data: dict[str, Any], parts: list[str], value: Any) -> None:
    """Put ``value`` at a dotted path split into ``parts``, making objects and lists on the way.

    A list grows by one row at most: a path naming a row further on (posted by hand) changes nothing.
    """
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if isinstance(node, list):
            if not part.isdigit() or int(part) > len(node):
                return
            if int(part) == len(node):
                node.append({})
            node = node[int(part)]
        elif isinstance(node, dict):
            if part not in node or not isinstance(node[part], dict | list):
                node[part] = [] if nxt.isdigit() else {}
            node = node[part]
        else:
            return
    if isinstance(node, dict):
        node[parts[-1]] = value


def get_path(data: Any, parts: list[str]) -> Any:
    """The value at a dotted path split into ``parts``, or None."""
    node = data
    for part in parts:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def apply_row_action(data: dict[str, Any], fields: PostedFields) -> bool:
    """Apply a pressed add-row or remove button to ``data``; True when one was pressed."""
    add, remove = fields.get(ADD_ACTION), fields.get(REMOVE_ACTION)
    if add:
        parts = str(add).split(".")
        current = get_path(data, parts)
        set_path(data, parts, [*(current if isinstance(current, list) else []), {}])
        return True
    if remove:
        return _remove(data, str(remove))
    return False


def _remove(data: dict[str, Any], target: str) -> bool:
    if ":" in target:  # a file of a multi-file field: "<path>:<attachment id>"
        path, attachment_id = target.split(":", 1)
        parts = path.split(".")
        current = get_path(data, parts)
        if isinstance(current, list):
            set_path(data, parts, [r for r in current if not (isinstance(r, Mapping) and r.get("attachment_id") == attachment_id)])
        return True
    parts = target.split(".")
    if not parts[-1].isdigit():
        return False
    parent = get_path(data, parts[:-1])
    if isinstance(parent, list) and int(parts[-1]) < len(parent):
        del parent[int(parts[-1])]
    return True
