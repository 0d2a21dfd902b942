"""The web's own tables: accounts, roles, scopes, API tokens, sessions and the sign-in audit log.

They live on a declarative base of their own (migrated by the Alembic branch ``web`` in
``web/migrations/versions``), beside the engine's tables and with the same naming convention.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from engine.db.models import NAMING, UTCDateTime, new_id, value_enum


class WebBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Role(enum.StrEnum):
    EMPLOYEE = "employee"
    HR = "hr"
    HR_LEAD = "hr_lead"
    DESIGNER = "designer"
    ADMIN = "admin"



class UserAccount(WebBase):
    """A person who signs in: HR staff, an employee (linked to a person), a designer, an admin."""

    __tablename__ = "web_users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    person_id: Mapped[str | None] = mapped_column(String(100), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[str | None] = mapped_column(Text)  # encrypted with the data key
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    scopes: Mapped[list[UserScope]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class UserRole(WebBase):
    __tablename__ = "web_user_roles"
    user_id: Mapped[str] = mapped_column(ForeignKey("web_users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(value_enum(Role), primary_key=True)


class UserScope(WebBase):
    """An employer and insured city an HR user works for (lanes map to groups of these)."""

    __tablename__ = "web_user_scopes"
    user_id: Mapped[str] = mapped_column(ForeignKey("web_users.id", ondelete="CASCADE"), primary_key=True)
    employer_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    city: Mapped[str] = mapped_column(String(20), primary_key=True)


class ApiToken(WebBase):
    """A bearer token for integrations: only its SHA-256 is stored; revocable."""

    __tablename__ = "web_api_tokens"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("web_users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(WebBase):
    """A signed-in browser session: the cookie carries a random id, the row its SHA-256."""

    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("web_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))


class AuthEventKind(enum.StrEnum):
    LOGIN_OK = "login_ok"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    TOTP_FAILED = "totp_failed"
    LOGOUT = "logout"
    TOKEN_CREATED = "token_created"  # noqa: S105 - an event name
    TOKEN_REVOKED = "token_revoked"  # noqa: S105 - an event name
    PASSWORD_SET = "password_set"  # noqa: S105 - an event name
    TOTP_ENABLED = "totp_enabled"
    TOTP_DISABLED = "totp_disabled"


class AuthEvent(WebBase):
    """The audit log of sign-ins and credential changes; failed sign-ins also drive the rate limit."""

    __tablename__ = "web_auth_events"
    __table_args__ = (
        Index("ix_web_auth_events_limit", "event", "username", "ip", "at"),
        Index("ix_web_auth_events_ip", "event", "ip", "at"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    event: Mapped[AuthEventKind] = mapped_column(value_enum(AuthEventKind, 24))
    username: Mapped[str | None] = mapped_column(String(100))
    user_id: Mapped[str | None] = mapped_column(String(36))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[str | None] = mapped_column(Text)
