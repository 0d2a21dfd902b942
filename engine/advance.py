"""The advance cycle: lock an instance, restore it, act, run engine steps, write everything back.

Every change to an instance goes through :meth:`Advancer.run`, in one unit of work: the instance row
is locked (row lock on PostgreSQL, the write lock of ``BEGIN IMMEDIATE`` on SQLite), its state
restored, the caller's act applied, engine steps run until the instance waits, and then the state,
inbox rows, jobs, message subscriptions and history are written and committed together. A lock or
serialization failure retries the whole cycle; nothing half-done is ever committed.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from engine.assignment import LaneAssignment
from engine.crypto import Cipher
from engine.db.models import (
    HumanTask,
    InstanceStatus,
    Job,
    JobKind,
    JobStatus,
    MessageSubscription,
    ProcessInstance,
    ReceivedMessage,
    TaskStatus,
)
from engine.db.session import Database, UnitOfWork, with_retries
from engine.definitions import DefinitionStore
from engine.errors import EngineError, InstanceNotFound, StepFailed
from engine.flags import DEFAULT_VARIABLE, encode_codes, flag_codes
from engine.history import HistoryWriter
from engine.jsonutil import dumps
from engine.spiff import (
    ClockCycleTimerEventDefinition,
    ClockDurationTimerEventDefinition,
    ClockTimeDateEventDefinition,
    DeferredServiceTask,
    RunContext,
    StateSerializer,
    attach_context,
)
from engine.statements import (
    CLOSE_TASK,
    FLAG_OPEN_TASKS,
    INSERT_TASK,
    InstanceRow,
    load_instance,
    write_instance,
)

R = TypeVar("R")

ACTIVE = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)


@dataclass
class Step:
    """A task the engine ran during an advance."""

    element_id: str
    name: str | None
    kind: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class Located:
    """An instance row that the caller's finder read inside the transaction, already locked."""

    row: InstanceRow
    loaded: dict[str, Any]


@dataclass
class Cycle:
    """What one advance knows while it runs: the row, the workflow, the run context, the actor."""

    uow: UnitOfWork
    row: InstanceRow
    workflow: BpmnWorkflow
    ctx: RunContext
    actor: str | None
    now: datetime
    steps: list[Step] = field(default_factory=list)
    completed_task_ids: set[str] = field(default_factory=set)
    ready_before: set[str] = field(default_factory=set)  # ready human tasks when the cycle began
    history: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # The row's column values as read (None: a new instance, inserted by the write-back).
    loaded: dict[str, Any] | None = None

    @property
    def session(self) -> Session:
        """The ORM session of the cycle's transaction (opened on first use)."""
        return self.uow.session

    def connection(self) -> Connection:
        """The Core connection of the cycle's transaction."""
        return self.uow.connection()

    def run_engine_steps(self) -> None:
        """Run the workflow until it waits, recording each task it ran."""

        def did_complete(task: Any) -> None:
            spec = task.task_spec
            if getattr(spec, "bpmn_id", None):
                self.steps.append(
                    Step(
                        spec.bpmn_id,
                        spec.bpmn_name,
                        type(spec).__name__,
                        (getattr(spec, "extensions", None) or {}).get("properties", {}),
                    )
                )

        try:
            self.workflow.refresh_timers()
            self.workflow.do_engine_steps(did_complete_task=did_complete)
        except WorkflowException as exc:
            raise step_failed(exc) from exc


class Advancer:
    """Runs advance cycles and keeps the tables beside the state in step with it."""

    def __init__(
        self,
        db: Database,
        cipher: Cipher,
        clock: Any,
        definitions: DefinitionStore,
        script_engine: Any,
        history: HistoryWriter,
        assignment: LaneAssignment,
        *,
        default_retries: int,
        default_backoff: float,
        flags_variable: str = DEFAULT_VARIABLE,
    ) -> None:
        self.db = db
        self.cipher = cipher
        self.clock = clock
        self.definitions = definitions
        self.script_engine = script_engine
        self.history = history
        self.assignment = assignment
        self.default_retries = default_retries
        self.default_backoff = default_backoff
        self.flags_variable = flags_variable
        self._serializers: dict[int, StateSerializer] = {}

    # -- state ------------------------------------------------------------------------------------

    def _serializer(self) -> StateSerializer:
        import threading

        key = threading.get_ident()
        ser = self._serializers.get(key)
        if ser is None:
            ser = self._serializers[key] = StateSerializer()
        return ser

    def new_context(self) -> RunContext:
        return RunContext(clock=self.clock, resolve_decision=self.definitions.resolve_decision)

    def restore(self, row: ProcessInstance | InstanceRow) -> tuple[BpmnWorkflow, RunContext]:
        """Restore the workflow of ``row`` with its cached specs and a fresh run context."""
        spec, subprocess_specs = self.definitions.specs_for(row.definition_id)
        text = self.cipher.decrypt_text(row.state)
        wf = self._serializer().loads(text, spec, subprocess_specs)
        wf.script_engine = self.script_engine
        return wf, attach_context(wf, self.new_context())

    def serialize(self, wf: BpmnWorkflow) -> str:
        return self.cipher.encrypt_text(self._serializer().dumps(wf))

    # -- the cycle --------------------------------------------------------------------------------

    def lock(self, conn: Connection, instance_id: str) -> tuple[InstanceRow, dict[str, Any]]:
        """Lock the instance row for this transaction; the row and its values as read.

        :raises InstanceNotFound: when there is no such instance.
        """
        found = load_instance(conn, instance_id, for_update=not self.db.is_sqlite)
        if found is None:
            raise InstanceNotFound(f"no process instance {instance_id}", instance_id=instance_id)
        return found

    def run(
        self, instance_id: str | Callable[[UnitOfWork], str | Located], actor: str | None, act: Callable[[Cycle], R]
    ) -> R:
        """Lock, restore, ``act``, run steps, write back and commit; retried on lock failures.

        ``instance_id`` may be a function that finds the id inside the transaction (e.g. from a task),
        or the locked row itself.
        """

        def attempt() -> R:
            with self.db.unit_of_work() as uow:
                found = instance_id if isinstance(instance_id, str) else instance_id(uow)
                row, loaded = (found.row, found.loaded) if isinstance(found, Located) else self.lock(uow.connection(), found)
                wf, ctx = self.restore(row)
                cycle = Cycle(uow, row, wf, ctx, actor, self.clock.now(), loaded=loaded)
                cycle.ready_before = {str(t.id) for t in wf.get_tasks(state=TaskState.READY, manual=True)}
                result = act(cycle)
                self.write_back(cycle)
                uow.commit()
                return result

        return with_retries(attempt)

    def write_back(self, c: Cycle) -> None:
        """Persist the state and bring inbox, jobs, subscriptions and history in line with it."""
        with c.uow.no_autoflush():
            self._write_back(c)

    def _write_back(self, c: Cycle) -> None:
        row, wf, now = c.row, c.workflow, c.now
        if row.status == InstanceStatus.RUNNING:
            self._deliver_kept_messages(c)
        self._record_steps(c)
        row.state = self.serialize(wf)
        row.lock_version += 1
        row.updated_at = now
        if wf.is_completed() and row.status == InstanceStatus.RUNNING:
            row.status = InstanceStatus.COMPLETED
            row.completed_at = now
            row.active_key = None
            self.history.add(c.uow, row.id, now, "instance_completed", actor=c.actor)
        # One walk of the task tree serves the risk flags, the inbox rows and the service jobs (the
        # library walks the same branches for any of these states alone).
        live = wf.get_tasks(state=TaskState.READY | TaskState.STARTED | TaskState.WAITING)
        self._sync_risk_flags(c, [wf.data] if wf.is_completed() else [*(t.data for t in live), wf.data])
        new_tasks = self._sync_human_tasks(c, {str(t.id): t for t in live if t.state == TaskState.READY and t.task_spec.manual})
        if row.status in ACTIVE:
            self._write_service_jobs(
                c, {str(t.id) for t in live if t.state == TaskState.STARTED and isinstance(t.task_spec, DeferredServiceTask)}
            )
            self._sync_timer_job(c)
            self._sync_subscriptions(c)
        elif row.has_service_jobs or row.has_timer or row.waits_for_message:
            self.close_side_tables(c.session, row.id, now)
            row.has_service_jobs = row.has_timer = row.waits_for_message = False
        for event, details in c.history:
            self.history.add(c.uow, row.id, now, event, actor=c.actor, details=details)
        conn = c.connection()
        write_instance(conn, row, c.loaded)  # the instance row first: inbox rows and jobs refer to it
        c.loaded = row.values()
        INSERT_TASK.executemany(conn, new_tasks)
        if c.uow.has_session:
            c.session.flush()  # what acts and the job/subscription sync added through the session
        self.history.write_pending(c.uow, conn)

    def _deliver_kept_messages(self, c: Cycle) -> None:
        """Hand the instance the kept messages it now waits for, oldest first."""
        for _ in range(20):
            waiting = waiting_messages(c.workflow, c.row)
            if not waiting:
                return
            kept = c.session.scalars(
                select(ReceivedMessage)
                .where(
                    ReceivedMessage.message_name.in_({name for name, _ in waiting}),
                    ReceivedMessage.delivered_at.is_(None),
                    ReceivedMessage.expires_at > c.now,
                )
                .order_by(ReceivedMessage.received_at)
            )
            match = next((m for m in kept if any(m.message_name == n and keys_match(k, m.correlation) for n, k in waiting)), None)
            if match is None or not self.deliver(c, match):
                return

    def deliver(self, c: Cycle, msg: ReceivedMessage) -> bool:
        """Deliver one received message to the cycle's workflow; False when nothing caught it."""
        payload = json.loads(self.cipher.decrypt_text(msg.payload))
        event = BpmnEvent(MessageEventDefinition(msg.message_name), payload)
        if not c.workflow.event_manager.catch(event, internal=False):
            return False
        msg.delivered_at, msg.instance_id = c.now, c.row.id
        c.history.append(("message_received", {"message": msg.message_name, "message_id": msg.message_id}))
        c.run_engine_steps()
        return True

    def _record_steps(self, c: Cycle) -> None:
        for step in c.steps:
            milestone = step.properties.get("milestone")
            if milestone:
                c.row.current_stage = milestone
            self.history.add(
                c.uow,
                c.row.id,
                c.now,
                "step_completed",
                element_id=step.element_id,
                element_name=step.name,
                actor=c.actor if step.kind in ("UserTask", "ManualTask") else None,
                encoded=step_details(step.kind, milestone),
            )
        for answer in c.ctx.decisions:
            self.history.add(
                c.uow,
                c.row.id,
                c.now,
                "decision_evaluated",
                element_id=answer.element_id,
                details={"decision_id": answer.decision_id, "version": answer.version},
                sensitive=False,
            )
        c.ctx.decisions.clear()
        c.steps.clear()

    # -- side tables ------------------------------------------------------------------------------

    def _sync_risk_flags(self, c: Cycle, sources: list[Any]) -> None:
        """Mirror the codes of the flags variable onto the instance and its inbox rows that stay open.

        ``sources``: the data of the live tasks and the workflow's (only the latter once it ended),
        as :func:`engine.flags.flag_items` reads them; the set of codes is the same.
        """
        items: list[Any] = []
        for data in sources:
            value = data.get(self.flags_variable) if isinstance(data, dict) else None
            if isinstance(value, list):
                items.extend(value)
        stored = encode_codes(flag_codes(items))
        if stored == (c.row.risk_flags or "[]"):
            return
        c.row.risk_flags = stored
        if c.ready_before:
            FLAG_OPEN_TASKS.execute(c.connection(), {"w_instance": c.row.id, "risk_flags": stored})

    def _sync_human_tasks(self, c: Cycle, ready: dict[str, Any]) -> list[dict[str, Any]]:
        """Close the inbox rows of tasks no longer ready; the rows to insert for newly ready tasks.

        ``ready`` holds the ready manual tasks by id. The new rows are inserted after the instance
        row (they refer to it); closing happens now, before anything below looks for open rows.
        """
        # Every task that was ready when the cycle began has its open inbox row; close those that
        # are no longer ready, without loading them.
        gone = c.ready_before - ready.keys()
        if gone:
            closing = [
                {"w_id": tid, "status": TaskStatus.COMPLETED, "completed_at": c.now, "completed_by": c.actor}
                if tid in c.completed_task_ids
                else {"w_id": tid, "status": TaskStatus.CANCELLED, "completed_at": c.now, "completed_by": None}
                for tid in sorted(gone)
            ]
            CLOSE_TASK.executemany(c.connection(), closing)
        c.row.has_open_tasks = bool(ready)
        new_rows: list[dict[str, Any]] = []
        for task_id, task in ready.items():
            if task_id in c.ready_before:
                continue
            spec = task.task_spec
            props = (getattr(spec, "extensions", None) or {}).get("properties", {})
            lane = getattr(spec, "lane", None)
            group, assignee = self.assignment.resolve(lane, c.row)
            new_rows.append(
                {
                    "id": task_id,
                    "instance_id": c.row.id,
                    "process_id": c.row.process_id,
                    "element_id": spec.bpmn_id,
                    "title": spec.bpmn_name or spec.bpmn_id,
                    "lane": lane,
                    "candidate_group": group,
                    "assignee": assignee,
                    "subject_person": c.row.subject_person,
                    "stage": props.get("milestone") or c.row.current_stage,
                    "risk_flags": c.row.risk_flags or "[]",
                    "status": TaskStatus.OPEN,
                    "due_at": self.assignment.due_at(props, c.now),
                    "form_schema": form_path(spec, props.get("formJsonSchemaFilename")),
                    "form_ui_schema": form_path(spec, props.get("formUiSchemaFilename")),
                    "created_at": c.now,
                    "claimed_at": None,
                    "claimed_by": None,
                    "completed_at": None,
                    "completed_by": None,
                }
            )
        return new_rows

    def _write_service_jobs(self, c: Cycle, started: set[str]) -> None:
        """Cancel the jobs of service tasks no longer waiting; add the jobs of those that reached their turn."""
        still_pending = False
        if c.row.has_service_jobs:
            for job in c.session.scalars(
                select(Job).where(
                    Job.instance_id == c.row.id, Job.kind == JobKind.SERVICE, Job.status == JobStatus.PENDING
                )
            ):
                if job.task_id not in started:  # interrupted, e.g. by a boundary timer
                    job.status = JobStatus.CANCELLED
                    job.dedupe_key = None
                    job.updated_at = c.now
                else:
                    still_pending = True
        c.row.has_service_jobs = still_pending or bool(c.ctx.pending_calls)
        for call in c.ctx.pending_calls:
            retries = call.retries if call.retries is not None else self.default_retries
            backoff = float(call.backoff_base) if call.backoff_base else self.default_backoff
            c.session.add(
                Job(
                    kind=JobKind.SERVICE,
                    status=JobStatus.PENDING,
                    dedupe_key=f"service:{c.row.id}:{call.task_id}",
                    instance_id=c.row.id,
                    task_id=call.task_id,
                    element_id=call.element_id,
                    operator=call.operator,
                    payload=self.cipher.encrypt_text(dumps(call.params)),
                    due_at=c.now,
                    attempts=0,
                    max_attempts=retries + 1,
                    backoff_seconds=backoff,
                    attempt_key=new_attempt_key(),
                    created_at=c.now,
                    updated_at=c.now,
                )
            )
        c.ctx.pending_calls.clear()

    def _sync_timer_job(self, c: Cycle) -> None:
        due = next_timer_due(c.workflow)
        if due is None and not c.row.has_timer:
            return
        key = f"timer:{c.row.id}"
        job = c.session.scalars(select(Job).where(Job.dedupe_key == key)).one_or_none()
        c.row.has_timer = due is not None and c.row.status == InstanceStatus.RUNNING
        if not c.row.has_timer:
            if job is not None:
                c.session.delete(job)
            return
        if job is None:
            c.session.add(
                Job(
                    kind=JobKind.TIMER,
                    status=JobStatus.PENDING,
                    dedupe_key=key,
                    instance_id=c.row.id,
                    due_at=due,
                    attempts=0,
                    max_attempts=self.default_retries + 1,
                    backoff_seconds=self.default_backoff,
                    attempt_key=new_attempt_key(),
                    created_at=c.now,
                    updated_at=c.now,
                )
            )
        elif job.last_error is not None or job.status == JobStatus.FAILED:
            return  # a timer whose firing failed keeps its retry schedule, or its open incident
        else:
            assert due is not None
            job.due_at, job.status, job.updated_at = due, JobStatus.PENDING, c.now
            job.locked_by = job.locked_until = None
            job.attempts = 0

    def _sync_subscriptions(self, c: Cycle) -> None:
        waiting = waiting_messages(c.workflow, c.row)
        if c.row.waits_for_message:
            c.session.execute(delete(MessageSubscription).where(MessageSubscription.instance_id == c.row.id))
        c.row.waits_for_message = bool(waiting)
        for name, keys in waiting:
            c.session.add(
                MessageSubscription(
                    instance_id=c.row.id,
                    message_name=name,
                    correlation=json.dumps(keys, sort_keys=True, ensure_ascii=False),
                    created_at=c.now,
                )
            )

    def close_side_tables(self, session: Session, instance_id: str, now: datetime) -> None:
        """An ended instance: cancel its open tasks and pending jobs, drop its subscriptions."""
        for task in session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.OPEN)
        ):
            task.status, task.completed_at = TaskStatus.CANCELLED, now
        for job in session.scalars(
            select(Job).where(Job.instance_id == instance_id, Job.status == JobStatus.PENDING)
        ):
            job.status, job.dedupe_key, job.updated_at = JobStatus.CANCELLED, None, now
        session.execute(delete(MessageSubscription).where(MessageSubscription.instance_id == instance_id))


def keys_match(known: dict[str, str], correlation: str) -> bool:
    """Whether every key a message carries equals the waiting instance's value."""
    return all(known.get(k) == v for k, v in json.loads(correlation).items())


@lru_cache(maxsize=1024)
def step_details(kind: str, milestone: str | None) -> str:
    """The history details of a completed step (its element kind and milestone), as JSON."""
    return dumps({"kind": kind, **({"milestone": milestone} if milestone else {})})


def new_attempt_key() -> str:
    """A fresh idempotency key for one logical external call."""
    return secrets.token_hex(16)


TIMER_EVENT_TYPES = frozenset(
    cls.__name__
    for cls in (
        ClockTimeDateEventDefinition,
        ClockDurationTimerEventDefinition,
        ClockCycleTimerEventDefinition,
        *ClockTimeDateEventDefinition.__mro__[1:2],
        *ClockDurationTimerEventDefinition.__mro__[1:2],
        *ClockCycleTimerEventDefinition.__mro__[1:2],
    )
)


def form_path(spec: Any, name: str | None) -> str | None:
    """The deployed path of a task's form file: relative to the BPMN file that defines the task.

    A task of a called process (call activity) keeps its forms beside its own BPMN file, not beside
    the file of the process that called it.
    """
    if not name:
        return None
    source = getattr(getattr(spec, "_wf_spec", None), "file", None) or ""
    folder = source.rsplit("/", 1)[0] + "/" if "/" in source else ""
    return folder + name


def step_failed(exc: WorkflowException) -> StepFailed:
    """The engine error for a library exception raised while running steps, naming the element."""
    task = getattr(exc, "task", None)
    spec = getattr(task, "task_spec", None) or getattr(exc, "task_spec", None)
    element = getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)
    cause = exc.__cause__ or exc.__context__
    params: dict[str, Any] = {"element_id": element, "error": getattr(exc, "error_type", None) or type(cause or exc).__name__}
    if isinstance(cause, EngineError):
        params["error_code"] = cause.code
    return StepFailed(f"step {element or '?'} failed: {str(exc)[:300]}", **params)


def pending_events(wf: BpmnWorkflow) -> list[Any]:
    """What the workflow waits for, one entry per event.

    SpiffWorkflow reports an event-based gateway (and a multiple catch event) as one pending event
    of type ``MultipleEventDefinition`` without a name or value; its timers and messages are
    listed here one by one so that each gets its timer job or subscription.
    """
    found: list[Any] = []
    for task in wf.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        if isinstance(definition, MultipleEventDefinition):
            found.extend(d.details(task) for d in definition.event_definitions)
        else:
            found.append(definition.details(task))
    return found


def next_timer_due(wf: BpmnWorkflow) -> datetime | None:
    """The earliest due time among the workflow's waiting timers."""
    due: datetime | None = None
    for event in pending_events(wf):
        if event.event_type not in TIMER_EVENT_TYPES or not event.value:
            continue
        value = event.value
        try:
            when = TimerEventDefinition.get_datetime(value if isinstance(value, str) else str(value))
        except ValueError:
            continue
        if due is None or when < due:
            due = when
    return due


def waiting_messages(wf: BpmnWorkflow, row: InstanceRow) -> list[tuple[str, dict[str, str]]]:
    """(message name, correlation keys) for each message the workflow waits for.

    An instance can always be reached by its id and business key; correlation values the process
    established (SpiffWorkflow correlation properties) are added as ``key.property``.
    """
    found = []
    for event in pending_events(wf):
        if event.event_type != "MessageEventDefinition":
            continue
        keys = {"instance_id": row.id}
        if row.business_key:
            keys["business_key"] = row.business_key
        for key, props in (event.correlations or {}).items():
            if isinstance(props, dict):
                for prop, value in props.items():
                    keys[f"{key}.{prop}"] = str(value)
        found.append((event.name, keys))
    return found
