"""Start forms of the case kinds an employee opens (built per request: titles in the user's language).

The joiner ("I am joining from another province") asks where the employee now works (an employer's
insured place) and what the case needs from the previous place; ``casework.cases.CaseService``
adds ``person``, ``employer``, ``region``, ``case_date`` and ``warnings`` itself.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _

from forms import Form
from web.task_form import form_from_texts

START_KINDS = ("joiner",)


def employers() -> list[Any]:
    """Every registered employer (one deployment serves one employer group: a short list)."""
    from casework.employers import EmployerRegistry
    from web.context import engine

    return EmployerRegistry.from_engine(engine()).find()


def workplaces() -> dict[str, tuple[str, str]]:
    """Choices ``"<employer>:<region>"`` -> (employer id, region) of every employer's insured places."""
    out: dict[str, tuple[str, str]] = {}
    for employer in employers():
        for city in employer.cities:
            out[f"{employer.id}:{city}"] = (employer.id, city)
    return out


def _place_label(employer_name: str, region: str) -> str:
    from casework.divisions import province_name

    province = province_name(region)
    return f"{employer_name} · {region}" + (f"（{province}）" if province else "")


def joiner_schema(places: dict[str, tuple[str, str]], names: dict[str, str]) -> dict[str, Any]:
    """The JSON Schema of the joiner's start form."""
    return {
        "title": _("Joining from another province"),
        "description": _(
            "Tell us where you now work and about your social insurance at the previous place. "
            "HR checks the details; you can upload materials in the next step."
        ),
        "type": "object",
        "required": ["workplace", "old_region", "employment_start", "last_paid_month", "person_category"],
        "properties": {
            "workplace": {
                "title": _("New employer and insured place"),
                "type": "string",
                "enum": list(places),
                "enumNames": [_place_label(names.get(e, e), r) for e, r in places.values()],
            },
            "old_region": {
                "title": _("Previous insured place (6-digit division code)"),
                "description": _("For example 410100 for Zhengzhou. It is on your contribution certificate."),
                "type": "string",
                "pattern": "^[0-9]{6}$",
            },
            "employment_start": {"title": _("First working day at the new employer"), "type": "string", "format": "date"},
            "last_paid_month": {
                "title": _("Last month paid at the previous place"),
                "type": "string",
                "format": "year-month",
            },
            "old_base": {
                "title": _("Previous contribution base (yuan per month)"),
                "type": "number",
                "minimum": 0,
                "maximum": 1000000,
            },
            "person_category": {
                "title": _("You are insured as"),
                "type": "string",
                "oneOf": [
                    {"const": "employee", "title": _("an employee")},
                    {"const": "migrant_worker", "title": _("a migrant worker")},
                    {"const": "flexible", "title": _("flexibly employed")},
                ],
                "default": "employee",
            },
        },
    }


JOINER_UI = {
    "ui:order": ["workplace", "old_region", "employment_start", "last_paid_month", "old_base", "person_category"],
    "person_category": {"ui:widget": "radio"},
    "old_region": {"ui:placeholder": "410100"},
}


def start_form(kind: str) -> tuple[Form, dict[str, tuple[str, str]]]:
    """The start form of ``kind`` and its workplace choices."""
    places = workplaces()
    names = {e.id: e.name for e in employers()}
    schema = joiner_schema(places, names)
    text = json.dumps(schema, ensure_ascii=False, sort_keys=True)
    return form_from_texts(f"start/{kind}.schema.json", text, json.dumps(JOINER_UI)), places
