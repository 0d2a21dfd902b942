"""Human tasks: claim, unclaim, assign and complete, with form data validated before anything changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.advance import Advancer, Cycle, Step
from engine.db.models import HumanTask, InstanceStatus, ProcessDefinition, ProcessInstance, TaskStatus
from engine.errors import InstanceStateConflict, InvalidInput, TaskConflict, TaskNotFound
from engine.spiff import merge_data

# validate(schema_path, schema_text, ui_schema_text, data) -> None; raises engine.errors.InvalidInput
# with field errors. The host (forms) supplies it; the engine only hands over the deployed files.
FormValidator = Callable[[str, str, str | None, dict[str, Any]], None]


@dataclass(frozen=True)
class InboxFilter:
    """Which open tasks to list."""

    assignee: str | None = None
    groups: tuple[str, ...] = ()
    include_unassigned_in_groups: bool = True
    process_id: str | None = None
    instance_id: str | None = None
    status: TaskStatus = TaskStatus.OPEN
    limit: int = 200


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

    def list(self, f: InboxFilter) -> list[HumanTask]:
        """Tasks matching the filter, earliest due first."""
        with self.db.reading() as uow:
            stmt = select(HumanTask).where(HumanTask.status == f.status)
            if f.instance_id:
                stmt = stmt.where(HumanTask.instance_id == f.instance_id)
            if f.process_id:
                stmt = stmt.where(HumanTask.process_id == f.process_id)
            if f.assignee or f.groups:
                from sqlalchemy import or_

                conds = []
                if f.assignee:
                    conds.append(HumanTask.assignee == f.assignee)
                if f.groups:
                    conds.append(HumanTask.candidate_group.in_(f.groups))
                stmt = stmt.where(or_(*conds))
            stmt = stmt.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at).limit(f.limit)
            rows = list(uow.session.scalars(stmt))
            for r in rows:
                uow.session.expunge(r)
            return rows

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

    def _validate_in(self, session: Session, row: HumanTask, data: dict[str, Any]) -> None:
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
        for candidate in (folder + name, name):
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
        found: dict[str, str] = {}

        def find(session: Session) -> str:
            t = session.get(HumanTask, task_id)
            if t is None:
                raise TaskNotFound(f"no task {task_id}", task_id=task_id)
            if t.form_schema:
                self._validate_in(session, t, data)
            found["instance_id"] = t.instance_id
            return t.instance_id

        def act(c: Cycle) -> None:
            t = self._open_row(c.session, task_id)
            if t.assignee and actor and t.assignee != actor and not t.assignee.startswith("person:"):
                raise TaskConflict(f"task {task_id} is claimed by {t.assignee}", task_id=task_id, assignee=t.assignee)
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
