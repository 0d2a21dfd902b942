"""File fields: a schema says ``"format": "file"``; the data holds a reference to a stored attachment.

The value of a file field is an object ``{"attachment_id": str, "name": str, "content_type": str,
"size": int}`` (other keys are allowed, e.g. a digest). The upload itself goes to the attachment store
first; :func:`check_upload` lets the web layer refuse a file before storing it, and validation checks
the reference again against the same rules. Rules live beside the format: ``"x-accept"`` (MIME types,
``type/*`` allowed) and ``"x-max-bytes"`` (default :data:`DEFAULT_MAX_BYTES`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from forms.findings import Finding, error

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_NAME_LENGTH = 255
REFERENCE_KEYS = ("attachment_id", "name", "content_type", "size")
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/(\*|[a-z0-9][a-z0-9!#$&^_.+-]*)")
_BAD_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")


@dataclass(frozen=True)
class FileField:
    """A file field of a form and its upload rules.

    ``path`` is dotted like finding fields, with ``*`` for any array index (``attachments.*``).
    An empty ``accept`` allows any type.
    """

    path: str
    title: str | None
    accept: tuple[str, ...]
    max_bytes: int

    @property
    def multiple(self) -> bool:
        """True when the field is an array item (several files)."""
        return "*" in self.path.split(".")

    def as_dict(self) -> dict[str, Any]:
        """The field and its rules as plain JSON data."""
        return {
            "path": self.path,
            "title": self.title,
            "accept": list(self.accept),
            "max_bytes": self.max_bytes,
        }


def rule_problems(schema: Mapping[str, Any]) -> list[str]:
    """What is wrong with the file rules of one subschema (empty when they are fine)."""
    problems = []
    is_file = schema.get("format") == "file"
    if not is_file and ("x-accept" in schema or "x-max-bytes" in schema):
        problems.append('"x-accept" and "x-max-bytes" belong beside "format": "file"')
    if is_file and "type" in schema and schema["type"] != "object":
        problems.append('a file field holds an attachment reference: its "type" must be "object"')
    accept = schema.get("x-accept", [])
    if not isinstance(accept, list) or not all(
        isinstance(a, str) and _MEDIA_TYPE.fullmatch(a) for a in accept
    ):
        problems.append(
            '"x-accept" must be a list of lower-case MIME types such as "image/jpeg" or "image/*"'
        )
    limit = schema.get("x-max-bytes", DEFAULT_MAX_BYTES)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        problems.append('"x-max-bytes" must be a positive whole number of bytes')
    return problems


def file_field(path: str, schema: Mapping[str, Any]) -> FileField:
    """The FileField described by a (checked) subschema with ``"format": "file"``."""
    title = schema.get("title")
    return FileField(
        path,
        title if isinstance(title, str) else None,
        tuple(schema.get("x-accept", ())),
        int(schema.get("x-max-bytes", DEFAULT_MAX_BYTES)),
    )


def accepts(accept: tuple[str, ...], content_type: str) -> bool:
    """True when ``content_type`` (parameters ignored) matches one of ``accept`` (or accept is empty)."""
    if not accept:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    major = media.split("/", 1)[0]
    return any(a == media or (a.endswith("/*") and a[:-2] == major) for a in accept)


def check_upload(rules: FileField, filename: str, content_type: str, size: int) -> list[Finding]:
    """Findings about one upload for the field ``rules`` describes (empty when it may be stored)."""
    found = []
    name = filename.strip()
    if not name or len(name) > MAX_NAME_LENGTH or _BAD_NAME.search(name):
        found.append(error("FILE_NAME_INVALID", rules.path, max_length=MAX_NAME_LENGTH))
    if size <= 0:
        found.append(error("FILE_EMPTY", rules.path))
    elif size > rules.max_bytes:
        found.append(error("FILE_TOO_LARGE", rules.path, limit_bytes=rules.max_bytes, size_bytes=size))
    if not accepts(rules.accept, content_type):
        found.append(
            error("FILE_TYPE_NOT_ALLOWED", rules.path, accept=list(rules.accept), content_type=content_type)
        )
    return found


def reference_findings(value: Any, schema: Mapping[str, Any]) -> list[Finding]:
    """Findings about a stored-attachment reference held by a file field (field left empty)."""
    if not isinstance(value, Mapping) or not _is_reference(value):
        return [error("FILE_REFERENCE_INVALID", keys=list(REFERENCE_KEYS))]
    rules = file_field("", schema)
    found = []
    if value["size"] > rules.max_bytes:
        found.append(error("FILE_TOO_LARGE", limit_bytes=rules.max_bytes, size_bytes=value["size"]))
    if not accepts(rules.accept, value["content_type"]):
        found.append(
            error("FILE_TYPE_NOT_ALLOWED", accept=list(rules.accept), content_type=value["content_type"])
        )
    return found


def _is_reference(value: Mapping[str, Any]) -> bool:
    size = value.get("size")
    return (
        all(isinstance(value.get(k), str) and value[k] for k in ("attachment_id", "name", "content_type"))
        and isinstance(size, int)
        and not isinstance(size, bool)
        and size >= 0
    )


def iter_references(value: Any, path: str = "", depth: int = 12) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Attachment references (objects with a string ``attachment_id`` and a ``content_type``) anywhere
    in data, with their dotted paths (``uploads.id_card``, ``attachments.0``), at most ``depth`` deep."""
    if depth < 0:
        return
    if isinstance(value, Mapping):
        if isinstance(value.get("attachment_id"), str) and "content_type" in value:
            yield path, value
            return
        for key, sub in value.items():
            yield from iter_references(sub, f"{path}.{key}" if path else str(key), depth - 1)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from iter_references(sub, f"{path}.{i}" if path else str(i), depth - 1)
