"""Process instances: start, suspend, resume, terminate, migrate, and read them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.advance import ACTIVE, Advancer, Cycle
from engine.db.models import InstanceStatus, ProcessDefinition, ProcessInstance, new_id
from engine.db.session import with_retries
from engine.errors import DuplicateBusinessKey, InstanceStateConflict, InvalidInput
from engine.spiff import SERIALIZER_VERSION, attach_context
from engine.statements import InstanceRow


@dataclass(frozen=True)
class StartRequest:
    """What starting an instance takes."""

    process_id: str
    data: dict[str, Any]
    business_key: str | None = None
    unique_key: bool = False
    subject_person: str | None = None
    employer: str | None = None
    city: str | None = None
    actor: str | None = None
    version: int | None = None


class Instances:
    """Lifecycle of process instances, on top of the advance cycle."""

    def __init__(self, advancer: Advancer) -> None:
        self.adv = advancer
        self.db = advancer.db

    def start(self, req: StartRequest) -> str:
        """Create an instance of the newest (or the given) version and run it until it waits.

        :raises DefinitionNotFound: when the process (version) is not deployed.
        :raises DuplicateBusinessKey: when ``unique_key`` and an active instance has the key.
        :raises InvalidInput: when ``data`` is not a JSON object.
        """
        if not isinstance(req.data, dict):
            raise InvalidInput("start data must be a JSON object")
        if req.unique_key and not req.business_key:
            raise InvalidInput("a unique start needs a business key")

        def attempt() -> str:
            with self.db.unit_of_work() as uow:
                definition = self.adv.definitions.ref(uow.connection(), req.process_id, req.version)
                spec, subprocess_specs = self.adv.definitions.specs_for(definition.id)
                wf = BpmnWorkflow(spec, subprocess_specs, script_engine=self.adv.script_engine)
                ctx = attach_context(wf, self.adv.new_context())
                first = wf.get_next_task(state=TaskState.READY)
                if first is not None:
                    first.data.update(req.data)
                now = self.adv.clock.now()
                row = InstanceRow(
                    id=new_id(),
                    definition_id=definition.id,
                    process_id=definition.process_id,
                    business_key=req.business_key,
                    active_key=f"{definition.process_id}/{req.business_key}" if req.unique_key else None,
                    status=InstanceStatus.RUNNING,
                    state="",
                    serializer_version=SERIALIZER_VERSION,
                    subject_person=req.subject_person,
                    employer_scope=req.employer,
                    city_scope=req.city,
                    current_stage=None,
                    risk_flags="[]",
                    started_by=req.actor,
                    created_at=now,
                    updated_at=now,
                    completed_at=None,
                    lock_version=0,
                    has_open_tasks=False,
                    has_service_jobs=False,
                    has_timer=False,
                    waits_for_message=False,
                )
                cycle = Cycle(uow, row, wf, ctx, req.actor, now)  # loaded=None: written as a new row
                # The version number carries no personal data: stored as plain JSON.
                self.adv.history.add(
                    uow, row.id, now, "instance_started", actor=req.actor, details={"version": definition.version}, sensitive=False
                )
                cycle.run_engine_steps()
                try:
                    self.adv.write_back(cycle)
                    uow.commit()
                except IntegrityError as exc:
                    if req.unique_key and "active_key" in str(exc.orig):
                        raise DuplicateBusinessKey(
                            f"an active {req.process_id} instance already has business key {req.business_key!r}",
                            process_id=req.process_id,
                            business_key=req.business_key,
                        ) from exc
                    raise
                return row.id

        return with_retries(attempt)

    def _set_status(self, instance_id: str, actor: str | None, target: InstanceStatus, allowed: tuple[InstanceStatus, ...], event: str) -> None:
        def act(c: Cycle) -> None:
            if c.row.status not in allowed:
                raise InstanceStateConflict(
                    f"instance {instance_id} is {c.row.status.value}; cannot {event.split('_')[-1]} it",
                    instance_id=instance_id,
                    status=c.row.status.value,
                )
            c.row.status = target
            if target == InstanceStatus.TERMINATED:
                c.row.active_key = None
                c.row.completed_at = c.now
                c.workflow.cancel()
            c.history.append((event, {}))

        self.adv.run(instance_id, actor, act)

    def suspend(self, instance_id: str, actor: str | None = None) -> None:
        """Suspend a running instance: its tasks stay, its jobs and timers wait.

        :raises InstanceStateConflict: when it is not running.
        """
        self._set_status(instance_id, actor, InstanceStatus.SUSPENDED, (InstanceStatus.RUNNING,), "instance_suspended")

    def resume(self, instance_id: str, actor: str | None = None) -> None:
        """Resume a suspended instance.

        :raises InstanceStateConflict: when it is not suspended.
        """

        def act(c: Cycle) -> None:
            if c.row.status != InstanceStatus.SUSPENDED:
                raise InstanceStateConflict(
                    f"instance {instance_id} is {c.row.status.value}; cannot resume it",
                    instance_id=instance_id,
                    status=c.row.status.value,
                )
            c.row.status = InstanceStatus.RUNNING
            c.history.append(("instance_resumed", {}))
            c.run_engine_steps()

        self.adv.run(instance_id, actor, act)

    def terminate(self, instance_id: str, actor: str | None = None) -> None:
        """End an active instance now: open tasks are cancelled, jobs dropped.

        :raises InstanceStateConflict: when it has ended already.
        """
        self._set_status(instance_id, actor, InstanceStatus.TERMINATED, ACTIVE, "instance_terminated")

    def migrate(self, instance_id: str, to_version: int, actor: str | None = None) -> dict[str, Any]:
        """Move an active instance to another version of its process after checking the spec diff.

        :raises InstanceStateConflict: when a task the instance is at was removed or changed in a way
            that cannot be carried over.
        """

        def act(c: Cycle) -> dict[str, Any]:
            if c.row.status not in ACTIVE:
                raise InstanceStateConflict(f"instance {instance_id} has ended", instance_id=instance_id)
            target: ProcessDefinition = self.adv.definitions.version(c.session, c.row.process_id, to_version)
            if target.id == c.row.definition_id:
                return {"migrated": False, "version": to_version}
            new_spec, new_subs = self.adv.definitions.specs_for(target.id)
            wf_diff, sub_diffs = diff_workflow(_spec_registry(), c.workflow, new_spec, new_subs)
            live = TaskState.READY | TaskState.STARTED | TaskState.WAITING
            blocked = [t.task_spec.bpmn_id or t.task_spec.name for t in wf_diff.removed if t.has_state(live)]
            for sp_id, sp_diff in sub_diffs.items():
                sp = c.workflow.subprocesses[sp_id]
                if sp_diff is None and not sp.completed:
                    blocked.append(sp.spec.name)
                elif sp_diff is not None:
                    blocked += [t.task_spec.bpmn_id or t.task_spec.name for t in sp_diff.removed if t.has_state(live)]
            if blocked:
                raise InstanceStateConflict(
                    f"cannot migrate: the instance is at {', '.join(blocked)}, which version {to_version} removed",
                    instance_id=instance_id,
                    elements=blocked,
                )
            migrate_workflow(wf_diff, c.workflow, new_spec)
            for sp_id, sp_diff in sub_diffs.items():
                if sp_diff is not None:
                    sp = c.workflow.subprocesses[sp_id]
                    migrate_workflow(sp_diff, sp, new_subs[sp.spec.name])
            c.workflow.subprocess_specs = new_subs
            old = c.row.definition_id
            c.row.definition_id = target.id
            c.history.append(("instance_migrated", {"from_definition": old, "to_version": to_version}))
            c.run_engine_steps()
            return {"migrated": True, "version": to_version}

        return self.adv.run(instance_id, actor, act)

    def get(self, instance_id: str) -> ProcessInstance:
        """The instance row (no state decrypted).

        :raises InstanceNotFound: when there is none.
        """
        from engine.errors import InstanceNotFound

        with self.db.reading() as uow:
            row = uow.session.get(ProcessInstance, instance_id)
            if row is None:
                raise InstanceNotFound(f"no process instance {instance_id}", instance_id=instance_id)
            uow.session.expunge(row)
            return row

    def data(self, instance_id: str) -> dict[str, Any]:
        """The instance's current process data (decrypted).

        When it has ended, the workflow's data; otherwise the data of its live tasks merged, the most
        recently changed last (parallel branches each hold their own; a boundary timer armed long ago
        waits with old data).
        """
        row = self.get(instance_id)
        wf, _ = self.adv.restore(row)
        return current_data(wf)

    def flag_items(self, instance_id: str) -> list[Any]:
        """The items of the instance's risk-flag variable across all its branches (engine/flags.py)."""
        from engine.flags import flag_items

        row = self.get(instance_id)
        wf, _ = self.adv.restore(row)
        return flag_items(wf, self.adv.flags_variable)

    def list(self, *, process_id: str | None = None, status: str | None = None, limit: int = 100) -> list[ProcessInstance]:
        """Instances, newest first, optionally filtered."""
        with self.db.reading() as uow:
            stmt = select(ProcessInstance).order_by(ProcessInstance.created_at.desc()).limit(limit)
            if process_id:
                stmt = stmt.where(ProcessInstance.process_id == process_id)
            if status:
                stmt = stmt.where(ProcessInstance.status == InstanceStatus(status))
            rows = list(uow.session.scalars(stmt))
            for r in rows:
                uow.session.expunge(r)
            return rows


def _spec_registry() -> Any:
    """The registry SpiffWorkflow's diff needs to compare task spec attributes."""
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer

    from engine.spiff import _serializer_config

    return BpmnWorkflowSerializer.configure(_serializer_config())


def current_data(wf: Any) -> dict[str, Any]:
    """A workflow's data now: see :meth:`Instances.data`."""
    if wf.is_completed():
        return dict(wf.data)
    live = TaskState.READY | TaskState.STARTED | TaskState.WAITING
    merged: dict[str, Any] = dict(wf.data)
    for task in sorted(wf.get_tasks(state=live), key=lambda t: t.last_state_change):
        merged.update(task.data)
    return merged
