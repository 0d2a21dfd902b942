"""Read queries the API and the pages need beyond the engine's facade (lists with filters and exact counts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engine.db.models import Deployment, InstanceStatus, ProcessDefinition, ProcessInstance
from web.access import instance_conditions
from web.auth.identity import User


def _detached(session: Any, rows: list[Any]) -> list[Any]:
    for r in rows:
        session.expunge(r)
    return rows


def list_instances(
    engine: Any,
    user: User,
    *,
    process_id: str | None = None,
    status: str | None = None,
    business_key: str | None = None,
    subject: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ProcessInstance], int]:
    """The instances ``user`` may see matching the filters, newest first, and their exact count."""
    conds = instance_conditions(user)
    if process_id:
        conds.append(ProcessInstance.process_id == process_id)
    if status:
        conds.append(ProcessInstance.status == InstanceStatus(status))
    if business_key:
        conds.append(ProcessInstance.business_key == business_key)
    if subject:
        conds.append(ProcessInstance.subject_person == subject)
    with engine.db.reading() as uow:
        total = int(uow.session.scalar(select(func.count()).select_from(ProcessInstance).where(*conds)) or 0)
        stmt = select(ProcessInstance).where(*conds).order_by(ProcessInstance.created_at.desc(), ProcessInstance.id)
        rows = list(uow.session.scalars(stmt.limit(limit).offset(offset)))
        return _detached(uow.session, rows), total


def list_deployments(engine: Any, *, limit: int = 50, offset: int = 0) -> tuple[list[Deployment], int]:
    """Deployments, newest first, and their count."""
    with engine.db.reading() as uow:
        total = int(uow.session.scalar(select(func.count()).select_from(Deployment)) or 0)
        stmt = select(Deployment).order_by(Deployment.created_at.desc(), Deployment.id).limit(limit).offset(offset)
        return _detached(uow.session, list(uow.session.scalars(stmt))), total


def latest_definitions(engine: Any) -> list[ProcessDefinition]:
    """The newest version of every deployed process, by process id."""
    with engine.db.reading() as uow:
        newest = (
            select(ProcessDefinition.process_id, func.max(ProcessDefinition.version).label("v"))
            .group_by(ProcessDefinition.process_id)
            .subquery()
        )
        stmt = (
            select(ProcessDefinition)
            .join(newest, (ProcessDefinition.process_id == newest.c.process_id) & (ProcessDefinition.version == newest.c.v))
            .order_by(ProcessDefinition.process_id)
        )
        return _detached(uow.session, list(uow.session.scalars(stmt)))


def definition_versions(engine: Any, process_id: str) -> list[ProcessDefinition]:
    """Every version of a process, newest first (empty when never deployed)."""
    with engine.db.reading() as uow:
        stmt = select(ProcessDefinition).where(ProcessDefinition.process_id == process_id).order_by(ProcessDefinition.version.desc())
        return _detached(uow.session, list(uow.session.scalars(stmt)))


def definition_xml(engine: Any, process_id: str, version: int) -> str:
    """The BPMN XML of one process version.

    :raises DefinitionNotFound: when that version does not exist.
    """
    with engine.db.reading() as uow:
        d = engine.definitions.version(uow.session, process_id, version)
        return engine.definitions.file_text(uow.session, d, d.bpmn_path) or ""
