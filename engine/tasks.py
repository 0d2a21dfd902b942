"""Human tasks: claim, unclaim, assign and complete, with form data validated before anything changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.advance import Advancer, Cycle, Located, Step
from engine.db.models import HumanTask, InstanceStatus, ProcessDefinition, ProcessInstance, TaskStatus
from engine.db.session import UnitOfWork
from engine.errors import InstanceStateConflict, InvalidInput, TaskConflict, TaskNotFound
from engine.inbox import count_tasks, list_tasks
from engine.spiff import merge_data
from engine.statements import read_task, read_task_and_instance

# validate(schema_path, schema_text, ui_schema_text, data) -> None; raises engine.errors.InvalidInput
# with field errors. The host (forms) supplies it; the engine only hands over the deployed files.
FormValidator = Callable[[str, str, str | None, dict[str, Any]], None]


@dataclass(frozen=True)
class InboxFilter:
    """Which tasks to list: whose (assignee or candidate groups), and narrowing filters.

    ``assignee`` and ``groups`` combine with OR (my tasks and my groups' tasks); every other field
    narrows. ``overdue`` compares ``due_at`` with ``now`` (the engine clock, passed by the caller).
    ``risk_flag`` matches one code of the task's risk flags (engine/flags.py).
    """

    assignee: str | None = None
    groups: tuple[str, ...] = ()
    unclaimed_only: bool = False
    process_id: str | None = None
    instance_id: str | None = None
    stage: str | None = None
    risk_flag: str | None = None
    due_before: datetime | None = None
    overdue: bool = False
    now: datetime | None = None
    status: TaskStatus = TaskStatus.OPEN
    newest_first: bool = False
    limit: int = 200
    offset: int = 0


class HumanTasks:
    """Operations on the inbox rows, each one an advance of the owning instance where state changes."""

    def __init__(self, advancer: Advancer, validate_form: FormValidator | None = None) -> None:
        self.adv = advancer
        self.db = advancer.db
        self.validate_form = validate_form

    def get(self, task_id: str) -> HumanTask:
        """One task row.

        :raises TaskNotFound: when there is none.
        """
        with self.db.reading() as uow:
            row = uow.session.get(HumanTask, task_id)
            if row is None:
                raise TaskNotFound(f"no task {task_id}", task_id=task_id)
            uow.session.expunge(row)
            return row

    def data(self, task_id: str) -> dict[str, Any]:
        """The data a task sees (decrypted): its own branch's, for prefilling its form.

        :raises TaskNotFound: when there is no such task, or it is no longer in the workflow.
        """
        row = self.get(task_id)
        with self.db.reading() as uow:
            instance = uow.session.get(ProcessInstance, row.instance_id)
            assert instance is not None
            uow.session.expunge(instance)
        wf, _ = self.adv.restore(instance)
        task = wf.get_task_from_id(UUID(task_id))
        if task is None:
            raise TaskNotFound(f"task {task_id} is no longer in its process", task_id=task_id)
        return dict(task.data)

    def list(self, f: InboxFilter) -> list[HumanTask]:
        """Tasks matching the filter, earliest due first (tasks without a due time last)."""
        with self.db.reading() as uow:
            return list_tasks(uow.connection(), f)

    def count(self, f: InboxFilter) -> int:
        """The exact number of tasks matching the filter (ignoring limit and offset)."""
        with self.db.reading() as uow:
            return count_tasks(uow.connection(), f)

    # -- claiming ---------------------------------------------------------------------------------

    def _open_row(self, session: Session, task_id: str) -> HumanTask:
        row = session.get(HumanTask, task_id)
        if row is None:
            raise TaskNotFound(f"no task {task_id}", task_id=task_id)
        if row.status != TaskStatus.OPEN:
            raise TaskConflict(f"task {task_id} is {row.status.value}", task_id=task_id, status=row.status.value)
        return row

    def claim(self, task_id: str, actor: str) -> None:
        """Take an open task. Claiming one's own claimed task again is allowed.

        :raises TaskConflict: when it is closed or claimed by someone else.
        """
        row = self.get(task_id)

        def act(c: Cycle) -> None:
            t = self._open_row(c.session, task_id)
            if t.assignee and t.assignee != actor:
                raise TaskConflict(f"task {task_id} is claimed by {t.assignee}", task_id=task_id, assignee=t.assignee)
            t.assignee, t.claimed_at, t.claimed_by = actor, c.now, actor
            c.history.append(("task_claimed", {"task_id": task_id, "element_id": t.element_id}))

        self.adv.run(row.instance_id, actor, act)

    def unclaim(self, task_id: str, actor: str) -> None:
        """Give a claimed task back to its group.

        :raises TaskConflict: when it is closed or claimed by someone else.
        """
        row = self.get(task_id)

        def act(c: Cycle) -> None:
            t = self._open_row(c.session, task_id)
            if t.assignee != actor:
                raise TaskConflict(f"task {task_id} is not claimed by {actor}", task_id=task_id)
            if t.candidate_group is None:
                raise TaskConflict(f"task {task_id} is reserved for its assignee", task_id=task_id)
            t.assignee = None
            t.claimed_at = t.claimed_by = None
            c.history.append(("task_unclaimed", {"task_id": task_id, "element_id": t.element_id}))

        self.adv.run(row.instance_id, actor, act)

    def assign(self, task_id: str, assignee: str | None, actor: str) -> None:
        """Give a task to ``assignee`` (None: back to its group), whoever holds it now.

        :raises TaskConflict: when it is closed.
        """
        row = self.get(task_id)

        def act(c: Cycle) -> None:
            t = self._open_row(c.session, task_id)
            t.assignee = assignee
            t.claimed_at, t.claimed_by = (c.now, actor) if assignee else (None, None)
            c.history.append(("task_assigned", {"task_id": task_id, "assignee": assignee}))

        self.adv.run(row.instance_id, actor, act)

    # -- completing -------------------------------------------------------------------------------

    def check_form(self, task_id: str, data: dict[str, Any]) -> None:
        """Validate ``data`` against the task's form, without changing anything.

        :raises InvalidInput: with field errors when the data does not fit the form.
        """
        self._check_form(self.get(task_id), data)

    def _check_form(self, row: HumanTask, data: dict[str, Any]) -> None:
        if not isinstance(data, dict):
            raise InvalidInput("task data must be a JSON object")
        if row.form_schema:
            with self.db.reading() as uow:
                self._validate_in(uow.session, row, data)

    def _validate_in(self, session: Session, row: Any, data: dict[str, Any]) -> None:
        """Validate ``data`` against the task's deployed form, reading the files with ``session``."""
        if self.validate_form is None or not row.form_schema:
            return
        inst = session.get(ProcessInstance, row.instance_id)
        assert inst is not None
        definition = session.get(ProcessDefinition, inst.definition_id)
        assert definition is not None
        schema = self._form_file(session, definition, row.form_schema)
        ui = self._form_file(session, definition, row.form_ui_schema) if row.form_ui_schema else None
        if schema is None:
            raise InvalidInput(f"the form {row.form_schema} of this task is not deployed", form=row.form_schema)
        self.validate_form(row.form_schema, schema, ui, data)

    def _form_file(self, session: Session, definition: ProcessDefinition, name: str) -> str | None:
        files = json.loads(definition.files)
        folder = definition.bpmn_path.rsplit("/", 1)[0] + "/" if "/" in definition.bpmn_path else ""
        for candidate in (name, folder + name):  # rows store the deployed path; older rows a relative one
            if candidate in files:
                return self.adv.definitions.file_text(session, definition, candidate)
        return None

    def complete(self, task_id: str, data: dict[str, Any], actor: str | None) -> str:
        """Complete a ready task with form ``data`` and run the instance on; returns the instance id.

        :raises TaskNotFound: when there is no such task.
        :raises InvalidInput: when the data does not fit the task's form (nothing changes).
        :raises TaskConflict: when the task is no longer ready or is claimed by someone else.
        :raises InstanceStateConflict: when the instance is suspended.
        """
        if not isinstance(data, dict):
            raise InvalidInput("task data must be a JSON object")
        found: dict[str, Any] = {}

        def find(uow: UnitOfWork) -> str | Located:
            # SQLite: the unit of work holds the write lock, so the task and its instance are read
            # together, locked. Elsewhere the instance row is locked next, and the task read again.
            both = read_task_and_instance(uow.connection(), task_id) if self.db.is_sqlite else None
            t = both[0] if both else read_task(uow.connection(), task_id)
            if t is None:
                raise TaskNotFound(f"no task {task_id}", task_id=task_id)
            if t["form_schema"]:
                self._validate_in(uow.session, SimpleNamespace(**t), data)
            found["instance_id"], found["task"] = t["instance_id"], t
            return Located(both[1], both[2]) if both else str(t["instance_id"])

        def act(c: Cycle) -> None:
            t = found["task"] if self.db.is_sqlite else read_task(c.connection(), task_id)
            if t is None:
                raise TaskNotFound(f"no task {task_id}", task_id=task_id)
            status, assignee = t["status"], t["assignee"]
            if status != TaskStatus.OPEN:
                raise TaskConflict(f"task {task_id} is {status.value}", task_id=task_id, status=status.value)
            if assignee and actor and assignee != actor and not assignee.startswith("person:"):
                raise TaskConflict(f"task {task_id} is claimed by {assignee}", task_id=task_id, assignee=assignee)
            if c.row.status != InstanceStatus.RUNNING:
                raise InstanceStateConflict(
                    f"instance {c.row.id} is {c.row.status.value}", instance_id=c.row.id, status=c.row.status.value
                )
            task = c.workflow.get_task_from_id(UUID(task_id))
            if task is None or task.state != TaskState.READY:
                raise TaskConflict(f"task {task_id} is no longer ready", task_id=task_id)
            merge_data(task, data)
            task.run()
            spec = task.task_spec
            props = (getattr(spec, "extensions", None) or {}).get("properties", {})
            c.steps.append(Step(spec.bpmn_id, spec.bpmn_name, type(spec).__name__, props))
            c.completed_task_ids.add(task_id)
            c.run_engine_steps()

        self.adv.run(find, actor, act)
        return found["instance_id"]
