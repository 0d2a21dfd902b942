"""The task page shared by the HR inbox and the employee portal: the form beside the case's facts,
materials with OCR readings, warnings and history."""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, render_template, request
from flask_babel import gettext as _

from engine.db.models import HumanTask, TaskStatus
from engine.errors import Conflict, EngineError, InvalidInput
from forms import Finding
from web.auth import current_user
from web.context import casework, engine
from web.i18n import current_locale, translate_code
from web.pages.case_facts import history_of, history_text, materials, ocr_results, summary_of, warnings_of
from web.pages.drafts import drop_draft, load_draft
from web.pages.task_forms import findings_of_error, prefill, render_fields, take_post
from web.task_form import task_form


def _works_on(user: Any, row: HumanTask) -> bool:
    """Whether ``user`` holds the task (claimed by them, or reserved to their person)."""
    if row.assignee and user.task_assignee and row.assignee == user.task_assignee:
        return True
    return bool(row.assignee) and row.assignee == user.actor


def _reveal(user: Any, inst: Any, reason: str) -> str | None:
    """The full resident ID of the instance's person (audited), or None with a message why not."""
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
    form = task_form(eng, row)
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
        posted = take_post(form, user, draft_key, instance_id=row.instance_id, default_action="save")
        values, findings, status = posted.values, posted.findings, posted.status
        if posted.ready:
            try:
                eng.complete_task(task_id, values, user.actor)
            except InvalidInput as exc:
                findings, status = findings_of_error(exc), 400
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
