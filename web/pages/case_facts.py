"""What a task page and a case page show beside a form: the case's facts (masked), its risk warnings
with their consequences, its materials and the OCR readings of them, and its history in words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from connectors.masking import mask_resident_id, scrub
from engine.core import AttachmentInfo
from forms.files import iter_references
from web.context import engine
from web.i18n import translate_code


@dataclass(frozen=True)
class OcrResult:
    """One document reading found in the instance data."""

    variable: str
    attachment_id: str | None
    doc_type: str | None
    ok: bool | None
    findings: list[dict[str, Any]]
    fields: dict[str, Any]


def ocr_results(data: Mapping[str, Any]) -> list[OcrResult]:
    """Readings of ``ocr.read_document`` / ``ocr.check_photo`` kept in the data (fields masked)."""
    found: list[OcrResult] = []

    def walk(value: Any, name: str, depth: int) -> None:
        if depth > 4:
            return
        if isinstance(value, Mapping):
            if isinstance(value.get("findings"), list) and isinstance(value.get("codes"), list):
                fields = value.get("fields") if isinstance(value.get("fields"), Mapping) else {}
                found.append(
                    OcrResult(
                        name,
                        str(value["attachment_id"]) if value.get("attachment_id") else None,
                        value.get("type") if isinstance(value.get("type"), str) else None,
                        value.get("ok") if isinstance(value.get("ok"), bool) else None,
                        [f for f in value["findings"] if isinstance(f, Mapping)],
                        scrub(dict(fields)),
                    )
                )
                return
            for key, sub in value.items():
                walk(sub, f"{name}.{key}" if name else str(key), depth + 1)
        elif isinstance(value, list):
            for i, sub in enumerate(value[:50]):
                walk(sub, f"{name}.{i}", depth + 1)

    walk(data, "", 0)
    refs = file_refs(data)
    by_name = {path.rsplit(".", 1)[-1]: ref for path, ref in refs.items()}
    paired = []
    for r in found:
        if r.attachment_id is None:
            ref = by_name.get(r.variable.rsplit(".", 1)[-1])
            if ref is not None:
                r = OcrResult(r.variable, ref, r.doc_type, r.ok, r.findings, r.fields)
        paired.append(r)
    # a process may keep the last reading in a variable of its own too: show each reading once
    shown = [(r.doc_type, r.findings, r.fields) for r in paired if r.attachment_id]
    return [r for r in paired if r.attachment_id or (r.doc_type, r.findings, r.fields) not in shown]


def file_refs(data: Mapping[str, Any]) -> dict[str, str]:
    """Attachment references in the data: dotted path -> attachment id (e.g. ``uploads.id_card``)."""
    return {path: str(ref["attachment_id"]) for path, ref in iter_references(data, depth=5)}


def materials(instance_id: str) -> list[AttachmentInfo]:
    """The files of an instance, oldest first."""
    return engine().attachments_of(instance_id)


def warnings_of(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The case's risk warnings (from the process data) with their texts and consequences."""
    from casework.warnings import CATALOGUE

    items = data.get("warnings") if isinstance(data.get("warnings"), list) else []
    out = []
    order = {"high": 0, "warning": 1, "info": 2}
    for item in items:
        if isinstance(item, str):
            item = {"code": item}
        if not isinstance(item, Mapping) or not isinstance(item.get("code"), str):
            continue
        code = item["code"]
        spec = CATALOGUE.get(code)
        severity = item.get("severity") or (spec.severity if spec else "warning")
        params = item.get("params") if isinstance(item.get("params"), Mapping) else {}
        out.append(
            {
                "code": code,
                "severity": severity,
                "text": translate_code(code, params, context="warning"),
                "consequences": [translate_code(c, params) for c in (spec.consequences if spec else ())],
            }
        )
    return sorted(out, key=lambda w: order.get(w["severity"], 3))


def history_of(instance_id: str) -> list[Any]:
    """The instance's history entries, oldest first."""
    eng = engine()
    with eng.db.reading() as uow:
        return list(eng.history.read(uow.session, instance_id))


def history_text(item: Any) -> str:
    """A history entry in words: the event, and the element or milestone it concerns."""
    text = translate_code("EVENT_" + item.event)
    if text == "EVENT_" + item.event:
        text = item.event
    return text


def summary_of(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The case facts HR reads first (masked): person, employer, places, dates."""
    rows: list[tuple[str, str]] = []
    person = data.get("person") if isinstance(data.get("person"), Mapping) else {}
    employer = data.get("employer") if isinstance(data.get("employer"), Mapping) else {}
    if person.get("name"):
        rows.append((_("Employee"), str(person["name"])))
    if person.get("resident_id"):
        rows.append((_("Resident ID"), mask_resident_id(str(person["resident_id"]))))
    if employer.get("name"):
        rows.append((_("Employer"), str(employer["name"])))
    for key, label in (
        ("old_region", _("Previous insured place")),
        ("region", _("Insured place")),
        ("employment_start", _("Employment start")),
        ("last_paid_month", _("Last month paid at the old place")),
        ("contribution_base", _("Contribution base")),
        ("case_date", _("Case date")),
    ):
        if data.get(key) not in (None, ""):
            rows.append((label, str(scrub(data[key]))))
    return rows
