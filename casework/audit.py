"""The audit trail of sensitive acts: who revealed a full resident ID, who overrode a credit code, when
and why. Rows are written in the same unit of work as the act they record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import field_error, invalid
from casework.models import AuditAction, AuditEvent
from engine.db.session import Database

MAX_REASON = 500


@dataclass(frozen=True)
class AuditEntry:
    """One audit row as callers see it."""

    id: str
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    reason: str
    details: dict[str, Any]


def check_reason(reason: Any, field: str = "reason") -> str:
    """The stripped reason text.

    :raises InvalidInput: code REASON_REQUIRED when it is missing or blank, REASON_TOO_LONG past 500.
    """
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise invalid("a reason is required", "REASON_REQUIRED", field_error(field, "REASON_REQUIRED"))
    if len(text) > MAX_REASON:
        raise invalid("the reason is too long", "REASON_TOO_LONG", field_error(field, "REASON_TOO_LONG", max=MAX_REASON))
    return text


def check_actor(actor: Any) -> str:
    """The actor name.

    :raises InvalidInput: code ACTOR_REQUIRED when none is given (audited acts need a person).
    """
    if not isinstance(actor, str) or not actor.strip():
        raise invalid("an audited act needs an actor", "ACTOR_REQUIRED", field_error("actor", "ACTOR_REQUIRED"))
    return actor.strip()


def record(
    session: Session,
    at: datetime,
    actor: str,
    action: AuditAction,
    subject_type: str,
    subject_id: str,
    reason: str,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit row inside the caller's unit of work."""
    row = AuditEvent(
        at=at,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        reason=reason,
        details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
    )
    session.add(row)
    return row


class AuditLog:
    """Reads the audit trail."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def entries(
        self, *, subject_type: str | None = None, subject_id: str | None = None, action: str | None = None, limit: int = 200
    ) -> list[AuditEntry]:
        """Audit rows, newest first, optionally for one subject or action."""
        stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id).limit(limit)
        if subject_type:
            stmt = stmt.where(AuditEvent.subject_type == subject_type)
        if subject_id:
            stmt = stmt.where(AuditEvent.subject_id == subject_id)
        if action:
            stmt = stmt.where(AuditEvent.action == AuditAction(action))
        with self.db.reading() as uow:
            return [
                AuditEntry(r.id, r.at, r.actor, r.action.value, r.subject_type, r.subject_id, r.reason, json.loads(r.details))
                for r in uow.session.scalars(stmt)
            ]
