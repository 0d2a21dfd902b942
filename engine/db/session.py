"""Database connections and the unit of work that owns every transaction.

SQLite: WAL, ``synchronous=NORMAL``, a busy timeout, and ``BEGIN IMMEDIATE`` for writing units of
work so two writers queue instead of failing half-way. PostgreSQL: ``READ COMMITTED`` with row locks
(``SELECT … FOR UPDATE``) taken by the code that needs them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

_BEGIN = {"IMMEDIATE": "BEGIN IMMEDIATE", "DEFERRED": "BEGIN DEFERRED"}


def make_engine(url: str, *, busy_timeout_ms: int = 30_000, echo: bool = False) -> Engine:
    """Create the SQLAlchemy engine for ``url`` with the settings this product relies on."""
    if url.startswith("sqlite"):
        match = re.match(r"sqlite:///(.+)", url)
        if match and match.group(1) != ":memory:":
            Path(match.group(1)).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # Straight on the driver connection: this runs for every unit of work.
            mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            conn.connection.driver_connection.execute(_BEGIN[mode])

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class StaleInstance(Exception):
    """An instance row changed under a locked advance (its lock_version moved); the advance is retried."""


def is_retryable(exc: BaseException) -> bool:
    """Whether a database error is a transient lock or serialization failure worth retrying."""
    if isinstance(exc, StaleInstance):
        return True
    if isinstance(exc, OperationalError) and "locked" in str(exc).lower():
        return True
    if isinstance(exc, DBAPIError):
        code = getattr(getattr(exc, "orig", None), "pgcode", None)
        return code in {"40001", "40P01", "55P03"}
    return False


class UnitOfWork:
    """One transaction. ``with uow: …; uow.commit()`` — anything not committed is rolled back."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.session.close()  # rolls back whatever was not committed

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


class Database:
    """The engine plus the factories of read and write units of work."""

    def __init__(self, url: str, *, busy_timeout_ms: int = 30_000) -> None:
        self.url = url
        self.engine = make_engine(url, busy_timeout_ms=busy_timeout_ms)
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        reader = self.engine.execution_options(sqlite_begin="DEFERRED") if is_sqlite(self.engine) else self.engine
        self._read = sessionmaker(reader, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    def unit_of_work(self) -> UnitOfWork:
        """A unit of work that may write (takes SQLite's write lock when it begins)."""
        return UnitOfWork(self._write)

    def reading(self) -> UnitOfWork:
        """A unit of work for reads only (no write lock on SQLite)."""
        return UnitOfWork(self._read)

    def dispose(self) -> None:
        self.engine.dispose()


def with_retries(func: Callable[[], Any], *, attempts: int = 8) -> Any:
    """Run ``func`` (a whole unit of work) again on transient lock/serialization failures."""
    import random
    import time

    for attempt in range(1, attempts + 1):
        try:
            return func()
        except (OperationalError, DBAPIError, StaleInstance) as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            time.sleep(min(0.5, 0.01 * 2**attempt) * (0.5 + random.random()))  # noqa: S311
    raise AssertionError("unreachable")
