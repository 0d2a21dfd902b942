"""Signed callbacks from the bureau to the product's message endpoint: an outbox with bounded retries.

A callback is queued in the same transaction as the stage it announces and delivered later by the
service's tick, in order per application (a later message waits while an earlier one is undelivered).
A failed delivery is retried after 1, 2, 4 … seconds (capped at 5 minutes) until the attempt limit;
then it is marked ``failed`` and stays visible under ``/admin/callbacks``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from connectors.signing import HEADER_MESSAGE_ID, signed_headers
from sandbox.db import Database

log = logging.getLogger("sandbox.callbacks")
MAX_BACKOFF_SECONDS = 300.0


def enqueue(
    tx: sqlite3.Connection,
    *,
    message: str,
    application_id: str,
    correlation: dict[str, Any],
    payload: dict[str, Any],
    occurred_on: date,
    created_at: datetime,
) -> str:
    """Queue one callback; returns its message id."""
    message_id = str(uuid.uuid4())
    body = {
        "message": message,
        "message_id": message_id,
        "sender": "bureau",
        "occurred_on": occurred_on.isoformat(),
        "sent_at": None,
        "correlation": correlation,
        "payload": payload,
    }
    tx.execute(
        "INSERT INTO callbacks (message_id, message, application_id, body, created_at) VALUES (?, ?, ?, ?, ?)",
        (message_id, message, application_id, json.dumps(body, ensure_ascii=False),
         created_at.isoformat()),
    )
    return message_id


class CallbackSender:
    """Delivers due callbacks of one bureau database to the configured URL."""

    def __init__(
        self,
        db: Database,
        *,
        app_key: str,
        secret: str,
        max_attempts: int = 8,
        backoff_seconds: float = 1.0,
        timeout_seconds: float = 5.0,
    ) -> None:
        self.db = db
        self.app_key = app_key
        self.secret = secret
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.timeout_seconds = timeout_seconds
        self.session = requests.Session()
        self.session.trust_env = False

    def close(self) -> None:
        """Release the HTTP connections."""
        self.session.close()

    def deliver_due(self, url: str | None) -> int:
        """Send every due callback (oldest first, in order per application); returns how many were delivered."""
        if not url:
            return 0
        conn = self.db.connect()
        try:
            rows = conn.execute(
                "SELECT * FROM callbacks WHERE status = 'pending' ORDER BY rowid"
            ).fetchall()
        finally:
            conn.close()
        now = time.time()
        blocked: set[str] = set()
        delivered = 0
        for row in rows:
            key = row["application_id"]
            if key in blocked:
                continue
            if row["next_attempt_at"] > now:
                blocked.add(key)
                continue
            if self._send(url, row):
                delivered += 1
            else:
                blocked.add(key)
        return delivered

    def _send(self, url: str, row: sqlite3.Row) -> bool:
        body = json.loads(row["body"])
        body["sent_at"] = datetime.now(UTC).isoformat()
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = signed_headers(self.app_key, self.secret, "POST", path, data)
        headers[HEADER_MESSAGE_ID] = row["message_id"]
        headers["Content-Type"] = "application/json; charset=utf-8"
        error = None
        try:
            response = self.session.post(url, data=data, headers=headers, timeout=(2.0, self.timeout_seconds))
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            error = type(exc).__name__
        attempts = row["attempts"] + 1
        with self.db.transaction() as tx:
            if error is None:
                tx.execute(
                    "UPDATE callbacks SET status = 'delivered', attempts = ?, delivered_at = ?, last_error = NULL"
                    " WHERE message_id = ?",
                    (attempts, datetime.now(UTC).isoformat(), row["message_id"]),
                )
                return True
            status = "failed" if attempts >= self.max_attempts else "pending"
            delay = min(self.backoff_seconds * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
            tx.execute(
                "UPDATE callbacks SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE message_id = ?",
                (status, attempts, time.time() + delay, error, row["message_id"]),
            )
        log.warning("callback %s (%s) not delivered: %s (attempt %d)", row["message_id"], row["message"], error, attempts)
        return False


def list_callbacks(tx: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every queued callback with its delivery state, oldest first."""
    rows = tx.execute("SELECT * FROM callbacks ORDER BY rowid").fetchall()
    return [
        {
            "message_id": r["message_id"],
            "message": r["message"],
            "status": r["status"],
            "attempts": r["attempts"],
            "last_error": r["last_error"],
            "delivered_at": r["delivered_at"],
            "body": json.loads(r["body"]),
        }
        for r in rows
    ]
