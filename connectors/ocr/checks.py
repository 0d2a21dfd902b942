"""Checks the fields read from a document: required fields, check characters, dates, the case context."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from casework.identifiers import validate_credit_code, validate_resident_id
from connectors.masking import mask_resident_id
from connectors.ocr.doctypes import (
    CONTRACT,
    CONTRIBUTION,
    FIELD_KINDS,
    FIELDS,
    REQUIRED,
    SEPARATION,
    missing_code,
)
from connectors.ocr.model import CaseContext, Finding, Repair

WORKING_AGE = 16
# (earlier, later): the first must not come after the second.
DATE_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    SEPARATION: (("entry_date", "separation_date"), ("entry_date", "issue_date")),
    CONTRIBUTION: (("period_start", "period_end"),),
    CONTRACT: (("contract_start", "contract_end"),),
}
# Dates on which the person must have been of working age.
WORK_DATES = ("entry_date", "contract_start", "period_start")


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value if len(value) == 10 else value + "-01")
        except ValueError:
            return None
    return None


def _same_org(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"[\s()（）]", "", s)

    return norm(a) == norm(b)


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def required(doc_type: str, fields: dict[str, Any]) -> list[Finding]:
    """A finding for each required field the document does not state."""
    need = set(REQUIRED[doc_type])
    if doc_type == CONTRACT and fields.get("contract_term") == "fixed":
        need.add("contract_end")
    return [
        Finding(missing_code(name), {"document": doc_type}, "error")
        for name in FIELDS[doc_type]
        if name in need and fields.get(name) in (None, "")
    ]


def identifiers(fields: dict[str, Any], today: date) -> list[Finding]:
    """Check characters and structure of the ID number and the credit code."""
    out = []
    id_number = fields.get("id_number")
    if id_number:
        result = validate_resident_id(id_number, today=today)
        if not result.valid:
            issue = result.errors[0]
            out.append(
                Finding(
                    "ID_NUMBER_INVALID",
                    {"value": mask_resident_id(id_number), "reason": issue.code, "reason_params": dict(issue.params)},
                    "error",
                )
            )
    code = fields.get("credit_code")
    if code:
        result_cc = validate_credit_code(code)
        if not result_cc.valid:
            issue = result_cc.errors[0]
            # some pilot-era codes fail the check character only: a person confirms those
            severity = "warning" if result_cc.override_possible else "error"
            out.append(
                Finding(
                    "CREDIT_CODE_INVALID",
                    {"value": code, "reason": issue.code, "reason_params": dict(issue.params)},
                    severity,
                )
            )
    return out


def repairs(items: list[Repair]) -> list[Finding]:
    """An information finding for each value repaired with its check character."""
    return [Finding("VALUE_REPAIRED", {"field": r.field, "positions": list(r.positions)}, "info") for r in items]


def dates(doc_type: str, fields: dict[str, Any], today: date) -> list[Finding]:
    """Dates in the wrong order, in the future, or before the person could work; ID card date and sex."""
    out = []
    for earlier, later in DATE_ORDER.get(doc_type, ()):
        a, b = _as_date(fields.get(earlier)), _as_date(fields.get(later))
        if a and b and a > b:
            out.append(
                Finding(
                    "DATES_OUT_OF_ORDER",
                    {"earlier": earlier, "later": later, "earlier_value": fields[earlier], "later_value": fields[later]},
                    "error",
                )
            )
    for name in FIELDS[doc_type]:
        if FIELD_KINDS[name] in ("date", "month") and name != "contract_end":
            value = _as_date(fields.get(name))
            if value and value > today:
                out.append(Finding("DATE_IN_FUTURE", {"field": name, "value": fields[name]}, "warning"))
    id_result = validate_resident_id(fields["id_number"], today=today) if fields.get("id_number") else None
    birth = id_result.birth_date if id_result and id_result.valid else None
    if birth:
        for name in WORK_DATES:
            value = _as_date(fields.get(name))
            if value and name in FIELDS[doc_type] and _age_on(birth, value) < WORKING_AGE:
                out.append(Finding("UNDER_WORKING_AGE", {"field": name, "value": fields[name]}, "warning"))
        printed = _as_date(fields.get("birth_date"))
        if printed and printed != birth:
            out.append(
                Finding("ID_BIRTH_DATE_MISMATCH", {"printed": fields["birth_date"], "from_id": birth.isoformat()}, "warning")
            )
        if fields.get("sex") and id_result and fields["sex"] != id_result.sex:
            out.append(Finding("ID_SEX_MISMATCH", {}, "warning"))
    if doc_type == CONTRIBUTION:
        first, last = _as_date(fields.get("period_start")), _as_date(fields.get("period_end"))
        paid = fields.get("months_paid")
        if first and last and first <= last and isinstance(paid, int):
            span = (last.year - first.year) * 12 + last.month - first.month + 1
            if paid > span:
                out.append(Finding("MONTHS_PAID_EXCEED_PERIOD", {"months_paid": paid, "period_months": span}, "error"))
    return out


def case(doc_type: str | None, fields: dict[str, Any], context: CaseContext) -> list[Finding]:
    """Differences between the document and what the case knows."""
    out = []
    if context.expected_type and doc_type and context.expected_type != doc_type:
        out.append(Finding("DOCUMENT_TYPE_MISMATCH", {"expected_type": context.expected_type, "found_type": doc_type}, "error"))
    name = fields.get("name")
    if context.name and name and re.sub(r"\s", "", name) != re.sub(r"\s", "", context.name):
        out.append(Finding("NAME_MISMATCH", {"found": name, "expected": context.name}, "warning"))
    found_id = fields.get("id_number")
    if context.id_number and found_id and found_id.upper() != context.id_number.strip().upper():
        params = {"found": mask_resident_id(found_id), "expected": mask_resident_id(context.id_number)}
        out.append(Finding("ID_NUMBER_MISMATCH", params, "error"))
    employer = fields.get("employer")
    if context.employer and employer and not _same_org(employer, context.employer):
        out.append(Finding("EMPLOYER_MISMATCH", {"found": employer, "expected": context.employer}, "warning"))
    code = fields.get("credit_code")
    if context.credit_code and code and code.upper() != context.credit_code.strip().upper():
        out.append(Finding("CREDIT_CODE_MISMATCH", {"found": code, "expected": context.credit_code}, "warning"))
    leave = _as_date(fields.get("separation_date"))
    lo, hi = context.separation_from, context.separation_to
    if leave and (lo or hi) and ((lo and leave < lo) or (hi and leave > hi)):
        params = {"value": leave.isoformat(), "start": lo.isoformat() if lo else None, "end": hi.isoformat() if hi else None}
        out.append(Finding("SEPARATION_DATE_OUTSIDE_CASE", params, "warning"))
    return out
