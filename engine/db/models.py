"""The engine's tables (SQLAlchemy 2 typed models). The same schema runs on SQLite and PostgreSQL."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        from datetime import UTC

        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        from datetime import UTC

        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class InstanceStatus(enum.StrEnum):
    RUNNING = "running"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    TERMINATED = "terminated"


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class JobKind(enum.StrEnum):
    SERVICE = "service"
    TIMER = "timer"
    SCAN = "scan"


class JobStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"  # retries spent: an incident is open
    CANCELLED = "cancelled"


class IncidentStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


def value_enum(cls: type[enum.Enum], length: int = 16) -> Enum:
    """A column type storing an enum's values as plain strings (no database enum type)."""
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class DefinitionFile(Base):
    """A deployed file (BPMN, DMN, form), stored once per content hash."""

    __tablename__ = "definition_files"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    content: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)


class Deployment(Base):
    __tablename__ = "deployments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(100))
    files: Mapped[str] = mapped_column(Text)  # JSON: {path: sha256}
    new_processes: Mapped[int] = mapped_column(Integer, default=0)
    new_decisions: Mapped[int] = mapped_column(Integer, default=0)


class ProcessDefinition(Base):
    """One version of an executable process: its files, by content hash."""

    __tablename__ = "process_definitions"
    __table_args__ = (
        UniqueConstraint("process_id", "version"),
        UniqueConstraint("process_id", "content_hash"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    bpmn_path: Mapped[str] = mapped_column(String(500))
    files: Mapped[str] = mapped_column(Text)  # JSON: {path: sha256}
    info: Mapped[str] = mapped_column(Text, default="{}")  # JSON: lanes, user tasks, milestones ...
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DecisionDefinition(Base):
    """One version of a DMN decision, deployed and versioned on its own."""

    __tablename__ = "decision_definitions"
    __table_args__ = (
        UniqueConstraint("decision_id", "version"),
        UniqueConstraint("decision_id", "content_hash"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    decision_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(ForeignKey("definition_files.sha256"))
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessInstance(Base):
    __tablename__ = "process_instances"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    definition_id: Mapped[str] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    # Set to "<process_id>/<business_key>" while a uniquely keyed instance is active, else NULL.
    active_key: Mapped[str | None] = mapped_column(String(410), unique=True)
    status: Mapped[InstanceStatus] = mapped_column(value_enum(InstanceStatus), index=True)
    state: Mapped[str] = mapped_column(Text)  # encrypted serialized workflow, without the spec
    serializer_version: Mapped[str] = mapped_column(String(20))
    subject_person: Mapped[str | None] = mapped_column(String(100), index=True)
    employer_scope: Mapped[str | None] = mapped_column(String(100))
    city_scope: Mapped[str | None] = mapped_column(String(20))
    current_stage: Mapped[str | None] = mapped_column(String(200))
    risk_flags: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")  # JSON list of codes (engine/flags.py)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    # What may exist beside the state, so that an advance skips the queries it does not need.
    has_open_tasks: Mapped[bool] = mapped_column(Boolean, default=False)
    has_service_jobs: Mapped[bool] = mapped_column(Boolean, default=False)
    has_timer: Mapped[bool] = mapped_column(Boolean, default=False)
    waits_for_message: Mapped[bool] = mapped_column(Boolean, default=False)
    started_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HumanTask(Base):
    """A user or manual task waiting for a person: the inbox row."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_human_tasks_inbox_group", "status", "candidate_group", "due_at"),
        Index("ix_human_tasks_inbox_assignee", "status", "assignee", "due_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the workflow task's id
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instances.id"), index=True)
    instance: Mapped[ProcessInstance] = relationship(lazy="raise", viewonly=False)  # orders inserts
    process_id: Mapped[str] = mapped_column(String(200))
    element_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    lane: Mapped[str | None] = mapped_column(String(100))
    candidate_group: Mapped[str | None] = mapped_column(String(200))
    assignee: Mapped[str | None] = mapped_column(String(100))
    subject_person: Mapped[str | None] = mapped_column(String(100), index=True)
    stage: Mapped[str | None] = mapped_column(String(200))
    risk_flags: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of codes
    status: Mapped[TaskStatus] = mapped_column(value_enum(TaskStatus))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    form_schema: Mapped[str | None] = mapped_column(String(500))
    form_ui_schema: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(100))


class Job(Base):
    """Work for a worker: a service call, a due timer, or a recurring scan."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "status", "due_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[JobKind] = mapped_column(value_enum(JobKind))
    status: Mapped[JobStatus] = mapped_column(value_enum(JobStatus), default=JobStatus.PENDING)
    # Unique while meaningful: one job per waiting service task, per instance timer, per scan slot.
    dedupe_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    instance_id: Mapped[str | None] = mapped_column(ForeignKey("process_instances.id"), index=True)
    instance: Mapped[ProcessInstance] = relationship(lazy="raise", viewonly=False)  # orders inserts
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(200))
    operator: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[str | None] = mapped_column(Text)  # encrypted JSON parameters
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=4)
    backoff_seconds: Mapped[float] = mapped_column(default=2.0)
    attempt_key: Mapped[str] = mapped_column(String(80))  # idempotency key of the logical call
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessageSubscription(Base):
    """An instance waiting for a named message with given correlation keys."""

    __tablename__ = "message_subscriptions"
    __table_args__ = (Index("ix_message_subscriptions_match", "message_name", "correlation"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instances.id"), index=True)
    instance: Mapped[ProcessInstance] = relationship(lazy="raise", viewonly=False)  # orders inserts
    message_name: Mapped[str] = mapped_column(String(200))
    correlation: Mapped[str] = mapped_column(String(500))  # canonical JSON of the keys (hashed values)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReceivedMessage(Base):
    """A message received once (by id); kept until delivered or expired."""

    __tablename__ = "received_messages"
    __table_args__ = (Index("ix_received_messages_match", "message_name", "correlation", "delivered_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    message_name: Mapped[str] = mapped_column(String(200))
    correlation: Mapped[str] = mapped_column(String(500))
    payload: Mapped[str] = mapped_column(Text)  # encrypted JSON
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    instance_id: Mapped[str | None] = mapped_column(String(36))


class HistoryEntry(Base):
    """Append-only: what happened, at which element, who did it, when."""

    __tablename__ = "history"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(String(36), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    event: Mapped[str] = mapped_column(String(60))
    element_id: Mapped[str | None] = mapped_column(String(200))
    element_name: Mapped[str | None] = mapped_column(String(300))
    actor: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[str | None] = mapped_column(Text)  # encrypted JSON


class Incident(Base):
    __tablename__ = "incidents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instances.id"), index=True)
    instance: Mapped[ProcessInstance] = relationship(lazy="raise", viewonly=False)  # orders inserts
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"))
    element_id: Mapped[str | None] = mapped_column(String(200))
    operator: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str] = mapped_column(Text)
    status: Mapped[IncidentStatus] = mapped_column(value_enum(IncidentStatus), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(100))


class Attachment(Base):
    """Metadata of an uploaded or generated file; the content is encrypted in blob storage."""

    __tablename__ = "attachments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)
    owner: Mapped[str | None] = mapped_column(String(100))  # subject person or uploader
    name: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    blob_key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(100))


class CalendarOverride(Base):
    """An operator's correction of the statutory working-day calendar."""

    __tablename__ = "calendar_overrides"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(300))


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeats"
    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
