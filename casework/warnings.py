"""The catalogue of risk warnings a case can carry, and building and merging them.

A warning is plain JSON kept in the process data list ``warnings``::

    {"code": "GAP_FORECAST", "severity": "warning",
     "params": {"gap_months": 2, "last_paid_month": "2025-12", "start_month": "2026-03"}}

Each code has a severity (``info`` < ``warning`` < ``high``), the parameters it needs, and message
codes for what it means and what follows from it (``consequences``): the web translates those codes.
``MESSAGES`` holds reference texts (zh, en) for every message code here, so that translators and the
command line have them; the web's catalogue may word them differently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from casework.calculations import parse_month
from casework.warning_texts import MESSAGES

Severity = Literal["info", "warning", "high"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "high")

# Parameter kinds: how a parameter is checked and normalised.
#   int: a whole number >= 0; number: a number >= 0; number?: a number >= 0 or None (unknown);
#   month: "YYYY-MM"; date: "YYYY-MM-DD"; text: a non-empty string; list: a list of JSON values.
ParamKind = Literal["int", "number", "number?", "month", "date", "text", "list"]


@dataclass(frozen=True)
class WarningSpec:
    """One catalogue entry: code, severity, parameters (name -> kind), consequence message codes."""

    code: str
    severity: Severity
    params: Mapping[str, ParamKind]
    consequences: tuple[str, ...] = ()


CATALOGUE: dict[str, WarningSpec] = {
    s.code: s
    for s in (
        WarningSpec(
            "GAP_FORECAST", "warning", {"gap_months": "int", "last_paid_month": "month", "start_month": "month"},
            ("CONSEQUENCE_GAP_PENSION_YEARS", "CONSEQUENCE_GAP_BACK_PAY"),
        ),
        WarningSpec(
            "MEDICAL_WAITING_PERIOD", "high", {"gap_months": "int", "max_wait_months": "int"},
            ("CONSEQUENCE_MEDICAL_WAITING_PERIOD",),
        ),
        WarningSpec("CONTINUITY_BROKEN", "warning", {"gap_months": "int"}, ("CONSEQUENCE_CONTINUITY_ELIGIBILITY",)),
        WarningSpec("BASE_CONFLICT", "warning", {"old_base": "number", "new_base": "number"}, ("CONSEQUENCE_BASE_CONFIRM",)),
        WarningSpec(
            "BASE_OUT_OF_BOUNDS", "high", {"base": "number", "lower": "number?", "upper": "number?"},
            ("CONSEQUENCE_BASE_ADJUSTED",),
        ),
        WarningSpec("DUPLICATE_CARDS", "high", {"count": "int", "banks": "list"}, ("CONSEQUENCE_DUPLICATE_CARDS",)),
        WarningSpec("ENROLMENT_DEADLINE_AT_RISK", "warning", {"deadline": "date"}, ("CONSEQUENCE_ENROLMENT_DEADLINE",)),
        WarningSpec("ENROLMENT_DEADLINE_MISSED", "high", {"deadline": "date"}, ("CONSEQUENCE_ENROLMENT_LATE",)),
        WarningSpec("STAGE_OVERDUE", "warning", {"stage": "text"}, ("CONSEQUENCE_STAGE_ESCALATED",)),
        WarningSpec(
            "UNVERIFIED_LOCAL_RULE", "info", {"decision": "text", "region": "text"}, ("CONSEQUENCE_CONFIRM_LOCALLY",)
        ),
        WarningSpec(
            "FILING_WINDOW_MISSED", "warning", {"next_window_opens": "date"}, ("CONSEQUENCE_FILING_NEXT_WINDOW",)
        ),
        WarningSpec(
            "TEMPORARY_ACCOUNT", "warning", {"age": "int", "hukou_province": "text"}, ("CONSEQUENCE_TEMPORARY_ACCOUNT",)
        ),
        WarningSpec("OCR_FINDINGS", "warning", {"document": "text", "findings": "list"}, ("CONSEQUENCE_OCR_CHECK",)),
    )
}

# The medical-insurance waiting period after a gap of more than 3 months is at most 6 months
# (医保办发〔2021〕43号).
MEDICAL_GAP_TOLERANCE_MONTHS = 3
MEDICAL_MAX_WAIT_MONTHS = 6


def _number(name: str, value: Any, optional: bool) -> int | float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"parameter {name!r} must be a number, got {value!r}")
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if value != value or value in (float("inf"), float("-inf")) or value < 0:  # NaN, infinities, negatives
        raise ValueError(f"parameter {name!r} must be a finite number >= 0, got {value!r}")
    return value


def _param(name: str, kind: ParamKind, value: Any) -> Any:
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"parameter {name!r} must be a whole number >= 0, got {value!r}")
        return value
    if kind in ("number", "number?"):
        return _number(name, value, kind == "number?")
    if kind == "month":
        year, month = parse_month(value)
        return f"{year:04d}-{month:02d}"
    if kind == "date":
        return _date_param(name, value)
    if kind == "text":
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"parameter {name!r} must be a non-empty text, got {value!r}")
        return value
    if not isinstance(value, list | tuple):
        raise ValueError(f"parameter {name!r} must be a list, got {value!r}")
    out = list(value)
    try:
        json.dumps(out)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"parameter {name!r} must hold JSON values only") from exc
    return out


def _date_param(name: str, value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            pass
    raise ValueError(f"parameter {name!r} must be a date YYYY-MM-DD, got {value!r}")


def make_warning(code: str, **params: Any) -> dict[str, Any]:
    """A warning dict for ``code`` with its catalogue severity and checked, JSON-ready parameters.

    :raises ValueError: for an unknown code, a missing or unexpected parameter, or a parameter of the
        wrong kind (the message names it).
    """
    spec = CATALOGUE.get(code) if isinstance(code, str) else None
    if spec is None:
        raise ValueError(f"unknown warning code {code!r}; known: {', '.join(sorted(CATALOGUE))}")
    missing = sorted(set(spec.params) - set(params))
    extra = sorted(set(params) - set(spec.params))
    if missing or extra:
        parts = [f"missing {', '.join(missing)}" if missing else "", f"unexpected {', '.join(extra)}" if extra else ""]
        raise ValueError(f"warning {code}: " + "; ".join(p for p in parts if p))
    try:
        checked = {name: _param(name, kind, params[name]) for name, kind in spec.params.items()}
    except ValueError as exc:
        raise ValueError(f"warning {code}: {exc}") from None
    return {"code": code, "severity": spec.severity, "params": checked}


def check_warning(item: Any) -> dict[str, Any]:
    """``item`` rebuilt through :func:`make_warning` (so its severity is the catalogue's).

    :raises ValueError: when it is not ``{"code": str, "params": {...}}`` of a catalogue code.
    """
    if not isinstance(item, Mapping) or not isinstance(item.get("code"), str):
        raise ValueError(f"a warning is a mapping with a 'code'; got {item!r}")
    params = item.get("params") or {}
    if not isinstance(params, Mapping):
        raise ValueError(f"warning {item['code']}: 'params' must be a mapping")
    return make_warning(item["code"], **dict(params))


def warning_key(item: Mapping[str, Any]) -> str:
    """What makes two warnings the same: the code and the parameters (canonical JSON)."""
    return json.dumps([item.get("code"), item.get("params") or {}], sort_keys=True, ensure_ascii=False, default=str)


def merge_warnings(existing: Iterable[Any] | None, new_items: Iterable[Any] | Any | None) -> list[dict[str, Any]]:
    """``existing`` followed by the items of ``new_items`` not already present (same code and params).

    Existing items are kept as they are (another process may have added them); new items are checked
    against the catalogue. ``new_items`` may be one warning or a list of them; None adds nothing.

    :raises ValueError: when ``existing`` is not a list of warnings or a new item is not a valid warning.
    """
    if existing is None:
        existing = []
    if isinstance(existing, Mapping | str) or not isinstance(existing, Iterable):
        raise ValueError(f"warnings must be a list, got {type(existing).__name__}")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in existing:
        if not isinstance(item, Mapping) or not isinstance(item.get("code"), str):
            raise ValueError(f"warnings must hold mappings with a 'code'; got {item!r}")
        key = warning_key(item)
        if key not in seen:
            seen.add(key)
            out.append(dict(item))
    if new_items is None:
        return out
    items = [new_items] if isinstance(new_items, Mapping) else new_items
    if isinstance(items, str) or not isinstance(items, Iterable):
        raise ValueError(f"new warnings must be a warning or a list of warnings, got {type(new_items).__name__}")
    for item in items:
        checked = check_warning(item)
        key = warning_key(checked)
        if key not in seen:
            seen.add(key)
            out.append(checked)
    return out


def severity_rank(severity: str) -> int:
    """0 for info, 1 for warning, 2 for high (-1 when unknown): for sorting, highest first."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def sort_by_severity(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Warnings ordered highest severity first, keeping the given order within a severity."""
    return sorted((dict(i) for i in items), key=lambda i: -severity_rank(str(i.get("severity"))))


def consequences(code: str) -> tuple[str, ...]:
    """The consequence message codes of a warning code (empty when unknown)."""
    spec = CATALOGUE.get(code)
    return spec.consequences if spec else ()

__all__ = [
    "CATALOGUE",
    "MEDICAL_GAP_TOLERANCE_MONTHS",
    "MEDICAL_MAX_WAIT_MONTHS",
    "MESSAGES",
    "SEVERITIES",
    "WarningSpec",
    "check_warning",
    "consequences",
    "make_warning",
    "merge_warnings",
    "severity_rank",
    "sort_by_severity",
    "warning_key",
]
