"""The employee portal: my cases and what I must do next, starting a case, task forms, progress."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import Conflict, EngineError, InvalidInput
from engine.tasks import InboxFilter
from forms import Finding
from web.auth import current_user, roles_required
from web.context import casework, engine
from web.i18n import translate_code
from web.pages.case_facts import materials, warnings_of
from web.pages.drafts import drop_draft, load_draft
from web.pages.start_forms import START_KINDS, start_form
from web.pages.task_forms import findings_of_error, render_fields, take_post

bp = Blueprint("portal", __name__, url_prefix="/portal")


def cases() -> Any:
    """The app's case service."""
    return casework().cases


def _my_tasks(user: Any, instance_id: str | None = None) -> list[Any]:
    if not user.task_assignee:
        return []
    return list(engine().tasks.list(InboxFilter(assignee=user.task_assignee, instance_id=instance_id, limit=100)))


def _own_case(case_id: str, *, fresh: bool = False) -> Any:
    """The case, if the signed-in user may see it (``fresh``: closed first when its process ended)."""
    from casework.errors import CaseNotFound
    from web.access import check_case

    try:
        case = cases().get(case_id)
    except (CaseNotFound, ValueError):
        abort(404)
    check_case(current_user(), case)
    return cases().refresh(case_id) if fresh and case.active else case


@bp.route("/")
@roles_required("employee")
def index() -> Any:
    """My cases with their stage, and the tasks waiting for me."""
    user = current_user()
    service = cases()
    mine = service.cases_for_person(user.person_id) if user.person_id else []
    rows = []
    for case in mine:
        try:
            progress = service.progress(case)
        except EngineError:
            progress = []
        rows.append({"case": case, "progress": progress, "current": next((m for m in progress if m["state"] == "current"), None)})
    return render_template("portal/index.html", cases=rows, tasks=_my_tasks(user), kinds=START_KINDS)


@bp.route("/start")
@roles_required("employee")
def start_choice() -> Any:
    """What the employee can start."""
    return render_template("portal/start.html", kinds=START_KINDS)


@bp.route("/start/<kind>", methods=["GET", "POST"])
@roles_required("employee")
def start(kind: str) -> Any:
    """The start form of a case kind (e.g. joining from another province); opens the case on submit."""
    if kind not in START_KINDS:
        abort(404)
    user = current_user()
    if not user.person_id:
        abort(403)
    form, workplaces = start_form(kind)
    draft_key = f"start:{kind}"
    findings: list[Finding] = []
    status = 200
    if request.method == "POST":
        posted = take_post(form, user, draft_key, instance_id=None, default_action="submit")
        values, findings, status = posted.values, posted.findings, posted.status
        if posted.ready:
            employer_id, region = workplaces[values["workplace"]]
            data = {k: v for k, v in values.items() if k != "workplace"}
            try:
                case = cases().open_case(user.person_id, kind, employer_id, region, data, user.actor)
            except InvalidInput as exc:
                findings, status = findings_of_error(exc), 400
            except Conflict as exc:
                flash(translate_code(exc.code, exc.params), "error")
                return redirect(url_for("portal.index"))
            else:
                drop_draft(user.id, draft_key)
                flash(_("Your case is open. Here is what happens next."), "success")
                return redirect(url_for("portal.case", case_id=case.id))
    else:
        values = load_draft(user.id, draft_key) or {}
    return (
        render_template(
            "portal/start_form.html",
            kind=kind,
            form=form,
            fields_html=render_fields(form, values, findings),
            has_errors=any(f.severity == "error" for f in findings),
        ),
        status,
    )


@bp.route("/cases/<case_id>")
@roles_required("employee")
def case(case_id: str) -> Any:
    """A case's progress: milestones in plain words, the diagram, what I must do, warnings."""
    view = _own_case(case_id, fresh=True)
    service = cases()
    try:
        progress = service.progress(view)
    except EngineError:
        progress = []
    user = current_user()
    tasks = []
    warnings: list[dict[str, Any]] = []
    files = []
    for instance_id, _pid, _role in view.instances:
        tasks += _my_tasks(user, instance_id)
        files += materials(instance_id)
    if view.root_instance_id:
        try:
            warnings = warnings_of({"warnings": service.warnings(view)})
        except EngineError:
            warnings = []
    status_text = translate_code("CASE_STATUS_" + view.status)
    return render_template(
        "portal/case.html",
        case=view,
        progress=progress,
        tasks=tasks,
        warnings=[w for w in warnings if w["severity"] != "info"],
        files=files,
        status_text=status_text,
    )


@bp.route("/cases/<case_id>/diagram.json")
@roles_required("employee")
def diagram(case_id: str) -> Any:
    """The case's BPMN diagram with done and current elements, for the viewer."""
    from web.pages.diagram import diagram_state

    view = _own_case(case_id)
    state = diagram_state(view.root_instance_id) if view.root_instance_id else None
    if state is None:
        abort(404)
    response = jsonify(state.as_dict())
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/instances/<instance_id>")
@roles_required("employee")
def instance_progress(instance_id: str) -> Any:
    """The case an instance of mine works on (links from notifications)."""
    from web.access import check_instance

    inst = engine().instances.get(instance_id)
    check_instance(current_user(), inst)
    view = cases().case_for_instance(instance_id)
    if view is None:
        abort(404)
    return redirect(url_for("portal.case", case_id=view.id))


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@roles_required("employee")
def task(task_id: str) -> Any:
    """A task waiting for me: its form with material uploads and drafts."""
    from web.pages.taskpage import task_page

    row = engine().tasks.get(task_id)
    view = cases().case_for_instance(row.instance_id)
    back = url_for("portal.case", case_id=view.id) if view else url_for("portal.index")
    return task_page(task_id, back=back, done=back)

