"""What form validation reports: findings (code, field, parameters, severity) and their collection."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from dataclasses import field as dataclass_field
from typing import Any, Literal

Severity = Literal["error", "warning", "note"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "note")


@dataclass(frozen=True)
class Finding:
    """One problem or remark about form data.

    ``field`` is a dotted path into the data (``employee.resident_id``, ``children.0.name``; ``""`` for
    the whole form). ``params`` are JSON values filling the message template of ``code``. Errors block
    submission; warnings and notes never do.
    """

    code: str
    field: str = ""
    params: Mapping[str, Any] = dataclass_field(default_factory=dict, hash=False)
    severity: Severity = "error"

    def at(self, path: str) -> Finding:
        """The same finding attached to the field at ``path``."""
        return replace(self, field=path)

    def as_dict(self) -> dict[str, Any]:
        """The finding as plain JSON data."""
        return {
            "code": self.code,
            "field": self.field,
            "params": dict(self.params),
            "severity": self.severity,
        }

    def key(self) -> tuple[str, str, str, str]:
        """A hashable identity, used to drop duplicates."""
        return (self.code, self.field, self.severity, json.dumps(self.params, sort_keys=True, default=str))


def error(code: str, field: str = "", **params: Any) -> Finding:
    """An error finding."""
    return Finding(code, field, params, "error")


def warning(code: str, field: str = "", **params: Any) -> Finding:
    """A warning finding (never blocks)."""
    return Finding(code, field, params, "warning")


def note(code: str, field: str = "", **params: Any) -> Finding:
    """A note finding (information only)."""
    return Finding(code, field, params, "note")


def unique(findings: Iterable[Finding]) -> list[Finding]:
    """The findings without duplicates, first occurrence first."""
    seen: set[tuple[str, str, str, str]] = set()
    out = []
    for f in findings:
        if f.key() not in seen:
            seen.add(f.key())
            out.append(f)
    return out


@dataclass(frozen=True)
class FormResult:
    """The outcome of validating form data: errors block, warnings and notes do not."""

    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> FormResult:
        """Sort findings into errors, warnings and notes (duplicates dropped)."""
        items = unique(findings)
        return cls(
            [f for f in items if f.severity == "error"],
            [f for f in items if f.severity == "warning"],
            [f for f in items if f.severity == "note"],
        )

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return not self.errors

    def for_field(self, path: str) -> list[Finding]:
        """All findings about the field at ``path``."""
        return [f for f in (*self.errors, *self.warnings, *self.notes) if f.field == path]

    def as_dict(self) -> dict[str, Any]:
        """``{"ok", "errors", "warnings", "notes"}`` as plain JSON data."""
        return {
            "ok": self.ok,
            "errors": [f.as_dict() for f in self.errors],
            "warnings": [f.as_dict() for f in self.warnings],
            "notes": [f.as_dict() for f in self.notes],
        }
