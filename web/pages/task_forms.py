"""A task's form on a page: load it from the deployed files, read a posted form back into data.

Posted fields are named by dotted data paths (see :mod:`forms.render`). Uploads are checked against
the field's rules with the type taken from the file's content (not the browser's claim), stored as
attachments of the task's instance, and replaced in the data by attachment references.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from engine.db.models import HumanTask, ProcessDefinition, ProcessInstance
from forms import Finding, Form, FormatRegistry, parse_form
from forms.render import ADD_ACTION, COUNT_SUFFIX, KEEP_SUFFIX, REMOVE_ACTION
from web.pages.common import engine


@lru_cache(maxsize=1)
def _formats() -> FormatRegistry:
    from casework.form_formats import register_casework_formats

    return register_casework_formats(FormatRegistry())


@lru_cache(maxsize=256)
def _parse(path: str, schema: str, ui: str | None) -> Form:
    return parse_form(schema, filename=path, ui_schema_source=ui, registry=_formats())


def form_from_texts(path: str, schema: str, ui: str | None) -> Form:
    """A form from file contents (cached by content)."""
    return _parse(path, schema, ui)


def _file_text(session: Any, definition: ProcessDefinition, name: str) -> str | None:
    files = json.loads(definition.files)
    folder = definition.bpmn_path.rsplit("/", 1)[0] + "/" if "/" in definition.bpmn_path else ""
    candidates = [folder + name, name] + sorted(p for p in files if p.endswith("/" + name))
    for candidate in candidates:
        if candidate in files:
            return engine().advancer.definitions.file_text(session, definition, candidate)  # type: ignore[no-any-return]
    return None


def task_form(task: HumanTask) -> Form | None:
    """The form of a task, or None when it has none."""
    if not task.form_schema:
        return None
    eng = engine()
    with eng.db.reading() as uow:
        inst = uow.session.get(ProcessInstance, task.instance_id)
        definition = uow.session.get(ProcessDefinition, inst.definition_id) if inst else None
        if definition is None:
            return None
        schema = _file_text(uow.session, definition, task.form_schema)
        ui = _file_text(uow.session, definition, task.form_ui_schema) if task.form_ui_schema else None
    if schema is None:
        return None
    return form_from_texts(task.form_schema, schema, ui)


# -- reading a posted form ----------------------------------------------------------------------------


@dataclass
class Submission:
    """A posted form read back: data, upload problems, and whether a row was added or removed."""

    data: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    edited: bool = False  # an add/remove button was pressed: show the form again, do not submit


def _resolve(form: Form, schema: Mapping[str, Any]) -> Mapping[str, Any]:
    for _ in range(10):
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            break
        schema = {**form.resolve(ref), **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _kind(schema: Mapping[str, Any]) -> str | None:
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if t is None and isinstance(schema.get("properties"), Mapping):
        return "object"
    return t if isinstance(t, str) else None


def _choice_value(schema: Mapping[str, Any], text: str) -> Any:
    options: list[Any] = []
    if isinstance(schema.get("enum"), list):
        options = schema["enum"]
    for key in ("oneOf", "anyOf"):
        if isinstance(schema.get(key), list):
            options += [o["const"] for o in schema[key] if isinstance(o, Mapping) and "const" in o]
    for option in options:
        shown = "true" if option is True else "false" if option is False else str(option)
        if shown == text:
            return option
    return text


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
    """Reads posted fields (and files) into JSON data following the form's schema."""

    def __init__(self, form: Form, fields: MultiDict[str, str], uploads: Any) -> None:
        self.form = form
        self.fields = fields
        self.uploads = uploads
        self.file_paths: list[tuple[str, bool]] = []  # (path, multiple) of file fields met

    def read(self) -> dict[str, Any]:
        """The data of the whole form."""
        value = self._object(self.form.schema, ())
        return value if isinstance(value, dict) else {}

    def _object(self, schema: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
        schema = _resolve(self.form, schema)
        props = schema.get("properties") if isinstance(schema.get("properties"), Mapping) else {}
        out: dict[str, Any] = {}
        for name, sub in props.items():
            value = self._value(sub, (*path, name))
            if value is not None:
                out[name] = value
        return out

    def _value(self, schema: Mapping[str, Any], path: tuple[str, ...]) -> Any:
        schema = _resolve(self.form, schema)
        name = ".".join(path)
        if schema.get("format") == "file":
            self.file_paths.append((name, False))
            return None
        kind = _kind(schema)
        if kind == "object":
            obj = self._object(schema, path)
            return obj or None
        if kind == "array":
            items = schema.get("items")
            if not isinstance(items, Mapping):
                return None
            items = _resolve(self.form, items)
            if items.get("format") == "file":
                self.file_paths.append((name, True))
                return None
            try:
                count = int(self.fields.get(name + COUNT_SUFFIX, "0"))
            except ValueError:
                count = 0
            rows = [self._value(items, (*path, str(i))) for i in range(min(count, 500))]
            kept = [r for r in rows if r is not None]
            return kept if count else None
        raw = self.fields.getlist(name)
        if not raw:
            return None
        text = raw[-1]
        if kind == "boolean" and not (isinstance(schema.get("enum"), list) or schema.get("oneOf")):
            return text == "true"
        text = text.strip()
        if text == "":
            return None
        if isinstance(schema.get("enum"), list) or isinstance(schema.get("oneOf"), list) or isinstance(schema.get("anyOf"), list):
            return _choice_value(schema, text)
        if kind in ("integer", "number"):
            return _number(text, kind == "integer")
        return text


def _sniff(head: bytes) -> str:
    """The media type of a file from its first bytes (what the server trusts)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    return "application/octet-stream"


def _reference(info: Any) -> dict[str, Any]:
    return {"attachment_id": info.id, "name": info.name, "content_type": info.content_type, "size": info.size}


def _kept(ids: list[str], actor: str, instance_id: str | None) -> list[dict[str, Any]]:
    """References for attachments the form keeps: only this user's uploads (to this instance)."""
    if not ids:
        return []
    allowed = {
        r.id: _reference(r)
        for r in engine().attachments(ids[:50])
        if r.created_by == actor and (instance_id is None or r.instance_id in (instance_id, None))
    }
    return [allowed[i] for i in ids if i in allowed]


def _store(form: Form, path: str, upload: FileStorage, actor: str, instance_id: str | None) -> tuple[dict[str, Any] | None, list[Finding]]:
    rules = form.file_field(path)
    limit = rules.max_bytes if rules else 0
    data = upload.stream.read(limit + 1)
    content_type = _sniff(data[:16])
    name = (upload.filename or "").strip()
    size = len(data)  # past the limit only limit + 1 bytes are read: enough to refuse the file
    problems = form.check_upload(path, name, content_type, size)
    if problems:
        return None, problems
    info = engine().save_attachment(name, content_type, data, instance_id=instance_id, actor=actor)
    return _reference(info), []


def read_submission(
    form: Form, fields: MultiDict[str, str], uploads: Any, *, actor: str, instance_id: str | None, previous: Mapping[str, Any] | None = None
) -> Submission:
    """The data of a posted form: fields typed by the schema, uploads stored, add/remove applied."""
    reader = Reader(form, fields, uploads)
    data = reader.read()
    findings: list[Finding] = []
    for path, multiple in reader.file_paths:
        refs = _kept(fields.getlist(path + KEEP_SUFFIX), actor, instance_id)
        for upload in uploads.getlist(path) if uploads is not None else []:
            if not upload or not upload.filename:
                continue
            ref, problems = _store(form, path + (".*" if multiple else ""), upload, actor, instance_id)
            findings += [Finding(p.code, path, p.params, p.severity) for p in problems]
            if ref is not None:
                refs = [*refs, ref] if multiple else [ref]
        if refs:
            _set(data, path.split("."), refs if multiple else refs[-1])
    edited = False
    add = fields.get(ADD_ACTION)
    remove = fields.get(REMOVE_ACTION)
    if add:
        edited = _add_row(form, data, add)
    elif remove:
        edited = _remove(data, remove)
    return Submission(data, findings, edited)


def _set(data: dict[str, Any], parts: list[str], value: Any) -> None:
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if isinstance(node, list):
            idx = int(part)
            while len(node) <= idx:
                node.append({})
            node = node[idx]
            continue
        if part not in node or not isinstance(node[part], dict | list):
            node[part] = [] if nxt.isdigit() else {}
        node = node[part]
    if isinstance(node, dict):
        node[parts[-1]] = value


def _get(data: Any, parts: list[str]) -> Any:
    node = data
    for part in parts:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def _add_row(form: Form, data: dict[str, Any], path: str) -> bool:
    parts = path.split(".")
    current = _get(data, parts)
    rows = list(current) if isinstance(current, list) else []
    rows.append({})
    _set(data, parts, rows)
    return True


def _remove(data: dict[str, Any], target: str) -> bool:
    if ":" in target:  # a file of a multi-file field: "<path>:<attachment id>"
        path, attachment_id = target.split(":", 1)
        parts = path.split(".")
        current = _get(data, parts)
        if isinstance(current, list):
            _set(data, parts, [r for r in current if not (isinstance(r, Mapping) and r.get("attachment_id") == attachment_id)])
        return True
    parts = target.split(".")
    if not parts[-1].isdigit():
        return False
    parent = _get(data, parts[:-1])
    if isinstance(parent, list) and int(parts[-1]) < len(parent):
        del parent[int(parts[-1])]
    return True

