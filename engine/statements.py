"""The statements of the advance cycle's hot path, built once as SQLAlchemy Core and compiled once.

An advance reads and writes the instance row and its inbox rows with these statements on the unit of
work's connection instead of the ORM's unit of work: the instance row becomes a detached
:class:`ProcessInstance` that the cycle changes freely, and only the columns that changed are
written back, guarded by the row's ``lock_version`` (optimistic check on top of the row lock). Every
statement takes bound parameters only, so SQLAlchemy compiles each shape once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Table, bindparam, select

from engine.db.models import HumanTask, ProcessDefinition, ProcessInstance, TaskStatus
from engine.db.session import StaleInstance

INSTANCES: Table = ProcessInstance.__table__  # type: ignore[assignment]
INBOX: Table = HumanTask.__table__  # type: ignore[assignment]
DEFINITIONS: Table = ProcessDefinition.__table__  # type: ignore[assignment]
INSTANCE_FIELDS: tuple[str, ...] = tuple(c.key for c in INSTANCES.columns)
INBOX_FIELDS: tuple[str, ...] = tuple(c.key for c in INBOX.columns)

SELECT_INSTANCE = select(INSTANCES).where(INSTANCES.c.id == bindparam("w_id"))
SELECT_INSTANCE_FOR_UPDATE = SELECT_INSTANCE.with_for_update()
INSERT_INSTANCE = INSTANCES.insert()
# The SET clause is made of the parameters named after columns (only those that changed).
UPDATE_INSTANCE = INSTANCES.update().where(
    INSTANCES.c.id == bindparam("w_id"), INSTANCES.c.lock_version == bindparam("w_version")
)

SELECT_TASK = select(INBOX).where(INBOX.c.id == bindparam("w_id"))
INSERT_TASK = INBOX.insert()
CLOSE_TASK = INBOX.update().where(INBOX.c.id == bindparam("w_id"), INBOX.c.status == TaskStatus.OPEN)
FLAG_OPEN_TASKS = INBOX.update().where(
    INBOX.c.instance_id == bindparam("w_instance"), INBOX.c.status == TaskStatus.OPEN
)

NEWEST_DEFINITION = (
    select(DEFINITIONS.c.id, DEFINITIONS.c.process_id, DEFINITIONS.c.version)
    .where(DEFINITIONS.c.process_id == bindparam("w_process"))
    .order_by(DEFINITIONS.c.version.desc())
    .limit(1)
)
DEFINITION_VERSION = select(DEFINITIONS.c.id, DEFINITIONS.c.process_id, DEFINITIONS.c.version).where(
    DEFINITIONS.c.process_id == bindparam("w_process"), DEFINITIONS.c.version == bindparam("w_version")
)


@dataclass(frozen=True)
class DefinitionRef:
    """What starting an instance needs of a process version."""

    id: str
    process_id: str
    version: int


def load_instance(conn: Connection, instance_id: str, *, for_update: bool) -> tuple[ProcessInstance, dict[str, Any]] | None:
    """The instance row as a detached object plus the values it was read with; None when missing."""
    row = conn.execute(SELECT_INSTANCE_FOR_UPDATE if for_update else SELECT_INSTANCE, {"w_id": instance_id}).one_or_none()
    if row is None:
        return None
    loaded = row._asdict()
    return ProcessInstance(**loaded), loaded


def instance_values(obj: ProcessInstance) -> dict[str, Any]:
    """Every column value of an instance object."""
    return {k: getattr(obj, k) for k in INSTANCE_FIELDS}


def write_instance(conn: Connection, obj: ProcessInstance, loaded: dict[str, Any] | None) -> None:
    """Insert a new instance row, or update the columns that changed since ``loaded``.

    :raises StaleInstance: when the row's lock_version is no longer the one it was read with.
    """
    values = instance_values(obj)
    if loaded is None:
        conn.execute(INSERT_INSTANCE, values)
        return
    changed = {k: v for k, v in values.items() if v != loaded[k]}
    if not changed:
        return
    changed["w_id"], changed["w_version"] = loaded["id"], loaded["lock_version"]
    if conn.execute(UPDATE_INSTANCE, changed).rowcount != 1:
        raise StaleInstance(f"process instance {loaded['id']} changed while locked")


def read_task(conn: Connection, task_id: str) -> Row[Any] | None:
    """One inbox row (all columns), or None."""
    return conn.execute(SELECT_TASK, {"w_id": task_id}).one_or_none()


def find_definition(conn: Connection, process_id: str, version: int | None) -> DefinitionRef | None:
    """The newest (or the given) version of a process, or None when there is none."""
    if version is None:
        row = conn.execute(NEWEST_DEFINITION, {"w_process": process_id}).first()
    else:
        row = conn.execute(DEFINITION_VERSION, {"w_process": process_id, "w_version": version}).first()
    return DefinitionRef(row.id, row.process_id, row.version) if row is not None else None
