"""In-app notifications: a task waiting for me, a warning raised on my case; the bell counts the unseen.

Notifications are derived from what is there now (open tasks, the warnings of visible cases); the
only stored state is which of them a user has seen (``web_notifications_seen``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, g, render_template, url_for
from sqlalchemy import select

from engine.db.models import InstanceStatus, ProcessInstance
from engine.tasks import InboxFilter
from web.auth import current_user, login_required
from web.context import engine
from web.pages.common import now
from web.pages.models import NotificationSeen

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

LIMIT = 50


@dataclass(frozen=True)
class Notification:
    """One thing that needs the user's attention."""

    key: str
    kind: str  # "task" | "warning"
    title: str
    detail: str
    url: str
    at: datetime | None
    severity: str = "info"


def _task_url(user: Any, task_id: str) -> str:
    if user.task_assignee and not user.has_role("hr", "hr_lead", "admin"):
        return url_for("portal.task", task_id=task_id)
    return url_for("inbox.task", task_id=task_id)


def _tasks(user: Any) -> list[Notification]:
    from web.access import Forbidden, visible_tasks_filter

    if user.is_admin:
        return []  # admins see everything; the bell is for work that is theirs
    try:
        whose = visible_tasks_filter(user)
    except Forbidden:
        return []  # roles without an inbox have no task notifications
    rows = engine().tasks.list(InboxFilter(**whose, newest_first=True, limit=LIMIT))
    out = []
    for row in rows:
        stage = row.stage or ""
        out.append(Notification(f"task:{row.id}", "task", row.title, stage, _task_url(user, row.id), row.created_at))
    return out


def _warnings(user: Any) -> list[Notification]:
    from casework.warnings import CATALOGUE
    from web.access import instance_conditions
    from web.i18n import translate_code

    if user.is_admin or not (user.person_id or user.scopes):
        return []
    with engine().db.reading() as uow:
        rows = uow.session.execute(
            select(ProcessInstance.id, ProcessInstance.risk_flags, ProcessInstance.updated_at, ProcessInstance.process_id)
            .where(*instance_conditions(user), ProcessInstance.status == InstanceStatus.RUNNING)
            .order_by(ProcessInstance.updated_at.desc())
            .limit(LIMIT)
        ).all()
    out = []
    for row in rows:
        try:
            codes = json.loads(getattr(row, "risk_flags", None) or "[]")
        except ValueError:
            codes = []
        for code in codes:
            spec = CATALOGUE.get(code)
            severity = spec.severity if spec else "warning"
            if user.person_id and not user.has_role("hr", "hr_lead") and severity == "info":
                continue
            url = (
                url_for("portal.instance_progress", instance_id=row.id)
                if user.person_id and not user.has_role("hr", "hr_lead")
                else url_for("inbox.index", risk=code)
            )
            out.append(
                Notification(f"warning:{row.id}:{code}", "warning", translate_code("RISK_" + code), "", url, row.updated_at, severity)
            )
    return out


def notifications_for(user: Any) -> list[Notification]:
    """What needs ``user``'s attention now, newest first."""
    items = _tasks(user) + _warnings(user)
    return sorted(items, key=lambda n: n.at or datetime.min.replace(tzinfo=now().tzinfo), reverse=True)


def _seen(user_id: str, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    with engine().db.reading() as uow:
        return set(
            uow.session.scalars(
                select(NotificationSeen.item_key).where(NotificationSeen.user_id == user_id, NotificationSeen.item_key.in_(keys))
            )
        )


def mark_seen(user_id: str, keys: list[str]) -> None:
    """Remember that the user has seen these notifications."""
    if not keys:
        return
    with engine().db.unit_of_work() as uow:
        known = set(
            uow.session.scalars(
                select(NotificationSeen.item_key).where(NotificationSeen.user_id == user_id, NotificationSeen.item_key.in_(keys))
            )
        )
        at = now()
        for key in dict.fromkeys(keys):
            if key not in known:
                uow.session.add(NotificationSeen(user_id=user_id, item_key=key[:300], seen_at=at))
        uow.commit()


def unread_count() -> int:
    """How many notifications the signed-in user has not seen (computed once per request)."""
    if "bell_count" in g:
        return int(g.bell_count)
    user = current_user()
    count = 0
    if user is not None:
        try:
            items = notifications_for(user)
            seen = _seen(user.id, [n.key for n in items])
            count = sum(1 for n in items if n.key not in seen)
        except Exception:  # noqa: BLE001 - the bell must never break a page
            count = 0
    g.bell_count = count
    return count


@bp.route("/")
@login_required
def index() -> Any:
    """The list of notifications; opening it marks them seen."""
    user = current_user()
    items = notifications_for(user)
    seen = _seen(user.id, [n.key for n in items])
    unread = {n.key for n in items if n.key not in seen}
    mark_seen(user.id, list(unread))
    g.bell_count = 0
    return render_template("notifications/index.html", items=items, unread=unread)
