"""The values printed on generated documents, and the case contexts that go with them."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from connectors.ocr import synth_identity as ident
from connectors.ocr.doctypes import CONTRACT, CONTRIBUTION, ID_CARD, SEPARATION

LATEST = date(2025, 5, 31)


def later(rng: random.Random, start: date, days: tuple[int, int], cap: date = LATEST) -> date:
    """A date some ``days`` (a range) after ``start``, never after ``cap``."""
    return min(cap, start + timedelta(days=rng.randrange(*days)))


def career(rng: random.Random, person: ident.Person) -> tuple[date, date]:
    """A joining and a leaving date for ``person``, joining at 18 or later."""
    adult = date(person.birth_date.year + 18, 1, 1) + timedelta(days=200)
    entry = ident.random_date(rng, max(date(2012, 1, 1), adult), date(2022, 6, 30))
    return entry, later(rng, entry, (200, 2500))


def document_values(rng: random.Random, spec: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The printed values of the document ``spec`` (a generator DocumentSpec) describes, and the extra
    facts its layout needs or its truth leaves out."""
    drawn = ident.person(rng)  # drawn even when a subject is given, so the seed's other choices stay
    person = getattr(spec, "subject", None) or drawn
    employer = ident.employer(rng)
    extra: dict[str, Any] = {"sex": person.sex, "person": person}
    defects = set(spec.defects)
    if spec.type == SEPARATION:
        entry, leave = career(rng, person)
        if "separation_before_entry" in defects:
            leave = entry - timedelta(days=rng.randrange(30, 400))
        v: dict[str, Any] = {
            "name": person.name,
            "id_number": person.id_number,
            "employer": employer.name,
            "credit_code": employer.credit_code if rng.random() < 0.7 else None,
            "entry_date": entry,
            "separation_date": leave,
            "issue_date": later(rng, max(entry, leave), (0, 8), cap=date(2025, 6, 10)),
        }
    elif spec.type == CONTRIBUTION:
        entry, leave = career(rng, person)
        first, last = entry.replace(day=1), leave.replace(day=1)
        span = ident.months_between(first, last)
        months = span - rng.choice((0, 0, 0, 1, 2))
        if "months_exceed_period" in defects:
            months = span + rng.randrange(3, 13)
        if "period_reversed" in defects:
            first, last = last, first
        agency = ident.agency(rng, employer.city)
        v = {
            "name": person.name,
            "id_number": person.id_number,
            "employer": employer.name if rng.random() < 0.85 else None,
            "credit_code": None,
            "period_start": first,
            "period_end": last,
            "months_paid": months,
            "contribution_base": float(rng.randrange(4200, 30000)) + (0.5 if rng.random() < 0.2 else 0.0),
            "issuer": agency.name,
            "issue_date": later(rng, max(first, last) + timedelta(days=32), (0, 40), cap=date(2025, 6, 10)),
        }
        if v["employer"] and rng.random() < 0.7:
            v["credit_code"] = employer.credit_code
        extra["seal_caption"] = "业务专用章"
    elif spec.type == ID_CARD:
        birth = person.birth_date
        if "birth_date_mismatch" in defects:
            birth = birth.replace(year=birth.year + rng.choice((-2, -1, 1, 2)), day=min(birth.day, 28))
        v = {
            "name": person.name,
            "sex": person.sex,
            "ethnicity": person.ethnicity,
            "birth_date": birth,
            "id_number": person.id_number,
        }
        extra["address"] = person.address
    elif spec.type == CONTRACT:
        start = ident.random_date(rng, max(date(2015, 1, 1), date(person.birth_date.year + 19, 3, 1)), date(2024, 12, 1))
        fixed = rng.random() < 0.75 if spec.term is None else spec.term == "fixed"
        end = start.replace(year=start.year + rng.choice((1, 2, 3, 5)), day=min(start.day, 28)) - timedelta(days=1)
        if "contract_end_before_start" in defects:
            end = start - timedelta(days=rng.randrange(200, 700))
            fixed = True
        if "missing:contract_end" in defects:
            fixed = True
        v = {
            "employer": employer.name,
            "credit_code": employer.credit_code if rng.random() < 0.8 else None,
            "name": person.name,
            "id_number": person.id_number,
            "contract_term": "fixed" if fixed else "open_ended",
            "contract_start": start,
            "contract_end": end if fixed else None,
        }
        extra["legal_rep"] = ident.person(rng).name
        extra["employer_address"] = employer.address
        extra["probation_end"] = start + timedelta(days=rng.choice((30, 60, 90, 180)) - 1) if rng.random() < 0.6 else None
    else:
        raise ValueError(f"unknown document type {spec.type!r}")
    for defect in spec.defects:
        kind, _, arg = defect.partition(":")
        if kind == "bad_check":
            if arg == "id_number":
                v[arg] = ident.wrong_check(rng, person.id_number, "0123456789X")
            elif arg == "credit_code" and "credit_code" in v:
                v[arg] = ident.wrong_check(rng, employer.credit_code, ident.CREDIT_ALPHABET)
                v["employer"] = v["employer"] or employer.name
            else:
                raise ValueError(f"{spec.type}: cannot spoil {arg!r}")
        elif kind in ("missing", "glare"):
            if arg not in v:
                raise ValueError(f"{spec.type} has no field {arg!r}")
            v[arg] = None
    extra["employer_org"] = employer
    return v, extra


def case_context(rng: random.Random, spec: Any, v: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any] | None:
    """The case context given to the reader with the document: the truth's, unless a ``case:`` defect
    makes one part disagree; None when the spec asks for none."""
    if not spec.with_case and not any(d.startswith("case:") for d in spec.defects):
        return None
    person: ident.Person = extra["person"]
    case: dict[str, Any] = {"name": person.name, "id_number": person.id_number, "expected_type": spec.type}
    if spec.type in (SEPARATION, CONTRACT) or (spec.type == CONTRIBUTION and v.get("employer")):
        case["employer"] = extra["employer_org"].name
    if spec.type == SEPARATION and v.get("separation_date"):
        leave: date = v["separation_date"]
        case["separation_from"] = (leave - timedelta(days=rng.randrange(3, 20))).isoformat()
        case["separation_to"] = (leave + timedelta(days=rng.randrange(3, 20))).isoformat()
    for defect in spec.defects:
        if defect == "case:name":
            other = ident.person(rng).name
            while other == person.name:
                other = ident.person(rng).name
            case["name"] = other
        elif defect == "case:id_number":
            case["id_number"] = ident.person(rng).id_number
        elif defect == "case:separation_range":
            leave = v["separation_date"]
            case["separation_from"] = (leave + timedelta(days=rng.randrange(40, 90))).isoformat()
            case["separation_to"] = (leave + timedelta(days=rng.randrange(120, 200))).isoformat()
        elif defect == "case:type":
            case["expected_type"] = SEPARATION if spec.type != SEPARATION else CONTRIBUTION
    return case
