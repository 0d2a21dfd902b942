"""The domain functions offered to BPMN expressions and scripts (``FUNCTIONS``).

The composition root passes them to the engine: ``Engine(settings, operators,
functions=casework.expressions.FUNCTIONS)``. Each is pure, takes and returns JSON values (dates may
also be ``date``/``datetime`` objects, as task data can hold them) and raises ``ValueError`` with a
clear message for input it cannot use; the engine reports that as the script's error.

A script task typically does::

    warnings = add_warnings(warnings, gap_warnings(last_paid_month, month_of(employment_start)))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from casework import calculations, divisions
from casework.warnings import (
    MEDICAL_GAP_TOLERANCE_MONTHS,
    MEDICAL_MAX_WAIT_MONTHS,
    make_warning,
    merge_warnings,
)

# Age from which a move to a province that is not the hukou province keeps the pension relationship at
# the old place and opens a temporary contribution account (国办发〔2009〕66号).
TEMPORARY_ACCOUNT_AGE = {"M": 50, "F": 40}

# A new base that differs from the previous one by more than this share of it is a BASE_CONFLICT.
BASE_CONFLICT_TOLERANCE = 0.2


def _date(name: str, value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise ValueError(f"{name} must be a date 'YYYY-MM-DD', got {value!r}")


def month_gap(last_paid_month: Any, start_month: Any) -> int:
    """Unpaid months between the last paid month and the first month at the new place (>= 0)."""
    return calculations.month_gap(last_paid_month, start_month)


def gap_warnings(last_paid_month: Any, start_month: Any) -> list[dict[str, Any]]:
    """GAP_FORECAST and CONTINUITY_BROKEN when a gap is expected, plus MEDICAL_WAITING_PERIOD when it is
    over 3 months; empty without a gap or without a last paid month (no earlier coverage)."""
    if last_paid_month in (None, ""):
        return []
    gap = calculations.month_gap(last_paid_month, start_month)
    if gap <= 0:
        return []
    last, start = calculations.month_of(last_paid_month), calculations.month_of(start_month)
    out = [make_warning("GAP_FORECAST", gap_months=gap, last_paid_month=last, start_month=start)]
    if gap > MEDICAL_GAP_TOLERANCE_MONTHS:
        out.append(make_warning("MEDICAL_WAITING_PERIOD", gap_months=gap, max_wait_months=MEDICAL_MAX_WAIT_MONTHS))
    out.append(make_warning("CONTINUITY_BROKEN", gap_months=gap))
    return out


def _plain(number: Any) -> int | float:
    value = float(number)
    return int(value) if value.is_integer() else value


def base_warnings(
    base: Any, lower: Any, upper: Any, old_base: Any = None, tolerance: Any = BASE_CONFLICT_TOLERANCE
) -> list[dict[str, Any]]:
    """BASE_OUT_OF_BOUNDS when ``base`` is outside [lower, upper] (a None bound is unknown and not
    checked); BASE_CONFLICT when ``old_base`` is given and ``base`` differs from it by more than
    ``tolerance`` (a share of the old base, default 0.2)."""
    check = calculations.check_base(base, lower, upper)
    out: list[dict[str, Any]] = []
    if not check.within:
        out.append(
            make_warning(
                "BASE_OUT_OF_BOUNDS",
                base=_plain(check.base),
                lower=None if check.lower is None else _plain(check.lower),
                upper=None if check.upper is None else _plain(check.upper),
            )
        )
    if old_base not in (None, "", 0):
        old = calculations.check_base(old_base, None, None).base
        if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance < 0:
            raise ValueError(f"tolerance must be a number >= 0, got {tolerance!r}")
        if abs(float(check.base) - float(old)) > float(old) * float(tolerance):
            out.append(make_warning("BASE_CONFLICT", old_base=_plain(old), new_base=_plain(check.base)))
    return out


def add_warnings(warnings: Any, new_items: Any) -> list[dict[str, Any]]:
    """``warnings`` plus the new items not already in it (same code and params); use as
    ``warnings = add_warnings(warnings, ...)``. A missing ``warnings`` (None) counts as empty."""
    return merge_warnings(warnings, new_items)


def warning(code: Any, params: Any = None) -> dict[str, Any]:
    """One catalogue warning, e.g. ``warning('STAGE_OVERDUE', {'stage': '社保转移中'})``."""
    if params is not None and not isinstance(params, Mapping):
        raise ValueError(f"warning params must be a mapping, got {params!r}")
    return make_warning(code, **dict(params or {}))


def age_on(birth_date: Any, on_date: Any) -> int:
    """Age in full years on ``on_date`` (a birthday on 29 February counts from 1 March)."""
    born, day = _date("birth_date", birth_date), _date("on_date", on_date)
    if day < born:
        raise ValueError(f"on_date {day.isoformat()} is before the birth date {born.isoformat()}")
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _person_field(person: Mapping[str, Any], name: str) -> Any:
    value = person.get(name)
    if value in (None, ""):
        raise ValueError(f"person.{name} is needed")
    return value


def needs_temporary_account(person: Any, region: Any, on_date: Any) -> bool:
    """Whether a move to ``region`` opens a temporary contribution account: men 50+ and women 40+ on
    ``on_date`` whose hukou province is not the province of ``region``."""
    if not isinstance(person, Mapping):
        raise ValueError(f"person must be a mapping with gender, birth_date and hukou_province, got {person!r}")
    gender = _person_field(person, "gender")
    if gender not in TEMPORARY_ACCOUNT_AGE:
        raise ValueError(f"person.gender must be 'M' or 'F', got {gender!r}")
    hukou = str(_person_field(person, "hukou_province"))[:2]
    if hukou not in divisions.PROVINCES:
        raise ValueError(f"person.hukou_province must be a province code such as '41', got {hukou!r}")
    age = age_on(_person_field(person, "birth_date"), on_date)
    return age >= TEMPORARY_ACCOUNT_AGE[gender] and divisions.province_of(region) != hukou


def temporary_account_warnings(person: Any, region: Any, on_date: Any) -> list[dict[str, Any]]:
    """[TEMPORARY_ACCOUNT] when :func:`needs_temporary_account` holds, else []."""
    if not needs_temporary_account(person, region, on_date):
        return []
    age = age_on(person["birth_date"], on_date)
    return [make_warning("TEMPORARY_ACCOUNT", age=age, hukou_province=str(person["hukou_province"])[:2])]


def unverified_rule_warnings(decision: Any, region: Any, verified: Any, level: Any = None) -> list[dict[str, Any]]:
    """[UNVERIFIED_LOCAL_RULE] unless a verified row answered; ``verified`` may be one flag or the
    list a COLLECT decision gives (every row must be verified). An empty answer (None, []) is
    unverified. ``level`` is accepted for symmetry with the decision outputs and not used."""
    flags = verified if isinstance(verified, list | tuple) else [verified]
    ok = bool(flags) and all(f is True for f in flags)
    if ok:
        return []
    return [make_warning("UNVERIFIED_LOCAL_RULE", decision=str(decision), region=str(region))]


def province_of(division_code: Any) -> str:
    """The 2-digit province of a 6-digit division code: ``'440305'`` -> ``'44'``."""
    return divisions.province_of(division_code)


def city_of(division_code: Any) -> str:
    """The 6-digit city code of a division code: ``'440305'`` -> ``'440300'``."""
    return divisions.city_code(division_code)


def month_of(date_str: Any) -> str:
    """The ``'YYYY-MM'`` month of a date: ``'2026-03-15'`` -> ``'2026-03'``."""
    return calculations.month_of(date_str)


def add_months(month: Any, n: Any) -> str:
    """The month ``n`` months after ``month`` (before it when negative): ``('2025-12', 2)`` -> ``'2026-02'``."""
    if isinstance(n, bool) or not isinstance(n, int) or abs(n) > 12 * 1000:
        raise ValueError(f"n must be a whole number of months (at most 12000 either way), got {n!r}")
    return calculations.add_months(month, n)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "month_gap": month_gap,
    "gap_warnings": gap_warnings,
    "base_warnings": base_warnings,
    "add_warnings": add_warnings,
    "warning": warning,
    "age_on": age_on,
    "needs_temporary_account": needs_temporary_account,
    "temporary_account_warnings": temporary_account_warnings,
    "unverified_rule_warnings": unverified_rule_warnings,
    "province_of": province_of,
    "city_of": city_of,
    "month_of": month_of,
    "add_months": add_months,
}
