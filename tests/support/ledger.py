"""A test connector with a ledger: the "other side" of service calls, idempotent by key.

Every call is logged (so tests can see at-least-once repeats); the business effect is written once
per idempotency key (so tests can check exactly-once effects). The ledger is a SQLite file shared by
the test and its worker processes.
"""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path
from typing import Any

from engine.errors import BusinessError, TechnicalError
from engine.operators import OperatorCall, OperatorRegistry, Parameter


class Ledger:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS calls (key TEXT, instance_id TEXT, at REAL)")
            db.execute("CREATE TABLE IF NOT EXISTS effects (key TEXT PRIMARY KEY, instance_id TEXT, amount INTEGER)")
            db.execute("CREATE TABLE IF NOT EXISTS switches (name TEXT PRIMARY KEY, value INTEGER)")

    def _db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def set(self, name: str, value: int) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO switches VALUES (?, ?)", (name, value))

    def get(self, name: str) -> int:
        with self._db() as db:
            row = db.execute("SELECT value FROM switches WHERE name = ?", (name,)).fetchone()
            return int(row[0]) if row else 0

    def record(self, key: str, instance_id: str, amount: int) -> None:
        with self._db() as db:
            db.execute("INSERT INTO calls VALUES (?, ?, ?)", (key, instance_id, time.time()))
            db.execute("INSERT OR IGNORE INTO effects VALUES (?, ?, ?)", (key, instance_id, amount))

    def effects(self) -> list[tuple[str, str, int]]:
        with self._db() as db:
            return db.execute("SELECT key, instance_id, amount FROM effects").fetchall()

    def calls(self) -> int:
        with self._db() as db:
            return int(db.execute("SELECT count(*) FROM calls").fetchone()[0])


def ledger_operators(ledger: Ledger, *, delay: float = 0.0) -> OperatorRegistry:
    """Operators ``test.pay`` (writes an effect), ``test.flaky`` (fails while switched on) and
    ``test.refuse`` (a business error with the code given)."""
    registry = OperatorRegistry()

    def pay(params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        if delay:
            time.sleep(delay * (0.5 + random.random()))  # noqa: S311
        ledger.record(call.idempotency_key, call.instance_id, int(params.get("amount", 0)))
        return {"paid": int(params.get("amount", 0)), "key": call.idempotency_key}

    def flaky(params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        if ledger.get("down"):
            raise TechnicalError("the test service is down")
        ledger.record(call.idempotency_key, call.instance_id, 1)
        return {"ok": True, "attempt": call.attempt}

    def refuse(params: dict[str, Any], call: OperatorCall) -> dict[str, Any]:
        if ledger.get("refuse"):
            raise BusinessError(str(params.get("code", "ARREARS")), "refused by the test service")
        ledger.record(call.idempotency_key, call.instance_id, 1)
        return {"ok": True}

    registry.register("test.pay", pay, parameters=[Parameter("amount", "integer")], result_fields=["paid"])
    registry.register("test.flaky", flaky)
    registry.register("test.refuse", refuse, parameters=[Parameter("code", required=False)], error_codes=["ARREARS"])
    return registry
