"""The HR inbox: my tasks and my groups' tasks, filters, exact counts, claim and release."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import EngineError
from engine.tasks import InboxFilter
from web.api.queries import latest_definitions
from web.auth import current_user, roles_required
from web.context import engine
from web.pages.common import PAGE_SIZE, SHANGHAI, Page, now, page_number, url_with
from web.urls import safe_next

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

INBOX_ROLES = ("hr", "hr_lead", "admin")
VIEWS = ("all", "mine", "unclaimed")


def _process_catalog() -> tuple[dict[str, str], list[str]]:
    """(process id -> name, stage names) of the newest deployed version of every process."""
    names: dict[str, str] = {}
    stages: list[str] = []
    for row in latest_definitions(engine()):
        names[row.process_id] = row.name or row.process_id
        try:
            info = json.loads(row.info or "{}")
        except ValueError:
            info = {}
        for milestone in info.get("milestones", []):
            name = milestone.get("name") if isinstance(milestone, dict) else None
            if name and name not in stages:
                stages.append(name)
    return names, stages


def _due_before(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return datetime.combine(day + timedelta(days=1), time.min, SHANGHAI)


def inbox_filter(user: Any, view: str, args: Any, *, limit: int = PAGE_SIZE, offset: int = 0) -> InboxFilter:
    """The engine filter for ``user``'s inbox view with the page's narrowing filters."""
    from web.access import inbox_scope

    return InboxFilter(
        **inbox_scope(user, view),
        process_id=args.get("process") or None,
        stage=args.get("stage") or None,
        risk_flag=args.get("risk") or None,
        due_before=_due_before(args.get("due")),
        overdue=args.get("overdue") == "1",
        now=now(),
        newest_first=args.get("sort") == "newest",
        limit=limit,
        offset=offset,
    )


@bp.route("/")
@roles_required(*INBOX_ROLES)
def index() -> Any:
    """The task list with filters, exact counts and pages."""
    user = current_user()
    view = request.args.get("view", "all")
    if view not in VIEWS:
        view = "all"
    tasks = engine().tasks
    number = page_number()
    base = inbox_filter(user, view, request.args)
    total = tasks.count(base)
    page = Page(number, PAGE_SIZE, total)
    if number > page.pages:
        page = Page(page.pages, PAGE_SIZE, total)
    rows = tasks.list(inbox_filter(user, view, request.args, offset=page.offset))
    counts = {v: tasks.count(inbox_filter(user, v, {})) for v in VIEWS}
    overdue_count = tasks.count(inbox_filter(user, "all", {"overdue": "1"}))
    names, stages = _process_catalog()
    from casework.warnings import CATALOGUE

    return render_template(
        "inbox/index.html",
        rows=rows,
        view=view,
        page=page,
        counts=counts,
        overdue_count=overdue_count,
        process_names=names,
        stages=stages,
        risk_codes=sorted(CATALOGUE),
        args=request.args,
        now=now(),
        url_with=url_with,
        flags_of=lambda row: json.loads(row.risk_flags or "[]"),
    )


def _act(task_id: str, act: str) -> Any:
    from web.access import check_task

    user = current_user()
    tasks = engine().tasks
    row = tasks.get(task_id)
    check_task(user, row, act)
    try:
        if act == "claim":
            tasks.claim(task_id, user.actor)
            flash(_("You took the task “%(title)s”.", title=row.title), "success")
        else:
            tasks.unclaim(task_id, user.actor)
            flash(_("The task “%(title)s” is back in the group's list.", title=row.title), "success")
    except EngineError as exc:
        from web.i18n import translate_code

        flash(translate_code(exc.code, exc.params), "error")
    return redirect(safe_next(request.form.get("next"), url_for("inbox.index")))


@bp.route("/tasks/<task_id>/claim", methods=["POST"])
@roles_required(*INBOX_ROLES)
def claim(task_id: str) -> Any:
    """Take an open task of one of my groups."""
    return _act(task_id, "claim")


@bp.route("/tasks/<task_id>/release", methods=["POST"])
@roles_required(*INBOX_ROLES)
def release(task_id: str) -> Any:
    """Give a claimed task back to its group."""
    return _act(task_id, "unclaim")


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@roles_required(*INBOX_ROLES)
def task(task_id: str) -> Any:
    """The task page: the form, the case's materials and OCR findings, warnings and history."""
    from web.pages.taskpage import task_page

    return task_page(task_id, back=url_for("inbox.index"), done=url_for("inbox.index"))


@bp.route("/tasks/<task_id>/reveal", methods=["POST"])
@roles_required(*INBOX_ROLES)
def reveal(task_id: str) -> Any:
    """Show the full resident ID of the case's person once; who, when and why go to the audit log."""
    from web.pages.taskpage import task_page

    return task_page(task_id, back=url_for("inbox.index"), done=url_for("inbox.index"), reveal_reason=request.form.get("reason", ""))
