"""The job executor: claims due jobs with a lease, calls operators with no lock held, advances instances.

A service job's call is at-least-once: a worker that dies after the call but before the advance leaves
the job's lease to expire, and the next worker calls again with the same idempotency key, so the
other side applies the business effect once. Technical failures retry with exponential backoff and
jitter; when retries are spent the BPMN's ``SERVICE_UNAVAILABLE`` error boundary takes the flow, or an
incident opens. Business errors take the error boundary matching their code.
"""

from __future__ import annotations

import json
import logging
import random
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import ErrorEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from engine.advance import Advancer, Cycle, new_attempt_key
from engine.db.models import (
    Incident,
    IncidentStatus,
    InstanceStatus,
    Job,
    JobKind,
    JobStatus,
    WorkerHeartbeat,
)
from engine.errors import BusinessError, IncidentNotFound, InstanceNotFound, TechnicalError
from engine.operators import OperatorCall, OperatorRegistry
from engine.spiff import DeferredServiceTask

log = logging.getLogger("shebao.jobs")

SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"

# A recurring scan: func(now) does its work in its own units of work.
ScanFunc = Callable[[datetime], None]


@dataclass(frozen=True)
class Scan:
    name: str
    interval: timedelta
    func: ScanFunc


@dataclass(frozen=True)
class ClaimedJob:
    id: str
    kind: JobKind
    instance_id: str | None
    task_id: str | None
    element_id: str | None
    operator: str | None
    payload: str | None
    attempts: int
    max_attempts: int
    backoff_seconds: float
    attempt_key: str
    dedupe_key: str | None


class JobExecutor:
    """Claims and runs jobs; one per worker process (or per thread, each with its own worker id)."""

    def __init__(
        self,
        advancer: Advancer,
        operators: OperatorRegistry,
        *,
        lease_seconds: int = 300,
        max_backoff_seconds: float = 3600.0,
        attachments: Any = None,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        self.adv = advancer
        # What a failure says goes to logs and incidents; the host masks personal numbers in it.
        self.redact: Callable[[str], str] = redact or (lambda text: text)
        self.db = advancer.db
        self.clock = advancer.clock
        self.operators = operators
        self.lease = timedelta(seconds=lease_seconds)
        self.max_backoff = max_backoff_seconds
        self.attachments = attachments
        self.scans: dict[str, Scan] = {}

    # -- claiming ---------------------------------------------------------------------------------

    def claim(self, worker_id: str, limit: int = 10) -> list[ClaimedJob]:
        """Lease up to ``limit`` due jobs to ``worker_id`` (skipping jobs other workers hold)."""
        now = self.clock.now()
        with self.db.unit_of_work() as uow:
            stmt = (
                select(Job)
                .where(
                    Job.status == JobStatus.PENDING,
                    Job.due_at <= now,
                    or_(Job.locked_until.is_(None), Job.locked_until < now),
                )
                .order_by(Job.due_at)
                .limit(limit)
            )
            if not self.db.is_sqlite:
                stmt = stmt.with_for_update(skip_locked=True)
            jobs = list(uow.session.scalars(stmt))
            claimed = []
            for job in jobs:
                if job.kind == JobKind.TIMER or job.kind == JobKind.SERVICE:
                    # jobs of suspended instances wait
                    from engine.db.models import ProcessInstance

                    inst = uow.session.get(ProcessInstance, job.instance_id)
                    if inst is None or inst.status != InstanceStatus.RUNNING:
                        continue
                job.locked_by, job.locked_until = worker_id, now + self.lease
                job.attempts += 1
                job.updated_at = now
                claimed.append(
                    ClaimedJob(
                        job.id, job.kind, job.instance_id, job.task_id, job.element_id, job.operator,
                        job.payload, job.attempts, job.max_attempts, job.backoff_seconds, job.attempt_key,
                        job.dedupe_key,
                    )
                )
            uow.commit()
            return claimed

    def run_due(self, worker_id: str, *, max_jobs: int | None = None) -> int:
        """Run due jobs until none is left (or ``max_jobs`` ran); returns how many ran."""
        ran = 0
        while max_jobs is None or ran < max_jobs:
            batch = self.claim(worker_id, limit=10 if max_jobs is None else min(10, max_jobs - ran))
            if not batch:
                break
            for job in batch:
                self.run(job, worker_id)
                ran += 1
        return ran

    def heartbeat(self, worker_id: str) -> None:
        """Record that this worker is alive (``/readyz`` looks at it)."""
        now = self.clock.now()
        with self.db.unit_of_work() as uow:
            hb = uow.session.get(WorkerHeartbeat, worker_id)
            if hb is None:
                uow.session.add(WorkerHeartbeat(worker_id=worker_id, seen_at=now))
            else:
                hb.seen_at = now
            uow.commit()

    # -- running ----------------------------------------------------------------------------------

    def run(self, job: ClaimedJob, worker_id: str) -> None:
        """Run one claimed job to its outcome."""
        try:
            if job.kind == JobKind.SERVICE:
                self._run_service(job, worker_id)
            elif job.kind == JobKind.TIMER:
                self._run_timer(job, worker_id)
            elif job.kind == JobKind.SCAN:
                self._run_scan(job, worker_id)
        except InstanceNotFound:
            self._finish(job.id, JobStatus.CANCELLED)
        except Exception as exc:  # noqa: BLE001 - a job must never take the worker down
            if isinstance(exc, TechnicalError):
                log.warning("job %s (%s) attempt %d failed: %s", job.id, job.operator, job.attempts, self.redact(str(exc)))
            else:
                trace = self.redact("".join(traceback.format_exception(exc)))
                log.error("job %s (%s) attempt %d failed\n%s", job.id, job.operator, job.attempts, trace)
            self._technical_failure(job, worker_id, exc)

    def _still_mine(self, cycle_or_session: Any, job: ClaimedJob, worker_id: str) -> Job | None:
        session = getattr(cycle_or_session, "session", cycle_or_session)
        row = session.get(Job, job.id)
        if row is None or row.status != JobStatus.PENDING or row.attempt_key != job.attempt_key:
            return None
        return row

    def _run_service(self, job: ClaimedJob, worker_id: str) -> None:
        assert job.instance_id and job.operator
        params = json.loads(self.adv.cipher.decrypt_text(job.payload)) if job.payload else {}
        operator = self.operators.get(job.operator)
        call = OperatorCall(
            idempotency_key=job.attempt_key,
            instance_id=job.instance_id,
            element_id=job.element_id or "",
            attempt=job.attempts,
            now=self.clock.now(),
            read_attachment=getattr(self.attachments, "read_for_instance", lambda iid: None)(job.instance_id),
            save_attachment=getattr(self.attachments, "saver_for_instance", lambda iid: None)(job.instance_id),
        )
        try:
            result = operator.func(params, call)
        except BusinessError as err:
            self._business_error(job, worker_id, err)
            return
        self._complete_service(job, worker_id, result)

    def _service_task(self, c: Cycle, job: ClaimedJob) -> Any:
        task = c.workflow.get_task_from_id(UUID(job.task_id)) if job.task_id else None
        if task is None or task.state != TaskState.STARTED or not isinstance(task.task_spec, DeferredServiceTask):
            return None
        return task

    def _complete_service(self, job: ClaimedJob, worker_id: str, result: Any) -> None:
        def act(c: Cycle) -> None:
            row = self._still_mine(c, job, worker_id)
            if row is None:
                return
            task = self._service_task(c, job)
            row.status, row.dedupe_key, row.updated_at = JobStatus.DONE, None, c.now
            row.locked_by = row.locked_until = None
            if task is None:
                return
            task.data[task.task_spec.result_variable] = result
            task.complete()
            c.steps.append(_step(task))
            c.history.append(("service_completed", {"operator": job.operator, "attempt": job.attempts}))
            c.run_engine_steps()

        self.adv.run(job.instance_id, None, act)  # type: ignore[arg-type]

    def _business_error(self, job: ClaimedJob, worker_id: str, err: BusinessError) -> None:
        def act(c: Cycle) -> None:
            row = self._still_mine(c, job, worker_id)
            if row is None:
                return
            task = self._service_task(c, job)
            row.updated_at = c.now
            row.locked_by = row.locked_until = None
            if task is None:
                row.status, row.dedupe_key = JobStatus.DONE, None
                return
            details = {"operator": job.operator, "code": err.code, "message": str(err), "details": err.details}
            if self._throw_error(c, task, err.code, {"code": err.code, "message": str(err), **err.details}):
                row.status, row.dedupe_key = JobStatus.DONE, None
                c.history.append(("business_error", details))
                c.run_engine_steps()
            else:
                row.status, row.last_error = JobStatus.FAILED, f"{err.code}: {err}"
                self._open_incident(c, row, f"business error {err.code} has no error boundary: {err}")
                c.history.append(("incident_opened", details))

        self.adv.run(job.instance_id, None, act)  # type: ignore[arg-type]

    def _technical_failure(self, job: ClaimedJob, worker_id: str, exc: BaseException) -> None:
        message = self.redact(f"{type(exc).__name__}: {exc}")
        if job.instance_id is None:
            self._reschedule_or_fail(job, message)
            return

        def act(c: Cycle) -> None:
            row = self._still_mine(c, job, worker_id)
            if row is None:
                return
            row.last_error, row.updated_at = message[:2000], c.now
            row.locked_by = row.locked_until = None
            if job.attempts < job.max_attempts:
                row.due_at = c.now + self.backoff(job.backoff_seconds, job.attempts)
                c.history.append(("job_retry_scheduled", {"operator": job.operator, "attempt": job.attempts, "error": message[:500]}))
                return
            task = self._service_task(c, job) if job.kind == JobKind.SERVICE else None
            if task is not None and self._throw_error(c, task, SERVICE_UNAVAILABLE, {"code": SERVICE_UNAVAILABLE, "message": message}):
                row.status, row.dedupe_key = JobStatus.DONE, None
                c.history.append(("service_unavailable", {"operator": job.operator, "error": message[:500]}))
                c.run_engine_steps()
                return
            row.status = JobStatus.FAILED
            self._open_incident(c, row, message)
            c.history.append(("incident_opened", {"operator": job.operator, "error": message[:500]}))

        try:
            self.adv.run(job.instance_id, None, act)
        except InstanceNotFound:
            self._finish(job.id, JobStatus.CANCELLED)

    def _reschedule_or_fail(self, job: ClaimedJob, message: str) -> None:
        with self.db.unit_of_work() as uow:
            row = uow.session.get(Job, job.id)
            if row is None:
                return
            now = self.clock.now()
            row.last_error, row.locked_by, row.locked_until, row.updated_at = message[:2000], None, None, now
            if job.attempts < job.max_attempts:
                row.due_at = now + self.backoff(job.backoff_seconds, job.attempts)
            else:
                row.status = JobStatus.FAILED
            uow.commit()

    def backoff(self, base: float, attempt: int) -> timedelta:
        """Exponential backoff with full jitter in [0.5, 1.5) of the nominal delay, capped."""
        nominal = min(self.max_backoff, base * 2 ** max(0, attempt - 1))
        return timedelta(seconds=nominal * (0.5 + random.random()))  # noqa: S311 - jitter, not security

    def _throw_error(self, c: Cycle, task: Any, code: str, payload: dict[str, Any]) -> bool:
        """Route an error with ``code`` to the task's error boundary; False when none catches it."""
        if not _has_error_boundary(task, code):
            return False
        task.error()
        c.workflow.catch(BpmnEvent(ErrorEventDefinition(code, code=code), payload, target=task.workflow))
        return True

    def _open_incident(self, c: Cycle, job: Job, message: str) -> None:
        c.session.add(
            Incident(
                instance_id=c.row.id,
                job_id=job.id,
                element_id=job.element_id,
                operator=job.operator,
                error=message[:4000],
                status=IncidentStatus.OPEN,
                created_at=c.now,
            )
        )

    def _run_timer(self, job: ClaimedJob, worker_id: str) -> None:
        def act(c: Cycle) -> None:
            row = self._still_mine(c, job, worker_id)
            if row is None:
                return
            row.locked_by = row.locked_until = None
            row.attempts, row.last_error = 0, None  # fired cleanly: the next timer starts afresh
            c.history.append(("timer_checked", {}))
            c.run_engine_steps()
            if c.steps:
                c.history[-1] = ("timer_fired", {"elements": [s.element_id for s in c.steps[:1]]})
            else:
                c.history.clear()

        self.adv.run(job.instance_id, None, act)  # type: ignore[arg-type]

    # -- incidents --------------------------------------------------------------------------------

    def incidents(self, status: IncidentStatus | None = IncidentStatus.OPEN) -> list[Incident]:
        """Incidents, newest first."""
        with self.db.reading() as uow:
            stmt = select(Incident).order_by(Incident.created_at.desc())
            if status:
                stmt = stmt.where(Incident.status == status)
            rows = list(uow.session.scalars(stmt))
            for r in rows:
                uow.session.expunge(r)
            return rows

    def retry_incident(self, incident_id: str, actor: str | None) -> None:
        """Resolve an incident by trying its job again, as a new attempt with a new idempotency key.

        :raises IncidentNotFound: when there is no open incident with that id.
        """
        with self.db.reading() as uow:
            inc = uow.session.get(Incident, incident_id)
            if inc is None or inc.status != IncidentStatus.OPEN:
                raise IncidentNotFound(f"no open incident {incident_id}", incident_id=incident_id)
            instance_id = inc.instance_id

        def act(c: Cycle) -> None:
            inc = c.session.get(Incident, incident_id)
            if inc is None or inc.status != IncidentStatus.OPEN:
                raise IncidentNotFound(f"no open incident {incident_id}", incident_id=incident_id)
            job = c.session.get(Job, inc.job_id)
            assert job is not None
            inc.status, inc.resolved_at, inc.resolved_by = IncidentStatus.RESOLVED, c.now, actor
            job.status, job.attempts, job.due_at = JobStatus.PENDING, 0, c.now
            c.row.has_service_jobs = True
            job.attempt_key = new_attempt_key()
            job.locked_by = job.locked_until = None
            c.history.append(("incident_retried", {"incident_id": incident_id, "operator": job.operator}))

        self.adv.run(instance_id, actor, act)

    # -- scans ------------------------------------------------------------------------------------

    def add_scan(self, name: str, interval: timedelta, func: ScanFunc) -> None:
        """Register a recurring scan; :meth:`schedule_scans` turns each due slot into one job."""
        self.scans[name] = Scan(name, interval, func)

    def schedule_scans(self) -> None:
        """Write the job of each scan's current slot, once across all workers (a unique key)."""
        now = self.clock.now()
        for scan in self.scans.values():
            seconds = int(scan.interval.total_seconds())
            slot = datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=now.tzinfo)
            with self.db.unit_of_work() as uow:
                key = f"scan:{scan.name}:{slot.isoformat()}"
                if uow.session.scalars(select(Job.id).where(Job.dedupe_key == key)).first():
                    continue
                uow.session.add(
                    Job(
                        kind=JobKind.SCAN, status=JobStatus.PENDING, dedupe_key=key, operator=scan.name,
                        due_at=slot, attempts=0, max_attempts=1, backoff_seconds=1.0,
                        attempt_key=new_attempt_key(), created_at=now, updated_at=now,
                    )
                )
                try:
                    uow.commit()
                except IntegrityError:
                    pass  # another worker wrote this slot first

    def _run_scan(self, job: ClaimedJob, worker_id: str) -> None:
        scan = self.scans.get(job.operator or "")
        if scan is not None:
            scan.func(self.clock.now())
        self._finish(job.id, JobStatus.DONE)

    def _finish(self, job_id: str, status: JobStatus) -> None:
        with self.db.unit_of_work() as uow:
            row = uow.session.get(Job, job_id)
            if row is not None:
                row.status, row.locked_by, row.locked_until = status, None, None
                if status != JobStatus.PENDING and row.kind != JobKind.SCAN:
                    row.dedupe_key = None
                row.updated_at = self.clock.now()
                uow.commit()


def _has_error_boundary(task: Any, code: str) -> bool:
    """Whether an error boundary event attached to ``task`` catches ``code`` (or every code)."""
    parent = task.parent
    if parent is None:
        return False
    for sibling in parent.children:
        ed = getattr(sibling.task_spec, "event_definition", None)
        if isinstance(ed, ErrorEventDefinition) and (ed.code is None or ed.code == code):
            return True
    return False


def _step(task: Any) -> Any:
    from engine.advance import Step

    spec = task.task_spec
    return Step(spec.bpmn_id, spec.bpmn_name, type(spec).__name__, {})


def format_exception(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()
