"""Cases: one employee's matter of one kind, worked by process instances.

Opening a case writes the case row first — a unique ``active_key`` (``<person>/<kind>``) makes a second
active case of the same kind for the same person fail there, before anything else happens — then
starts the kind's process with the case id as its unique business key, then links the instance. If the
start fails the case row is removed again. A crash between the steps leaves an active case without
an instance for a moment; :meth:`CaseService.close_finished` (a recurring scan) links such a case to
its instance when the start went through, or cancels it when it did not.

A case closes when its root instance completes, and is cancelled when it is terminated or cancelled
by a person (which terminates its instances).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework import audit, divisions, identifiers
from casework.case_view import (
    KIND_BY_PROCESS,
    PROCESS_BY_KIND,
    CaseView,
    case_conditions,
    check_kind,
    page_of_cases,
    read_case,
)
from casework.employers import EmployerRegistry
from casework.errors import CaseAlreadyActive, CaseNotFound, CaseStateConflict, field_error, invalid
from casework.models import AuditAction, Case, CaseInstance, CaseKind, CaseStatus
from casework.people import PersonRegistry
from casework.progress import CaseProgress
from casework.warnings import merge_warnings
from engine.db.models import InstanceStatus, ProcessInstance
from engine.db.session import with_retries
from engine.errors import InstanceStateConflict

# Keys of the start data that the case sets itself (from the registries), not the caller.
RESERVED_KEYS = ("case_id", "person", "employer", "region")
SCAN_NAME = "casework.close_finished"
ORPHAN_GRACE = timedelta(minutes=5)  # how long an open without an instance may be under way


class CaseService:
    """Opens, reads, closes and cancels cases; shows their progress and warnings."""

    def __init__(self, engine: Any, people: PersonRegistry | None = None, employers: EmployerRegistry | None = None) -> None:
        self.engine = engine
        self.db = engine.db
        self.clock = engine.clock
        self.people = people or PersonRegistry.from_engine(engine)
        self.employers = employers or EmployerRegistry.from_engine(engine)
        self.views = CaseProgress(engine)

    # -- opening ----------------------------------------------------------------------------------

    def _case_date(self, case_date: Any) -> str:
        if case_date in (None, ""):
            return self.clock.now().astimezone(identifiers.SHANGHAI).date().isoformat()
        try:
            return date.fromisoformat(str(case_date)).isoformat()
        except ValueError:
            raise invalid("case_date must be a date YYYY-MM-DD", "CASE_DATE_INVALID", field_error("case_date", "DATE_INVALID")) from None

    def open_case(
        self,
        person_id: str,
        kind: str,
        employer_id: str | None,
        region: str,
        data: Mapping[str, Any] | None = None,
        actor: str | None = None,
        *,
        case_date: str | None = None,
    ) -> CaseView:
        """Open a case and start its process (process id by kind, see ``PROCESS_BY_KIND``).

        The process starts with ``data`` plus ``case_id``, ``person`` and ``employer`` (CONTRACTS
        shapes, from the registries), ``region``, ``case_date`` (default: today in Asia/Shanghai by
        the engine clock) and ``warnings`` (default empty); its subject person, employer scope and
        city scope are the case's person, employer and region. When the employer lists insured
        places, ``region`` must be one of them.

        :raises InvalidInput: CASE_KIND_INVALID, DIVISION_CODE_INVALID, REGION_NOT_INSURED,
            CASE_DATA_INVALID, CASE_DATE_INVALID.
        :raises PersonNotFound, EmployerNotFound, DefinitionNotFound: for unknown ids or an undeployed process.
        :raises CaseAlreadyActive: the person has an active case of this kind; nothing was changed.
        """
        case_kind = check_kind(kind)
        if not divisions.is_division_code(region):
            raise invalid("region must be a 6-digit division code", "DIVISION_CODE_INVALID", field_error("region", "DIVISION_CODE_INVALID"))
        if data is not None and not isinstance(data, Mapping):
            raise invalid("case data must be a JSON object", "CASE_DATA_INVALID", field_error("data", "OBJECT_REQUIRED"))
        extra = dict(data or {})
        reserved = sorted(k for k in RESERVED_KEYS if k in extra)
        if reserved:
            raise invalid(
                f"case data may not set {', '.join(reserved)}", "CASE_DATA_INVALID",
                *(field_error(f"data.{k}", "RESERVED_KEY") for k in reserved),
            )
        day = self._case_date(case_date or extra.pop("case_date", None))
        try:
            initial_warnings = merge_warnings(None, extra.pop("warnings", None))
        except ValueError as exc:
            raise invalid(str(exc), "CASE_DATA_INVALID", field_error("data.warnings", "WARNINGS_INVALID")) from None
        person = self.people.process_person(person_id)
        employer = self.employers.get(employer_id) if employer_id is not None else None
        if employer is not None and employer.cities and region not in employer.cities:
            raise invalid(
                "the employer does not insure staff in this region", "REGION_NOT_INSURED",
                field_error("region", "REGION_NOT_INSURED", insured=list(employer.cities)),
            )
        process_id = PROCESS_BY_KIND[case_kind]
        with self.db.reading() as uow:
            self.engine.definitions.latest(uow.session, process_id)  # DefinitionNotFound before writing

        case_id = self._insert(person_id, case_kind, employer_id, region, process_id, actor)
        start_data = {
            **extra,
            "case_id": case_id,
            "person": person,
            "employer": employer.process_data() if employer else None,
            "region": region,
            "case_date": day,
            "warnings": initial_warnings,
        }
        try:
            instance_id = self.engine.start(
                process_id, start_data, business_key=case_id, unique_key=True, subject_person=person_id,
                employer=employer_id, city=region, actor=actor,
            )
        except BaseException:
            self._remove(case_id)
            raise
        if not self._link_root(case_id, instance_id, process_id):
            # The recovery scan gave the case up meanwhile (the start took longer than ORPHAN_GRACE).
            self.engine.instances.terminate(instance_id, actor)
            raise CaseStateConflict(f"case {case_id} was cancelled while its process started", case_id=case_id)
        return self.refresh(case_id)

    def _insert(
        self, person_id: str, kind: CaseKind, employer_id: str | None, region: str, process_id: str, actor: str | None
    ) -> str:
        key = f"{person_id}/{kind.value}"

        def attempt() -> str:
            with self.db.unit_of_work() as uow:
                row = Case(
                    person_id=person_id, kind=kind, employer_id=employer_id, region=region, status=CaseStatus.ACTIVE,
                    active_key=key, process_id=process_id, opened_at=self.clock.now(), opened_by=actor,
                )
                uow.session.add(row)
                try:
                    uow.commit()
                except IntegrityError as exc:
                    if "active_key" not in str(exc.orig):
                        raise
                    uow.rollback()
                    existing = uow.session.scalars(select(Case.id).where(Case.active_key == key)).first()
                    raise CaseAlreadyActive(
                        f"the person already has an active {kind.value} case",
                        person_id=person_id, kind=kind.value, case_id=existing,
                    ) from None
                return row.id

        result: str = with_retries(attempt)
        return result

    def _remove(self, case_id: str) -> None:
        with self.db.unit_of_work() as uow:
            row = uow.session.get(Case, case_id)
            if row is not None:
                uow.session.delete(row)
                uow.commit()

    def _link_root(self, case_id: str, instance_id: str, process_id: str) -> bool:
        """Record the root instance; False when the case is no longer active."""

        def attempt() -> bool:
            with self.db.unit_of_work() as uow:
                row = uow.session.get(Case, case_id)
                if row is None or row.status != CaseStatus.ACTIVE:
                    return False
                if row.root_instance_id == instance_id:
                    return True
                row.root_instance_id = instance_id
                uow.session.add(
                    CaseInstance(case_id=case_id, instance_id=instance_id, process_id=process_id, role="root", linked_at=self.clock.now())
                )
                uow.commit()
                return True

        linked: bool = with_retries(attempt)
        return linked

    def link_instance(self, case_id: str, instance_id: str, process_id: str, role: str) -> CaseView:
        """Record another instance working on the case (e.g. a transfer started later for it).

        :raises CaseNotFound: when there is none.
        :raises InvalidInput: ROLE_INVALID for an empty role or ``root``.
        """
        if not isinstance(role, str) or not role.strip() or role == "root" or len(role) > 40:
            raise invalid("a role other than 'root' is required", "ROLE_INVALID", field_error("role", "ROLE_INVALID"))
        with self.db.unit_of_work() as uow:
            row = self._row(uow.session, case_id)
            exists = uow.session.get(CaseInstance, (case_id, instance_id))
            if exists is None:
                uow.session.add(
                    CaseInstance(case_id=row.id, instance_id=instance_id, process_id=process_id, role=role.strip(), linked_at=self.clock.now())
                )
                uow.commit()
            return read_case(uow.session, row)

    # -- reading ----------------------------------------------------------------------------------

    @staticmethod
    def _row(session: Session, case_id: str) -> Case:
        row = session.get(Case, case_id) if isinstance(case_id, str) else None
        if row is None:
            raise CaseNotFound(f"no case {case_id}", case_id=case_id)
        return row

    def get(self, case_id: str) -> CaseView:
        """A case by id.

        :raises CaseNotFound: when there is none.
        """
        with self.db.reading() as uow:
            return read_case(uow.session, self._row(uow.session, case_id))

    def cases_for_person(self, person_id: str, *, status: str | None = None) -> list[CaseView]:
        """The person's cases, newest first, optionally of one status."""
        return self.find(person_id=person_id, status=status, limit=500)

    def find(
        self,
        *,
        person_id: str | None = None,
        employer_id: str | None = None,
        region: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> list[CaseView]:
        """Cases, newest first, filtered by any of the given fields."""
        scope = {k: v for k, v in (("person_id", person_id), ("employer_id", employer_id), ("region", region)) if v is not None}
        return self.page([scope] if scope else None, kind=kind, status=status, limit=limit)[0]

    def page(
        self,
        scopes: Sequence[Mapping[str, str]] | None,
        *,
        kind: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[CaseView], int]:
        """One page of the cases in any of ``scopes`` (dicts of ``person_id``, ``employer_id``, ``region``;
        None: every case), newest first, and the exact count of them all.

        :raises InvalidInput: CASE_KIND_INVALID.
        """
        with self.db.reading() as uow:
            return page_of_cases(uow.session, case_conditions(scopes, kind=kind, status=status), limit, offset)

    def case_for_instance(self, instance_id: str) -> CaseView | None:
        """The case an instance works on, or None."""
        with self.db.reading() as uow:
            link = uow.session.scalars(select(CaseInstance).where(CaseInstance.instance_id == instance_id)).first()
            if link is None:
                return None
            return read_case(uow.session, self._row(uow.session, link.case_id))

    def progress(self, case: CaseView | str) -> list[dict[str, Any]]:
        """Milestones of the case's root process in order, each ``{"name", "state", "elements"}`` with
        state done / skipped / current / pending (see casework.milestones)."""
        view = self.get(case) if isinstance(case, str) else case
        return [m.as_dict() for m in self.views.progress(view.root_instance_id)]

    def warnings(self, case: CaseView | str) -> list[dict[str, Any]]:
        """The ``warnings`` of every instance of the case, merged without duplicates, highest severity
        first; each item also lists its ``consequences`` message codes."""
        view = self.get(case) if isinstance(case, str) else case
        return self.views.warnings([i for i, _p, _r in view.instances])

    # -- closing ----------------------------------------------------------------------------------

    def _finish(self, case_id: str, status: CaseStatus, at: datetime, by: str | None, reason: str) -> bool:
        with self.db.unit_of_work() as uow:
            result = uow.session.execute(
                update(Case)
                .where(Case.id == case_id, Case.status == CaseStatus.ACTIVE)
                .values(status=status, active_key=None, closed_at=at, closed_by=by, close_reason=reason)
            )
            uow.commit()
            return bool(getattr(result, "rowcount", 0))

    def refresh(self, case_id: str) -> CaseView:
        """The case, closed first if its root instance has completed or been terminated.

        :raises CaseNotFound: when there is none.
        """
        view = self.get(case_id)
        if view.active and view.root_instance_id:
            with self.db.reading() as uow:
                inst = uow.session.get(ProcessInstance, view.root_instance_id)
                ended = (inst.status, inst.completed_at) if inst is not None else None
            if ended and ended[0] in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED):
                self._close_for(view.id, ended[0], ended[1] or self.clock.now())
                view = self.get(case_id)
        return view

    def _close_for(self, case_id: str, status: InstanceStatus, at: datetime) -> bool:
        if status == InstanceStatus.COMPLETED:
            return self._finish(case_id, CaseStatus.CLOSED, at, None, "instance_completed")
        return self._finish(case_id, CaseStatus.CANCELLED, at, None, "instance_terminated")

    def close_finished(self, now: datetime | None = None) -> list[str]:
        """Close every active case whose root instance has ended; link or cancel cases left without an
        instance by a crash during :meth:`open_case` (older than a few minutes). Returns the ids of
        the cases closed or cancelled. Safe to run on several workers at once."""
        now = now or self.clock.now()
        done: list[str] = []
        with self.db.reading() as uow:
            ended = uow.session.execute(
                select(Case.id, ProcessInstance.status, ProcessInstance.completed_at)
                .join(ProcessInstance, ProcessInstance.id == Case.root_instance_id)
                .where(
                    Case.status == CaseStatus.ACTIVE,
                    ProcessInstance.status.in_((InstanceStatus.COMPLETED, InstanceStatus.TERMINATED)),
                )
            ).all()
            orphans = uow.session.scalars(
                select(Case.id).where(
                    Case.status == CaseStatus.ACTIVE, Case.root_instance_id.is_(None), Case.opened_at < now - ORPHAN_GRACE
                )
            ).all()
            found = {
                r.business_key: (r.id, r.process_id)
                for r in uow.session.scalars(
                    select(ProcessInstance).where(ProcessInstance.business_key.in_(orphans))
                )
            } if orphans else {}
        for case_id, status, completed_at in ended:
            if self._close_for(case_id, status, completed_at or now):
                done.append(case_id)
        for orphan in orphans:
            if orphan in found:
                self._link_root(orphan, *found[orphan])
                if not self.refresh(orphan).active:
                    done.append(orphan)
            elif self._finish(orphan, CaseStatus.CANCELLED, now, None, "start_failed"):
                done.append(orphan)
        return done

    def register_scan(self, jobs: Any, interval: timedelta = timedelta(minutes=1)) -> None:
        """Make ``jobs`` (the engine's JobExecutor) run :meth:`close_finished` every ``interval``."""
        jobs.add_scan(SCAN_NAME, interval, lambda now: self.close_finished(now))

    def cancel(self, case_id: str, actor: str, reason: str) -> CaseView:
        """Cancel an active case: terminate its running instances, mark it cancelled, audit who and why.

        :raises CaseNotFound: when there is none.
        :raises CaseStateConflict: when it is not active.
        :raises InvalidInput: ACTOR_REQUIRED, REASON_REQUIRED.
        """
        who, why = audit.check_actor(actor), audit.check_reason(reason)
        view = self.get(case_id)
        if not view.active:
            raise CaseStateConflict(f"case {case_id} is {view.status}", case_id=case_id, status=view.status)
        for instance_id, _process, _role in view.instances:
            try:
                self.engine.instances.terminate(instance_id, who)
            except InstanceStateConflict:
                pass  # ended already
        now = self.clock.now()
        with self.db.unit_of_work() as uow:
            row = self._row(uow.session, case_id)
            if row.status != CaseStatus.ACTIVE:
                raise CaseStateConflict(f"case {case_id} is {row.status.value}", case_id=case_id, status=row.status.value)
            row.status, row.active_key = CaseStatus.CANCELLED, None
            row.closed_at, row.closed_by, row.close_reason = now, who, "cancelled"
            audit.record(uow.session, now, who, AuditAction.CASE_CANCELLED, "case", row.id, why)
            uow.commit()
            return read_case(uow.session, row)


__all__ = ["KIND_BY_PROCESS", "PROCESS_BY_KIND", "CaseService", "CaseView", "check_kind"]
