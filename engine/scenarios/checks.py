"""Expectations of a scenario compared with what an instance shows; pure functions, no database."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_MISSING = object()
# Long digit runs (resident IDs, bank cards) are masked in messages: scenarios print actual data.
_LONG_NUMBER = re.compile(r"\b(\d{4})\d{8,11}(\d{3}[\dXx])\b")


@dataclass(frozen=True)
class Observed:
    """An instance as the checks see it."""

    status: str
    stage: str | None
    ready: list[str]
    data: dict[str, Any]
    path: list[str] = field(default_factory=list)  # element ids of step_completed history, in order
    incidents: list[str] = field(default_factory=list)  # open incidents: "element: error"
    warnings: list[str] | None = None  # risk-flag codes of every branch (what the inbox shows)


@dataclass(frozen=True)
class Mismatch:
    """One failed check: which key, what was expected, what was found, and a sentence saying so."""

    check: str
    expected: Any
    actual: Any
    message: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"check": self.check, "expected": _jsonable(self.expected), "actual": _jsonable(self.actual), "message": self.message}


def render(value: Any, limit: int = 300) -> str:
    """A short JSON-ish rendering with long numbers masked."""
    if value is _MISSING:
        return "(missing)"
    text = json.dumps(_jsonable(value), ensure_ascii=False, default=str)
    text = _LONG_NUMBER.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 8) + m.group(2), text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _jsonable(value: Any) -> Any:
    if value is _MISSING:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def check(expect: dict[str, Any], seen: Observed) -> list[Mismatch]:
    """Every mismatch between ``expect`` and ``seen``, in the order the expectations were written."""
    out: list[Mismatch] = []
    for key, want in expect.items():
        if key == "ready":
            got = sorted(set(seen.ready))
            if sorted(set(want)) != got:
                out.append(Mismatch("ready", sorted(want), got, f"ready tasks: expected {render(sorted(want))}, actual {render(got)}"))
        elif key == "stage":
            if want != seen.stage:
                out.append(Mismatch("stage", want, seen.stage, f"stage: expected {render(want)}, actual {render(seen.stage)}"))
        elif key == "status":
            if want != seen.status:
                out.append(Mismatch("status", want, seen.status, f"status: expected {want}, actual {seen.status}"))
        elif key == "data":
            out += data_mismatches(want, seen.data)
        elif key == "warnings":
            codes = seen.warnings if seen.warnings is not None else warning_codes(seen.data)
            missing = [c for c in want if c not in codes]
            if missing:
                out.append(Mismatch("warnings", want, codes, f"warnings: {', '.join(missing)} missing; present: {render(codes)}"))
        elif key == "no_warnings":
            codes = seen.warnings if seen.warnings is not None else warning_codes(seen.data)
            present = [c for c in want if c in codes]
            if present:
                out.append(Mismatch("no_warnings", want, codes, f"warnings: {', '.join(present)} present but must not be"))
        elif key == "path":
            problem = path_problem(want, seen.path)
            if problem:
                out.append(Mismatch("path", want, seen.path, problem))
        elif key == "incidents":
            if want != len(seen.incidents):
                detail = f" ({'; '.join(seen.incidents)})" if seen.incidents else ""
                out.append(Mismatch("incidents", want, len(seen.incidents), f"open incidents: expected {want}, actual {len(seen.incidents)}{detail}"))
    return out


def warning_codes(data: dict[str, Any]) -> list[str]:
    """The codes of the instance's ``warnings`` list, in order, without repeats."""
    codes: list[str] = []
    for item in data.get("warnings") or []:
        code = item.get("code") if isinstance(item, dict) else None
        if isinstance(code, str) and code not in codes:
            codes.append(code)
    return codes


def lookup(data: Any, key: str) -> Any:
    """The value at a dotted key (``person.name``, ``items.0.code``), or the missing marker."""
    if isinstance(data, dict) and key in data:
        return data[key]
    current = data
    for part in key.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def data_mismatches(expected: dict[str, Any], actual: dict[str, Any]) -> list[Mismatch]:
    """Subset match: every expected (dotted) key must be present with a matching value."""
    out = []
    for key, want in expected.items():
        got = lookup(actual, key)
        if got is _MISSING:
            out.append(Mismatch(f"data.{key}", want, None, f"data.{key}: expected {render(want)}, but there is no such key{_nearby(actual, key)}"))
        elif not matches(want, got):
            out.append(Mismatch(f"data.{key}", want, got, f"data.{key}: expected {render(want)}, actual {render(got)}"))
    return out


def _nearby(actual: dict[str, Any], key: str) -> str:
    """The keys present where a dotted key broke off, to help spot a misspelt or misplaced key."""
    parts = key.split(".")
    for n in range(len(parts) - 1, -1, -1):
        parent = lookup(actual, ".".join(parts[:n])) if n else actual
        if isinstance(parent, dict):
            keys = sorted(str(k) for k in parent)
            shown = ", ".join(keys[:30]) + (", …" if len(keys) > 30 else "")
            return f" ({'data.' + '.'.join(parts[:n]) if n else 'data'} has: {shown or 'nothing'})"
        if parent is not _MISSING:
            return f" (data.{'.'.join(parts[:n])} is {render(parent, 80)})"
    return ""


def matches(want: Any, got: Any) -> bool:
    """Whether ``got`` matches ``want``: mappings as subsets, lists item by item, scalars by value and type."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and matches(v, got[k]) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(got, list | tuple) and len(want) == len(got) and all(matches(w, g) for w, g in zip(want, got, strict=True))
    if isinstance(got, datetime | date):
        got = got.isoformat()
    elif isinstance(got, Decimal):
        got = float(got)
    if isinstance(want, bool) or isinstance(got, bool):
        return type(want) is type(got) and want == got
    if isinstance(want, int | float) and isinstance(got, int | float):
        return want == got
    return type(want) is type(got) and want == got


def path_problem(want: list[str], ran: list[str]) -> str | None:
    """None when ``want`` is a subsequence of ``ran``; otherwise where it broke off."""
    pos = 0
    for i, element in enumerate(want):
        try:
            pos = ran.index(element, pos) + 1
        except ValueError:
            done = f"after {render(want[:i])} " if i else ""
            where = "never ran" if element not in ran else "did not run " + ("after them" if i else "at that point")
            return f"path: {done}{element!r} {where}; ran: {render(ran, 600)}"
    return None
