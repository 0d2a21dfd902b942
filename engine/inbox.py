"""Inbox queries: one prepared statement per filter shape, rows handed out as detached task objects.

Filters of one shape (which conditions are set, how many groups) share one statement compiled once
(engine/statements.py); the values travel as parameters.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Integer, String, and_, bindparam, func, or_, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.instrumentation import manager_of_class

from engine.db.models import HumanTask
from engine.statements import INBOX, Prepared

if TYPE_CHECKING:
    from engine.tasks import InboxFilter

_TASKS = manager_of_class(HumanTask)


def _shape(f: InboxFilter) -> tuple[Any, ...]:
    """Which conditions a filter uses: filters of one shape share one compiled statement."""
    return (
        bool(f.instance_id),
        bool(f.process_id),
        bool(f.assignee),
        len(f.groups),
        bool(f.groups) and f.unclaimed_only,
        bool(f.stage),
        bool(f.risk_flag),
        f.due_before is not None,
        f.overdue,
    )


@lru_cache(maxsize=512)
def _statements(shape: tuple[Any, ...], newest_first: bool) -> tuple[Prepared, Prepared]:
    """(list statement, count statement) of one filter shape, with bound parameters only."""
    instance, process, assignee, groups, unclaimed, stage, risk, due_before, overdue = shape
    t = INBOX.c
    conds: list[Any] = [t.status == bindparam("f_status")]
    if instance:
        conds.append(t.instance_id == bindparam("f_instance"))
    if process:
        conds.append(t.process_id == bindparam("f_process"))
    if assignee or groups:
        whose: list[Any] = []
        if assignee:
            whose.append(t.assignee == bindparam("f_assignee"))
        if groups:
            in_group = t.candidate_group.in_([bindparam(f"f_group{i}") for i in range(groups)])
            whose.append(and_(in_group, t.assignee.is_(None)) if unclaimed else in_group)
        conds.append(or_(*whose))
    if stage:
        conds.append(t.stage == bindparam("f_stage"))
    if risk:
        conds.append(t.risk_flags.contains(bindparam("f_risk", type_=String())))
    if due_before:
        conds.append(t.due_at < bindparam("f_due_before"))
    if overdue:
        conds.append(t.due_at < bindparam("f_now"))
    listing = select(INBOX).where(*conds)
    if newest_first:
        listing = listing.order_by(t.created_at.desc(), t.id)
    else:
        listing = listing.order_by(t.due_at.is_(None), t.due_at, t.created_at, t.id)
    listing = listing.limit(bindparam("f_limit", type_=Integer())).offset(bindparam("f_offset", type_=Integer()))
    counting = select(func.count().label("n")).select_from(INBOX).where(*conds)
    return Prepared(listing), Prepared(counting)


def _params(f: InboxFilter) -> dict[str, Any]:
    if f.overdue and f.now is None:
        raise ValueError("an overdue filter needs the current time")
    params: dict[str, Any] = {"f_status": f.status, "f_limit": f.limit, "f_offset": f.offset}
    if f.instance_id:
        params["f_instance"] = f.instance_id
    if f.process_id:
        params["f_process"] = f.process_id
    if f.assignee:
        params["f_assignee"] = f.assignee
    for i, group in enumerate(f.groups):
        params[f"f_group{i}"] = group
    if f.stage:
        params["f_stage"] = f.stage
    if f.risk_flag:
        params["f_risk"] = json.dumps(f.risk_flag)
    if f.due_before is not None:
        params["f_due_before"] = f.due_before
    if f.overdue:
        params["f_now"] = f.now
    return params


def detached_task(values: dict[str, Any]) -> HumanTask:
    """A task object for one inbox row, detached as if loaded by a session and expunged."""
    task = _TASKS.new_instance()
    task.__dict__.update(values)
    make_transient_to_detached(task)
    return task


def list_tasks(conn: Connection, f: InboxFilter) -> list[HumanTask]:
    """Tasks matching the filter, earliest due first (tasks without a due time last)."""
    listing, _ = _statements(_shape(f), f.newest_first)
    return [detached_task(row) for row in listing.rows(conn, _params(f))]


def count_tasks(conn: Connection, f: InboxFilter) -> int:
    """The exact number of tasks matching the filter (ignoring limit and offset)."""
    _, counting = _statements(_shape(f), f.newest_first)
    return int(counting.rows(conn, _params(f))[0]["n"])
