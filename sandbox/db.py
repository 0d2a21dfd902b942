"""One SQLite file per sandbox service (WAL mode), with the tables every service shares."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

COMMON_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency (
    app_key TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (app_key, key)
);
CREATE TABLE IF NOT EXISTS ledger (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at TEXT NOT NULL,
    business_date TEXT NOT NULL,
    effect TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    reference TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT,
    app_key TEXT,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS ledger_by_key ON ledger (idempotency_key);
CREATE TABLE IF NOT EXISTS request_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    app_key TEXT,
    idempotency_key TEXT,
    replayed INTEGER NOT NULL DEFAULT 0,
    fault TEXT
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Database:
    """A service's SQLite file: short connections, ``BEGIN IMMEDIATE`` transactions, WAL."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(COMMON_SCHEMA + schema)
        conn.close()

    def connect(self) -> sqlite3.Connection:
        """A new connection in autocommit mode (transactions are explicit), rows as :class:`sqlite3.Row`."""
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, committed when the block ends normally and rolled back otherwise."""
        conn = self.connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    @staticmethod
    def empty(tx: sqlite3.Connection) -> None:
        """Delete every row of every table (settings included) inside the open transaction ``tx``."""
        tx.execute("PRAGMA defer_foreign_keys=ON")
        names = [r["name"] for r in tx.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for name in names:
            tx.execute(f'DELETE FROM "{name}"')  # noqa: S608 - names come from sqlite_master
