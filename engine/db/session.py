"""Database connections and the unit of work that owns every transaction.

SQLite: WAL, ``synchronous=NORMAL``, a busy timeout, and ``BEGIN IMMEDIATE`` for writing units of
work so two writers queue instead of failing half-way; WAL checkpoints run on a background thread
(engine/db/checkpoint.py). PostgreSQL: ``READ COMMITTED`` with row locks
(``SELECT … FOR UPDATE``) taken by the code that needs them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from engine.db.checkpoint import BACKSTOP_PAGES, WalCheckpointer
from engine.errors import Conflict

_BEGIN = {"IMMEDIATE": "BEGIN IMMEDIATE", "DEFERRED": "BEGIN DEFERRED"}


def sqlite_file(url: str) -> str | None:
    """The database file of a ``sqlite:///PATH`` URL (None for other URLs and in-memory databases)."""
    match = re.match(r"sqlite:///(.+)", url)
    return match.group(1) if match and match.group(1) != ":memory:" else None


def make_engine(
    url: str, *, busy_timeout_ms: int = 30_000, echo: bool = False, wal_autocheckpoint: int | None = None
) -> Engine:
    """Create the SQLAlchemy engine for ``url`` with the settings this product relies on.

    ``wal_autocheckpoint`` (SQLite): the log size in pages at which a commit checkpoints by itself;
    SQLite's default (1,000) when None.
    """
    if url.startswith("sqlite"):
        path = sqlite_file(url)
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
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
            if wal_autocheckpoint is not None:
                cur.execute(f"PRAGMA wal_autocheckpoint={int(wal_autocheckpoint)}")
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


class StaleInstance(Conflict):
    """An instance row changed under a locked advance (its lock_version moved); the advance is retried.

    Raised to the caller (code ``CONFLICT``) only when every retry met a moved version.
    """


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
    """One transaction. ``with uow: …; uow.commit()`` — anything not committed is rolled back.

    The transaction is opened by the first use of :attr:`session` (an ORM session that owns it) or
    of :meth:`connection` (a Core connection, cheaper: the engine's hot path uses it). A session
    asked for after the connection joins the connection's transaction; :meth:`commit` flushes it
    and commits once.
    """

    def __init__(self, factory: sessionmaker[Session], engine: Engine) -> None:
        self._factory = factory
        self._engine = engine
        self._session: Session | None = None
        self._conn: Connection | None = None
        self._autoflush = True
        self.info: dict[str, Any] = {}  # what the engine collects for this transaction (history)

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._session is not None:
                self._session.close()  # rolls back whatever was not committed
        finally:
            if self._conn is not None:
                self._conn.close()  # likewise

    @property
    def session(self) -> Session:
        """The ORM session of this unit of work."""
        if self._session is None:
            if self._conn is None:
                self._session = self._factory(autoflush=self._autoflush)
            else:  # join the open transaction: the session's commit leaves it to ours
                self._session = self._factory(
                    bind=self._conn, join_transaction_mode="rollback_only", autoflush=self._autoflush
                )
        return self._session

    @property
    def has_session(self) -> bool:
        """Whether the ORM session has been opened."""
        return self._session is not None

    @contextmanager
    def no_autoflush(self) -> Iterator[None]:
        """No autoflush inside, also for a session first opened inside."""
        before = self._autoflush
        opened = self._session
        was = opened.autoflush if opened is not None else before
        self._autoflush = False
        if opened is not None:
            opened.autoflush = False
        try:
            yield
        finally:
            self._autoflush = before
            if self._session is not None:
                self._session.autoflush = was if opened is not None else before

    def connection(self) -> Connection:
        """The Core connection of this unit of work's transaction (begun on first use)."""
        if self._conn is None:
            if self._session is not None:
                return self._session.connection()
            self._conn = self._engine.connect()
            self._conn.begin()
        return self._conn

    def commit(self) -> None:
        if self._session is not None:
            self._session.commit()  # a joined session flushes here; the connection commits below
        if self._conn is not None:
            self._conn.commit()

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()
        if self._conn is not None:
            self._conn.rollback()


class Database:
    """The engine plus the factories of read and write units of work."""

    def __init__(self, url: str, *, busy_timeout_ms: int = 30_000) -> None:
        self.url = url
        path = sqlite_file(url) if url.startswith("sqlite") else None
        # A SQLite file is checkpointed by a background thread rather than inside commits.
        self.checkpointer = WalCheckpointer(path) if path else None
        self.engine = make_engine(
            url, busy_timeout_ms=busy_timeout_ms, wal_autocheckpoint=BACKSTOP_PAGES if self.checkpointer else None
        )
        if self.checkpointer is not None:
            event.listen(self.engine, "commit", self.checkpointer.notify)
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = self.engine.execution_options(sqlite_begin="DEFERRED") if is_sqlite(self.engine) else self.engine
        self._read = sessionmaker(self._reader, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    def unit_of_work(self) -> UnitOfWork:
        """A unit of work that may write (takes SQLite's write lock when it begins)."""
        return UnitOfWork(self._write, self.engine)

    def reading(self) -> UnitOfWork:
        """A unit of work for reads only (no write lock on SQLite)."""
        return UnitOfWork(self._read, self._reader)

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
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
