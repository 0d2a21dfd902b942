"""The domain's tables (SQLAlchemy 2 typed models) on their own declarative base.

They live in the engine's database, migrated by their own Alembic branch ``casework``
(``casework/migrations/versions``) that depends on the engine's first revision. There are no foreign
keys into engine tables: instance ids are stored as plain strings, so the engine's schema can change
on its own.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from engine.db.models import NAMING, UTCDateTime, new_id, value_enum


class Base(DeclarativeBase):
    """Declarative base of the casework tables (separate metadata from the engine's)."""

    metadata = MetaData(naming_convention=NAMING)


class CaseKind(enum.StrEnum):
    JOINER = "joiner"
    TRANSFER = "transfer"
    ENROLMENT = "enrolment"
    STOP_CONTRIBUTION = "stop_contribution"
    CARD = "card"


class CaseStatus(enum.StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"  # the root instance completed
    CANCELLED = "cancelled"  # terminated, or cancelled by a person


class AuditAction(enum.StrEnum):
    RESIDENT_ID_REVEALED = "resident_id_revealed"
    CREDIT_CODE_OVERRIDE = "credit_code_override"
    CASE_CANCELLED = "case_cancelled"



class Person(Base):
    """An insured person, found by a keyed hash of the resident ID; the number itself is encrypted."""

    __tablename__ = "persons"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    resident_id_hash: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256 hex
    resident_id_enc: Mapped[str] = mapped_column(Text)  # Fernet token
    resident_id_masked: Mapped[str] = mapped_column(String(18))  # 110105********002X
    name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[str] = mapped_column(String(1))  # "M" | "F" (from the resident ID)
    birth_date: Mapped[date] = mapped_column(Date)
    hukou_province: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Employer(Base):
    """An employer of the group (a company or a branch) with its unified social credit code."""

    __tablename__ = "employers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    # True when HR confirmed a code whose check character fails (pilot-era codes); audited.
    credit_code_override: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EmployerCity(Base):
    """A place where an employer insures its staff (6-digit division code)."""

    __tablename__ = "employer_cities"
    employer_id: Mapped[str] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"), primary_key=True)
    division_code: Mapped[str] = mapped_column(String(6), primary_key=True)


class Case(Base):
    """One employee's matter of one kind, linking the process instances that work it."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_person_status", "person_id", "status"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"))
    kind: Mapped[CaseKind] = mapped_column(value_enum(CaseKind, 24))
    employer_id: Mapped[str | None] = mapped_column(ForeignKey("employers.id"), index=True)
    region: Mapped[str] = mapped_column(String(6))
    status: Mapped[CaseStatus] = mapped_column(value_enum(CaseStatus, 24), index=True)
    # "<person_id>/<kind>" while the case is active, else NULL: one active case per person and kind.
    active_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    process_id: Mapped[str] = mapped_column(String(200))
    root_instance_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    close_reason: Mapped[str | None] = mapped_column(String(300))


class CaseInstance(Base):
    """A process instance working on a case (the root one, or one started for it later)."""

    __tablename__ = "case_instances"
    __table_args__ = (UniqueConstraint("instance_id"),)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    instance_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))  # "root", or what the later instance does
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """Who did a sensitive act, when and why: revealing a full resident ID, overriding a credit code."""

    __tablename__ = "casework_audit"
    __table_args__ = (Index("ix_casework_audit_subject", "subject_type", "subject_id", "at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[AuditAction] = mapped_column(value_enum(AuditAction, 40))
    subject_type: Mapped[str] = mapped_column(String(20))  # "person", "employer", "case"
    subject_id: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(String(500))
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON, never a full number
