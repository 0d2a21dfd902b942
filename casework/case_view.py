"""How a case reads: the view callers get, finding cases, and which process works each kind of case."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from casework.errors import field_error, invalid
from casework.models import Case, CaseInstance, CaseKind, CaseStatus

PROCESS_BY_KIND: dict[CaseKind, str] = {
    CaseKind.JOINER: "cross_province_joiner",
    CaseKind.TRANSFER: "transfer",
    CaseKind.ENROLMENT: "enrolment",
    CaseKind.STOP_CONTRIBUTION: "stop_contribution",
    CaseKind.CARD: "card_issuance",
}
KIND_BY_PROCESS = {p: k for k, p in PROCESS_BY_KIND.items()}


@dataclass(frozen=True)
class CaseView:
    """A case as callers see it; ``instances`` are (instance id, process id, role), root first."""

    id: str
    person_id: str
    kind: str
    employer_id: str | None
    region: str
    status: str
    process_id: str
    root_instance_id: str | None
    opened_at: datetime
    opened_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    close_reason: str | None
    instances: tuple[tuple[str, str, str], ...] = ()

    @property
    def active(self) -> bool:
        """True while the case is open."""
        return self.status == CaseStatus.ACTIVE.value

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "id": self.id,
            "person_id": self.person_id,
            "kind": self.kind,
            "employer_id": self.employer_id,
            "region": self.region,
            "status": self.status,
            "process_id": self.process_id,
            "root_instance_id": self.root_instance_id,
            "opened_at": self.opened_at.isoformat(),
            "opened_by": self.opened_by,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "closed_by": self.closed_by,
            "close_reason": self.close_reason,
            "instances": [{"instance_id": i, "process_id": p, "role": r} for i, p, r in self.instances],
        }


def read_case(session: Session, row: Case) -> CaseView:
    """The view of a case row with its linked instances (root first)."""
    links = session.scalars(
        select(CaseInstance).where(CaseInstance.case_id == row.id).order_by(CaseInstance.linked_at, CaseInstance.instance_id)
    ).all()
    ordered = sorted(links, key=lambda link: link.role != "root")
    return CaseView(
        row.id, row.person_id, row.kind.value, row.employer_id, row.region, row.status.value, row.process_id,
        row.root_instance_id, row.opened_at, row.opened_by, row.closed_at, row.closed_by, row.close_reason,
        tuple((link.instance_id, link.process_id, link.role) for link in ordered),
    )


def check_kind(kind: Any) -> CaseKind:
    """The case kind.

    :raises InvalidInput: CASE_KIND_INVALID.
    """
    try:
        return CaseKind(kind)
    except ValueError:
        raise invalid(
            f"unknown case kind {kind!r}", "CASE_KIND_INVALID",
            field_error("kind", "CASE_KIND_INVALID", allowed=[k.value for k in CaseKind]),
        ) from None


SCOPE_COLUMNS = {"person_id": Case.person_id, "employer_id": Case.employer_id, "region": Case.region}


def case_conditions(scopes: Sequence[Mapping[str, str]] | None, *, kind: str | None = None, status: str | None = None) -> list[Any]:
    """SQL conditions: a case in any of ``scopes`` (each matches all its fields among person_id,
    employer_id and region; None: every case, an empty list: none), of ``kind`` and ``status`` if given.

    :raises InvalidInput: CASE_KIND_INVALID.
    :raises ValueError: for an unknown status or scope field.
    """
    conds: list[Any] = []
    if scopes is not None:
        alternatives = [and_(*(SCOPE_COLUMNS[k] == v for k, v in scope.items())) for scope in scopes if scope]
        conds.append(or_(*alternatives) if alternatives else false())
    if kind is not None:
        conds.append(Case.kind == check_kind(kind))
    if status is not None:
        conds.append(Case.status == CaseStatus(status))
    return conds


def page_of_cases(session: Session, conditions: list[Any], limit: int, offset: int = 0) -> tuple[list[CaseView], int]:
    """The cases matching ``conditions``, newest first, from ``offset`` (at most ``limit``), and their exact count."""
    total = int(session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0)
    stmt = select(Case).where(*conditions).order_by(Case.opened_at.desc(), Case.id).limit(limit).offset(offset)
    return [read_case(session, r) for r in session.scalars(stmt)], total
