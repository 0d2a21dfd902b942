"""Append-only history of instances: what happened, at which element, who did it, when."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.orm import Session

from engine.crypto import Cipher
from engine.db.models import HistoryEntry
from engine.db.session import UnitOfWork
from engine.jsonutil import dumps
from engine.statements import Prepared


@dataclass(frozen=True)
class HistoryItem:
    """One history entry as callers see it (details decrypted)."""

    id: int
    at: datetime
    event: str
    element_id: str | None
    element_name: str | None
    actor: str | None
    details: dict[str, Any]


_PENDING = "shebao_history_pending"
HISTORY_TABLE: Table = HistoryEntry.__table__  # type: ignore[assignment]
HISTORY_INSERT = Prepared(HISTORY_TABLE.insert(), [c.key for c in HISTORY_TABLE.columns if c.key != "id"])


class HistoryWriter:
    """Adds history entries inside the caller's unit of work.

    Details that may carry personal data are encrypted. The engine's own step records (element kind,
    milestone) hold none and are stored as plain JSON (``sensitive=False``), which readers tell apart
    by the leading ``{`` — an encrypted token never starts with one.
    """

    def __init__(self, cipher: Cipher) -> None:
        self.cipher = cipher

    def add(
        self,
        target: Session | UnitOfWork,
        instance_id: str,
        at: datetime,
        event: str,
        *,
        element_id: str | None = None,
        element_name: str | None = None,
        actor: str | None = None,
        details: dict[str, Any] | None = None,
        sensitive: bool = True,
        encoded: str | None = None,
    ) -> None:
        """Append one entry (written by :meth:`write_pending`, in one statement per advance).

        ``encoded``: details already encoded as JSON, holding no personal data (stored as given).
        """
        target.info.setdefault(_PENDING, []).append(
            {
                "instance_id": instance_id,
                "at": at,
                "event": event,
                "element_id": element_id,
                "element_name": element_name,
                "actor": actor,
                "details": encoded
                or ((self.cipher.encrypt_text(dumps(details)) if sensitive else dumps(details)) if details else None),
            }
        )

    def write_pending(self, target: Session | UnitOfWork, conn: Connection | None = None) -> None:
        """Insert the entries added to ``target`` so far (on ``conn``, default: the target's connection)."""
        rows = target.info.pop(_PENDING, None)
        if rows:
            HISTORY_INSERT.executemany(conn or target.connection(), rows)  # one statement, no RETURNING

    def _details(self, stored: str | None) -> dict[str, Any]:
        if not stored:
            return {}
        return json.loads(stored if stored.startswith("{") else self.cipher.decrypt_text(stored))

    def read(self, session: Session, instance_id: str) -> list[HistoryItem]:
        """All entries of an instance, oldest first."""
        rows = session.scalars(
            select(HistoryEntry).where(HistoryEntry.instance_id == instance_id).order_by(HistoryEntry.id)
        )
        return [
            HistoryItem(
                id=r.id,
                at=r.at,
                event=r.event,
                element_id=r.element_id,
                element_name=r.element_name,
                actor=r.actor,
                details=self._details(r.details),
            )
            for r in rows
        ]
