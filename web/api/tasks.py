"""``/api/v1/tasks``: the inbox (mine, my groups', filters, exact count) and acting on a task."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request

from engine.errors import TaskNotFound
from engine.tasks import InboxFilter
from forms.files import iter_references
from web import access, serialize
from web.api.common import field_error, json_body, me, optional_str, page, paging
from web.auth import roles_required
from web.context import engine
from web.task_form import task_form

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

WORKERS = ("employee", "hr", "hr_lead", "admin")


def visible_task(task_id: str, act: str = "view") -> Any:
    """The task row if the user may ``act`` on it (404 when unknown or not theirs)."""
    try:
        row = engine().tasks.get(task_id)
    except TaskNotFound:
        raise access.NotFound(f"no task {task_id}", kind="task", id=task_id) from None
    access.check_task(me(), row, act)
    return row


def _bool_arg(name: str) -> bool:
    raw = (request.args.get(name) or "").lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise field_error(name, "TYPE", f"{name} must be true or false", expected=["boolean"])


def _datetime_arg(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise field_error(name, "DATE_TIME_INVALID", f"{name} must be an ISO 8601 date-time with offset") from None
    if value.tzinfo is None:
        raise field_error(name, "DATE_TIME_INVALID", f"{name} needs a UTC offset, e.g. 2026-03-01T00:00:00+08:00")
    return value


def inbox_filter() -> InboxFilter:
    """The InboxFilter of this request: visibility of the user narrowed by the query arguments."""
    whose = request.args.get("whose") or "all"
    if whose not in access.INBOX_VIEWS:
        raise field_error("whose", "ENUM", "unknown value", allowed=list(access.INBOX_VIEWS))
    scope = access.inbox_scope(me(), whose)
    limit, offset = paging()
    overdue = _bool_arg("overdue")
    return InboxFilter(
        **scope,
        process_id=request.args.get("process_id") or None,
        instance_id=request.args.get("instance_id") or None,
        stage=request.args.get("stage") or None,
        risk_flag=request.args.get("risk_flag") or None,
        due_before=_datetime_arg("due_before"),
        overdue=overdue,
        now=engine().clock.now() if overdue else None,
        limit=limit,
        offset=offset,
    )


@bp.get("")
@roles_required(*WORKERS)
def inbox() -> Any:
    """Open tasks the user may see, earliest due first, with the exact total."""
    f = inbox_filter()
    eng = engine()
    now = eng.clock.now()
    rows = eng.tasks.list(f)
    return page([serialize.task(t, now) for t in rows], eng.tasks.count(f), f.limit, f.offset)


@bp.get("/<task_id>")
@roles_required(*WORKERS)
def get_task(task_id: str) -> Any:
    """One task with its form (JSON Schema and UI schema) when it has one."""
    row = visible_task(task_id)
    eng = engine()
    body = serialize.task(row, eng.clock.now())
    form = task_form(eng, row)
    body["form"] = {"schema": form.schema, "ui_schema": form.ui_schema} if form is not None else None
    return jsonify(body)


def _task_json(task_id: str) -> Any:
    """The task as it is now, as a JSON response."""
    return jsonify(serialize.task(engine().tasks.get(task_id), engine().clock.now()))


@bp.post("/<task_id>/claim")
@roles_required(*WORKERS)
def claim(task_id: str) -> Any:
    """Take a group task (409 when someone else has it)."""
    visible_task(task_id, "claim")
    engine().tasks.claim(task_id, me().actor)
    return _task_json(task_id)


@bp.post("/<task_id>/unclaim")
@roles_required(*WORKERS)
def unclaim(task_id: str) -> Any:
    """Give a claimed task back to its group."""
    visible_task(task_id, "unclaim")
    engine().tasks.unclaim(task_id, me().actor)
    return _task_json(task_id)


@bp.post("/<task_id>/assign")
@roles_required(*WORKERS)
def assign(task_id: str) -> Any:
    """Give a task to a user (HR lead, admin); ``{"assignee": null}`` returns it to its group."""
    body = json_body()
    visible_task(task_id, "assign")
    if "assignee" not in body:
        raise field_error("assignee", "REQUIRED", "assignee is required (null to release)", property="assignee")
    assignee = optional_str(body, "assignee", 100)
    if assignee is not None:
        from web.auth import auth_services

        if auth_services().accounts.by_username(assignee) is None:
            raise field_error("assignee", "USER_UNKNOWN", "no such user")
    engine().tasks.assign(task_id, assignee, me().actor)
    return _task_json(task_id)


@bp.post("/<task_id>/complete")
@roles_required(*WORKERS)
def complete(task_id: str) -> Any:
    """Complete a task with form data ``{"data": {...}}`` (400 with field errors when it does not fit)."""
    body = json_body()
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise field_error("data", "TYPE", "data must be a JSON object", expected=["object"])
    row = visible_task(task_id, "complete")
    user = me()
    refs = {path: str(ref["attachment_id"]) for path, ref in iter_references(data)}
    found = {a.id: a for a in engine().attachments(list(set(refs.values())))}
    for path, attachment_id in refs.items():
        if attachment_id not in found or not access.may_attach(user, found[attachment_id], row.instance_id):
            raise field_error(path, "FILE_REFERENCE_INVALID", "no such file, or not one you may attach here", attachment_id=attachment_id)
    instance_id = engine().tasks.complete(task_id, data, user.actor)
    # Files the user uploaded for this form without naming the instance now belong to it.
    engine().link_attachments(sorted(set(refs.values())), row.instance_id, user.actor)
    return jsonify({"task_id": task_id, "instance_id": instance_id,
                    "instance": serialize.instance(engine().instances.get(instance_id))})
