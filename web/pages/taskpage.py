"""The task page shared by the HR inbox and the employee portal: form, materials, OCR, warnings, history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from connectors.masking import scrub
from engine.core import AttachmentInfo
from engine.db.models import HumanTask, TaskStatus
from engine.errors import Conflict, EngineError, InvalidInput
from forms import Finding, Form
from forms.render import RenderContext, render_form
from web.auth import current_user
from web.i18n import current_locale, human_size, translate_code
from web.pages.common import engine
from web.pages.drafts import drop_draft, load_draft, save_draft
from web.pages.task_forms import read_submission, task_form


def form_texts() -> dict[str, str]:
    """The texts forms.render needs, in the request's language."""
    return {
        "add": _("Add"),
        "remove": _("Remove"),
        "required": _("required"),
        "accept": _("Accepted types: {types}"),
        "max_size": _("at most {size}"),
        "current_file": _("Uploaded: {name}"),
        "replace_file": _("Choose another file to replace it."),
        "choose": _("— choose —"),
        "item": _("Item {n}"),
    }


def describe_finding(form: Form | None) -> Any:
    """A function giving a finding's text (the form's title prefixed for whole-form findings)."""

    def describe(f: Finding) -> str:
        return translate_code(f.code, f.params, context="form")

    return describe


def render_fields(form: Form, values: Mapping[str, Any], findings: list[Finding]) -> Markup:
    """The HTML of a form's fields with values and findings."""
    return render_form(
        RenderContext(
            form=form,
            values=values,
            findings=findings,
            describe=describe_finding(form),
            texts=form_texts(),
            file_url=lambda attachment_id: url_for("site.file", attachment_id=attachment_id),
            human_size=human_size,
        )
    )


def prefill(form: Form, data: Mapping[str, Any]) -> dict[str, Any]:
    """The instance data a form starts with: the values of its top-level fields."""
    props = form.schema.get("properties") or {}
    return {k: data[k] for k in props if k in data}


# -- what the page shows beside the form ----------------------------------------------------------


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
    out: dict[str, str] = {}

    def walk(value: Any, name: str, depth: int) -> None:
        if depth > 5:
            return
        if isinstance(value, Mapping):
            if isinstance(value.get("attachment_id"), str) and "content_type" in value:
                out[name] = value["attachment_id"]
                return
            for key, sub in value.items():
                walk(sub, f"{name}.{key}" if name else str(key), depth + 1)
        elif isinstance(value, list):
            for i, sub in enumerate(value[:50]):
                walk(sub, f"{name}.{i}", depth + 1)

    walk(data, "", 0)
    return out


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
        from connectors.masking import mask_resident_id

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


# -- the page ---------------------------------------------------------------------------------------


def _works_on(user: Any, row: HumanTask) -> bool:
    """Whether ``user`` holds the task (claimed by them, or reserved to their person)."""
    if row.assignee and user.task_assignee and row.assignee == user.task_assignee:
        return True
    return bool(row.assignee) and row.assignee == user.actor


def _reveal(user: Any, inst: Any, reason: str) -> str | None:
    """The full resident ID of the instance's person (audited), or None with a message why not."""
    from web.pages.portal import casework

    if not inst.subject_person:
        flash(_("This case names no person."), "error")
        return None
    try:
        return str(casework().people.reveal_resident_id(inst.subject_person, user.actor, reason))
    except EngineError as exc:
        flash(translate_code(exc.code, exc.params), "error")
        return None


def task_page(task_id: str, *, back: str, done: str, reveal_reason: str | None = None) -> Any:
    """Show (GET) or save/submit (POST) a task's form with everything HR needs beside it.

    With ``reveal_reason`` (HR only) the page also shows the person's full resident ID, audited.
    """
    from web.access import check_instance, check_task

    user = current_user()
    eng = engine()
    row = eng.tasks.get(task_id)
    check_task(user, row, "view")
    inst = eng.instances.get(row.instance_id)
    check_instance(user, inst)
    form = task_form(row)
    open_task = row.status == TaskStatus.OPEN
    mine = open_task and _works_on(user, row)
    data = eng.instances.data(row.instance_id)
    draft_key = f"task:{task_id}"
    values: dict[str, Any] = {}
    findings: list[Finding] = []
    status = 200
    revealed = _reveal(user, inst, reveal_reason) if reveal_reason is not None else None
    if reveal_reason is not None:
        values = (load_draft(user.id, draft_key) or prefill(form, data)) if form is not None else {}
    elif request.method == "POST":
        if not mine:
            flash(_("Take the task before working on it."), "error")
            return redirect(request.path)
        check_task(user, row, "complete")
        action = request.form.get("__action", "save")
        submission = (
            read_submission(form, request.form, request.files, actor=user.actor, instance_id=row.instance_id)
            if form is not None
            else None
        )
        values = submission.data if submission else {}
        findings = list(submission.findings) if submission else []
        if submission is not None and (findings or submission.edited or action == "save"):
            save_draft(user.id, draft_key, values)
            if findings:
                status = 400
            elif action == "save":
                flash(_("Draft saved. You can come back to it later."), "success")
        else:
            result = form.validate(values) if form is not None else None
            if result is not None and not result.ok:
                findings = list(result.errors) + list(result.warnings)
                save_draft(user.id, draft_key, values)
                status = 400
            else:
                try:
                    eng.complete_task(task_id, values, user.actor)
                except InvalidInput as exc:
                    findings = [
                        Finding(e["code"], e.get("field", ""), e.get("params", {}), e.get("severity", "error"))
                        for e in exc.params.get("errors", [])
                    ] or [Finding(exc.code, "", exc.params, "error")]
                    status = 400
                except Conflict as exc:
                    flash(translate_code(exc.code, exc.params), "error")
                    return redirect(back)
                else:
                    drop_draft(user.id, draft_key)
                    flash(_("Submitted: “%(title)s”.", title=row.title), "success")
                    return redirect(done)
    elif form is not None:
        values = load_draft(user.id, draft_key) or prefill(form, data)
    try:
        fields_html = render_fields(form, values, findings) if form is not None and mine else None
        preview_html = render_fields(form, values, []) if form is not None and not mine else None
    except EngineError:
        fields_html = preview_html = None
    files = materials(row.instance_id)
    response = make_response(
        render_template(
            "task.html",
            task=row,
            instance=inst,
            form=form,
            fields_html=fields_html,
            preview_html=preview_html,
            mine=mine,
            open_task=open_task,
            findings=findings,
            has_errors=any(f.severity == "error" for f in findings),
            files=files,
            ocr=ocr_results(data),
            warnings=warnings_of(data),
            summary=summary_of(data),
            history=history_of(row.instance_id),
            history_text=history_text,
            back=back,
            is_hr=user.has_role("hr", "hr_lead", "admin"),
            locale=current_locale(),
            revealed=revealed,
        ),
        status,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
