"""The statements of the advance cycle's hot path: SQLAlchemy Core, compiled once, run on the driver.

An advance reads and writes the instance row, its inbox rows and its history with the prepared
statements below instead of the ORM's unit of work. Each is written as an ordinary Core statement,
compiled once per dialect by SQLAlchemy (SQL text, parameter order, the column types' bind and result
processors), and then run straight on the driver cursor of the unit of work's connection — inside the
same transaction, with driver errors wrapped into SQLAlchemy's exceptions as usual. That skips
SQLAlchemy's per-statement machinery, which costs several times what SQLite itself spends on these
small statements.

The instance row travels as an :class:`InstanceRow` (plain attributes, the columns of
``process_instances``); only the columns that changed are written back, guarded by the row's
``lock_version`` on top of the row lock (optimistic check: a mismatch retries the whole advance).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Dialect, Table, bindparam, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable

from engine.db.models import HumanTask, InstanceStatus, ProcessDefinition, ProcessInstance, TaskStatus
from engine.db.session import StaleInstance

INSTANCES: Table = ProcessInstance.__table__  # type: ignore[assignment]
INBOX: Table = HumanTask.__table__  # type: ignore[assignment]
DEFINITIONS: Table = ProcessDefinition.__table__  # type: ignore[assignment]
INSTANCE_FIELDS: tuple[str, ...] = tuple(c.key for c in INSTANCES.columns)
INBOX_FIELDS: tuple[str, ...] = tuple(c.key for c in INBOX.columns)


class InstanceRow:
    """The columns of one ``process_instances`` row as plain attributes (what an advance changes)."""

    __slots__ = INSTANCE_FIELDS
    id: str
    definition_id: str
    process_id: str
    business_key: str | None
    active_key: str | None
    status: InstanceStatus
    state: str
    serializer_version: str
    subject_person: str | None
    employer_scope: str | None
    city_scope: str | None
    current_stage: str | None
    risk_flags: str
    lock_version: int
    has_open_tasks: bool
    has_service_jobs: bool
    has_timer: bool
    waits_for_message: bool
    started_by: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None

    def __init__(self, **values: Any) -> None:
        for k in INSTANCE_FIELDS:
            setattr(self, k, values[k])

    def values(self) -> dict[str, Any]:
        """Every column value."""
        return {k: getattr(self, k) for k in INSTANCE_FIELDS}


@dataclass(frozen=True)
class _Form:
    sql: str
    names: tuple[str, ...] | None  # positional order; None: named parameters
    slots: tuple[tuple[str, Callable[[Any], Any] | None, bool, Any], ...]  # name, processor, fixed, value
    results: tuple[Callable[[Any], Any] | None, ...]
    keys: tuple[str, ...]


class Prepared:
    """One Core statement, compiled once per dialect, run on the driver cursor of a connection."""

    def __init__(self, stmt: Executable, column_keys: Sequence[str] | None = None) -> None:
        self.stmt: Any = stmt
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._forms: dict[tuple[str, str, str], _Form] = {}

    def _form(self, dialect: Dialect) -> _Form:
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        form = self._forms.get(key)
        if form is None:
            form = self._forms[key] = self._compile(dialect)
        return form

    def _compile(self, dialect: Dialect) -> _Form:
        compiled: Any = self.stmt.compile(dialect=dialect, column_keys=self.column_keys)
        if "POSTCOMPILE" in compiled.string or compiled.escaped_bind_names:
            raise ValueError(f"statement cannot be prepared: {compiled.string}")
        by_name = {name: bp for bp, name in compiled.bind_names.items()}
        order = tuple(compiled.positiontup) if compiled.positional else tuple(by_name)
        slots = []
        for name in order:
            bp = by_name[name]
            proc = bp.type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None and isinstance(getattr(bp.type, "impl", bp.type), DateTime):
                proc = _remembering(proc)
            fixed = not bp.required and bp.callable is None and bp.value is not None
            slots.append((name, proc, fixed, (proc(bp.value) if proc else bp.value) if fixed else None))
        columns = list(getattr(self.stmt, "selected_columns", ()))
        results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
        return _Form(
            compiled.string, order if compiled.positional else None, tuple(slots), results, tuple(c.key for c in columns)
        )

    @staticmethod
    def _args(form: _Form, params: Mapping[str, Any]) -> Any:
        values = [value if fixed else (proc(params[name]) if proc else params[name]) for name, proc, fixed, value in form.slots]
        if form.names is not None:
            return values
        return {slot[0]: v for slot, v in zip(form.slots, values, strict=True)}

    def _run(self, conn: Connection, params: Any, many: bool) -> tuple[_Form, Any]:
        dialect = conn.dialect
        form = self._form(dialect)
        args = [self._args(form, p) for p in params] if many else self._args(form, params)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            (cursor.executemany if many else cursor.execute)(form.sql, args)
        except dialect.loaded_dbapi.Error as exc:
            cursor.close()
            raise DBAPIError.instance(form.sql, args, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
        return form, cursor

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        _, cursor = self._run(conn, params, False)
        count = int(cursor.rowcount)
        cursor.close()
        return count

    def executemany(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run a statement once per parameter set (one driver call)."""
        if not rows:
            return
        if conn.dialect.name != "sqlite":
            conn.execute(self.stmt, list(rows))  # SQLAlchemy batches these into few round trips
            return
        self._run(conn, rows, True)[1].close()

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run a query; its rows as dicts, column values converted as SQLAlchemy would."""
        form, cursor = self._run(conn, params, False)
        try:
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        keys, procs = form.keys, form.results
        return [
            {k: (p(v) if p else v) for k, p, v in zip(keys, procs, row, strict=True)}
            for row in fetched
        ]


def _remembering(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``proc`` remembering its last result: an advance binds the same timestamp many times."""
    last: list[tuple[Any, Any] | None] = [None]

    def process(value: Any) -> Any:
        memo = last[0]
        if memo is not None and memo[0] is value:
            return memo[1]
        result = proc(value)
        last[0] = (value, result)  # one tuple, replaced whole: safe between threads
        return result

    return process


def _set_keys(table: Table) -> list[str]:
    return [c.key for c in table.columns]


SELECT_INSTANCE = Prepared(select(INSTANCES).where(INSTANCES.c.id == bindparam("w_id")))
SELECT_INSTANCE_FOR_UPDATE = Prepared(select(INSTANCES).where(INSTANCES.c.id == bindparam("w_id")).with_for_update())
INSERT_INSTANCE = Prepared(INSTANCES.insert(), _set_keys(INSTANCES))
_UPDATE_INSTANCE = INSTANCES.update().where(
    INSTANCES.c.id == bindparam("w_id"), INSTANCES.c.lock_version == bindparam("w_version")
)
_instance_updates: dict[tuple[str, ...], Prepared] = {}

SELECT_TASK = Prepared(select(INBOX).where(INBOX.c.id == bindparam("w_id")))
_TASK_LABELS = tuple((k, f"t_{k}") for k in INBOX_FIELDS)
_INSTANCE_LABELS = tuple((k, f"i_{k}") for k in INSTANCE_FIELDS)
SELECT_TASK_AND_INSTANCE = Prepared(
    select(*(c.label(f"t_{c.key}") for c in INBOX.c), *(c.label(f"i_{c.key}") for c in INSTANCES.c))
    .select_from(INBOX.join(INSTANCES, INSTANCES.c.id == INBOX.c.instance_id))
    .where(INBOX.c.id == bindparam("w_id"))
)
INSERT_TASK = Prepared(INBOX.insert(), _set_keys(INBOX))
CLOSE_TASK = Prepared(
    INBOX.update().where(INBOX.c.id == bindparam("w_id"), INBOX.c.status == TaskStatus.OPEN),
    ["status", "completed_at", "completed_by"],
)
FLAG_OPEN_TASKS = Prepared(
    INBOX.update().where(INBOX.c.instance_id == bindparam("w_instance"), INBOX.c.status == TaskStatus.OPEN),
    ["risk_flags"],
)
_DEFINITION_COLUMNS = (DEFINITIONS.c.id, DEFINITIONS.c.process_id, DEFINITIONS.c.version)
NEWEST_DEFINITION = Prepared(
    select(*_DEFINITION_COLUMNS)
    .where(DEFINITIONS.c.process_id == bindparam("w_process"))
    .order_by(DEFINITIONS.c.version.desc())
    .limit(1)
)
DEFINITION_VERSION = Prepared(
    select(*_DEFINITION_COLUMNS).where(
        DEFINITIONS.c.process_id == bindparam("w_process"), DEFINITIONS.c.version == bindparam("w_version")
    )
)


@dataclass(frozen=True)
class DefinitionRef:
    """What starting an instance needs of a process version."""

    id: str
    process_id: str
    version: int


def load_instance(conn: Connection, instance_id: str, *, for_update: bool) -> tuple[InstanceRow, dict[str, Any]] | None:
    """The instance row plus the values it was read with; None when there is no such row."""
    rows = (SELECT_INSTANCE_FOR_UPDATE if for_update else SELECT_INSTANCE).rows(conn, {"w_id": instance_id})
    if not rows:
        return None
    return InstanceRow(**rows[0]), rows[0]


def write_instance(conn: Connection, row: InstanceRow, loaded: dict[str, Any] | None) -> None:
    """Insert a new instance row, or update the columns that changed since ``loaded``.

    :raises StaleInstance: when the row's lock_version is no longer the one it was read with.
    """
    values = row.values()
    if loaded is None:
        INSERT_INSTANCE.execute(conn, values)
        return
    changed = {k: v for k, v in values.items() if v != loaded[k]}
    if not changed:
        return
    keys = tuple(changed)
    stmt = _instance_updates.get(keys)
    if stmt is None:
        stmt = _instance_updates.setdefault(keys, Prepared(_UPDATE_INSTANCE, list(keys)))
    changed["w_id"], changed["w_version"] = loaded["id"], loaded["lock_version"]
    if stmt.execute(conn, changed) != 1:
        raise StaleInstance(f"process instance {loaded['id']} changed while locked", instance_id=loaded["id"])


def read_task(conn: Connection, task_id: str) -> dict[str, Any] | None:
    """One inbox row (all columns), or None."""
    rows = SELECT_TASK.rows(conn, {"w_id": task_id})
    return rows[0] if rows else None


def read_task_and_instance(conn: Connection, task_id: str) -> tuple[dict[str, Any], InstanceRow, dict[str, Any]] | None:
    """One inbox row and its instance's row (as :func:`load_instance` gives it) in one query, or None.

    No row lock is taken: for SQLite, whose writing units of work hold the database's write lock.
    """
    rows = SELECT_TASK_AND_INSTANCE.rows(conn, {"w_id": task_id})
    if not rows:
        return None
    row = rows[0]
    task = {k: row[label] for k, label in _TASK_LABELS}
    loaded = {k: row[label] for k, label in _INSTANCE_LABELS}
    return task, InstanceRow(**loaded), loaded


def find_definition(conn: Connection, process_id: str, version: int | None) -> DefinitionRef | None:
    """The newest (or the given) version of a process, or None when there is none."""
    if version is None:
        rows = NEWEST_DEFINITION.rows(conn, {"w_process": process_id})
    else:
        rows = DEFINITION_VERSION.rows(conn, {"w_process": process_id, "w_version": version})
    return DefinitionRef(**rows[0]) if rows else None
