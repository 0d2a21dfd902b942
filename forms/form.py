"""A loaded form: validate data into findings, list file fields, check uploads, describe findings.

Build one with :func:`forms.loading.load_form` (or ``parse_form``), which checks the schema first.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, NoReturn

import referencing
from referencing.exceptions import NoSuchResource

from forms import files
from forms.dialects import Dialect
from forms.error_mapping import findings_for
from forms.files import FileField
from forms.findings import Finding, FormResult, Severity, error
from forms.formats import FILE_FORMAT, FormatRegistry
from forms.messages import describe
from forms.schema_walk import iter_fields, path_matches

_ERRORS: frozenset[Severity] = frozenset({"error"})
_REMARKS: frozenset[Severity] = frozenset({"warning", "note"})


def refuse_remote(uri: str) -> NoReturn:
    """A referencing ``retrieve`` that never goes to the network or the disk."""
    raise NoSuchResource(ref=uri)


class Form:
    """One JSON-Schema form (and its optional UI schema), ready to validate data."""

    def __init__(
        self,
        name: str,
        schema: Mapping[str, Any],
        dialect: Dialect,
        registry: FormatRegistry,
        ui_schema: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.dialect = dialect.name
        self._schema = schema
        self._ui_schema = ui_schema
        self._registry = registry.copy()
        refs = referencing.Registry(retrieve=refuse_remote)
        cls = dialect.validator
        self._errors = cls(schema, format_checker=self._registry.format_checker(_ERRORS), registry=refs)
        self._remarks = cls(schema, format_checker=self._registry.format_checker(_REMARKS), registry=refs)
        self._resolver = dialect.resolver(schema)
        self._fields = list(iter_fields(schema, self.resolve))
        self._file_fields = {
            ".".join(path): files.file_field(".".join(path), sub)
            for path, sub in self._fields
            if sub.get("format") == FILE_FORMAT
        }

    def resolve(self, ref: str) -> Any:
        """The subschema a local ``$ref`` points to.

        :raises referencing.exceptions.Unresolvable: when it points to nothing.
        """
        return self._resolver.lookup(ref).contents

    @property
    def schema(self) -> dict[str, Any]:
        """A copy of the JSON Schema."""
        return copy.deepcopy(dict(self._schema))

    @property
    def ui_schema(self) -> dict[str, Any] | None:
        """A copy of the UI schema, or None."""
        return copy.deepcopy(dict(self._ui_schema)) if self._ui_schema is not None else None

    @property
    def title(self) -> str | None:
        """The form's title from the schema."""
        title = self._schema.get("title")
        return title if isinstance(title, str) else None

    def validate(self, data: Any) -> FormResult:
        """Check ``data`` against the form: errors (blocking), warnings and notes, each with its field."""
        found: list[Finding] = []
        for err in self._errors.iter_errors(data):
            found.extend(findings_for(err, _ERRORS))
        for err in self._remarks.iter_errors(data):
            found.extend(findings_for(err, _REMARKS))
        return FormResult.of(found)

    def file_fields(self) -> list[FileField]:
        """The form's file fields with their upload rules, in schema order."""
        return list(self._file_fields.values())

    def file_field(self, field: str) -> FileField | None:
        """The file field at a dotted path: ``attachments.2``, ``attachments.*`` or the array ``attachments``."""
        parts = tuple(field.split("."))
        for rules in self._file_fields.values():
            pattern = tuple(rules.path.split("."))
            if path_matches(pattern, parts) or (pattern[-1] == "*" and path_matches(pattern[:-1], parts)):
                return rules
        return None

    def check_upload(self, field: str, filename: str, content_type: str, size: int) -> list[Finding]:
        """Findings about an upload to ``field`` before it is stored (empty when it is acceptable)."""
        rules = self.file_field(field)
        if rules is None:
            return [error("FILE_FIELD_UNKNOWN", field, path=field)]
        return [f.at(field) for f in files.check_upload(rules, filename, content_type, size)]

    def field_title(self, field: str) -> str | None:
        """The schema title of the field at a dotted path (e.g. to label a finding), or None."""
        parts = tuple(field.split(".")) if field else ()
        for path, sub in self._fields:
            if path_matches(path, parts) and isinstance(sub.get("title"), str):
                return str(sub["title"])
        return None

    def describe(self, finding: Finding, lang: str = "zh") -> str:
        """The text of a finding in ``lang``, including codes of the registered formats."""
        return describe(finding, lang, catalog=self._registry.messages)

    def __repr__(self) -> str:
        return f"Form({self.name!r}, dialect={self.dialect!r})"
