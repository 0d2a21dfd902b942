"""Accounts: creating users, their roles, person link and scopes, passwords, and loading identities."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.session import Database
from engine.errors import Conflict, InvalidInput, NotFound
from web.auth.identity import ROLES, User, groups_for
from web.auth.models import AuthEvent, AuthEventKind, Role, UserAccount, UserRole, UserScope
from web.auth.passwords import WeakPassword, check_policy, hash_password

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")
CITY = re.compile(r"^\d{6}$")


def utc_now() -> datetime:
    """Real UTC time: sessions, tokens and rate limits follow the wall clock, not the business clock."""
    return datetime.now(UTC)


class UserNotFound(NotFound):
    code = "USER_NOT_FOUND"


class Accounts:
    """Users and their identities, on the engine's database (tables of the ``web`` branch)."""

    def __init__(self, db: Database, lane_groups: Mapping[str, str] | None = None, now: Callable[[], datetime] = utc_now) -> None:
        self.db = db
        self.lane_groups = dict(lane_groups or {})
        self.now = now

    # -- identities -------------------------------------------------------------------------------

    def identity(self, row: UserAccount) -> User:
        """The detached :class:`User` of an account row."""
        roles = frozenset(r.role.value for r in row.roles)
        scopes = tuple(sorted((s.employer_id, s.city) for s in row.scopes))
        return User(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            roles=roles,
            person_id=row.person_id,
            scopes=scopes,
            groups=groups_for(roles, scopes, self.lane_groups),
            totp_enabled=row.totp_enabled,
        )

    def get(self, user_id: str) -> User | None:
        """The active user with this id, or None."""
        with self.db.reading() as uow:
            row = uow.session.get(UserAccount, user_id)
            return self.identity(row) if row is not None and row.active else None

    def by_username(self, username: str) -> User | None:
        """The active user with this username, or None."""
        with self.db.reading() as uow:
            row = _by_username(uow.session, username)
            return self.identity(row) if row is not None and row.active else None

    def list(self) -> list[User]:
        """Every account, by username."""
        with self.db.reading() as uow:
            rows = uow.session.scalars(select(UserAccount).order_by(UserAccount.username))
            return [self.identity(r) for r in rows]

    # -- changing ---------------------------------------------------------------------------------

    def create(
        self,
        username: str,
        display_name: str,
        password: str | None,
        roles: Iterable[str],
        *,
        person_id: str | None = None,
        scopes: Iterable[tuple[str, str]] = (),
    ) -> User:
        """Create an account.

        :raises InvalidInput: for a malformed username, unknown role, bad scope or weak password.
        :raises Conflict: when the username is taken.
        """
        roles = sorted(set(roles))
        scopes = sorted(set(scopes))
        _check_account(username, roles, person_id, scopes)
        hashed = _hashed(password, username) if password is not None else None
        with self.db.unit_of_work() as uow:
            if _by_username(uow.session, username) is not None:
                raise Conflict(f"the username {username!r} is taken", code="USERNAME_TAKEN", username=username)
            now = self.now()
            row = UserAccount(
                username=username,
                display_name=display_name or username,
                password_hash=hashed,
                person_id=person_id,
                active=True,
                totp_enabled=False,
                created_at=now,
                password_changed_at=now if hashed else None,
                roles=[UserRole(role=Role(r)) for r in roles],
                scopes=[UserScope(employer_id=e, city=c) for e, c in scopes],
            )
            uow.session.add(row)
            uow.session.flush()
            user = self.identity(row)
            uow.commit()
            return user

    def set_password(self, username: str, password: str, *, actor: str | None = None) -> None:
        """Replace a user's password (every session of theirs ends).

        :raises UserNotFound: when there is no such user.
        :raises InvalidInput: for a weak password.
        """
        hashed = _hashed(password, username)
        with self.db.unit_of_work() as uow:
            row = _by_username(uow.session, username)
            if row is None:
                raise UserNotFound(f"no user {username!r}", username=username)
            row.password_hash = hashed
            row.password_changed_at = self.now()
            from web.auth.sessions import revoke_all_sessions

            revoke_all_sessions(uow.session, row.id, self.now())
            record(uow.session, self.now(), AuthEventKind.PASSWORD_SET, username=username, user_id=row.id, details={"by": actor})
            uow.commit()

    def set_active(self, username: str, active: bool) -> None:
        """Enable or disable an account (a disabled account cannot sign in or use its tokens).

        :raises UserNotFound: when there is no such user.
        """
        with self.db.unit_of_work() as uow:
            row = _by_username(uow.session, username)
            if row is None:
                raise UserNotFound(f"no user {username!r}", username=username)
            row.active = active
            uow.commit()


def _by_username(session: Session, username: str) -> UserAccount | None:
    return session.scalars(select(UserAccount).where(UserAccount.username == username)).first()


def _hashed(password: str, username: str) -> str:
    try:
        check_policy(password, username)
    except WeakPassword as exc:
        raise InvalidInput(str(exc), code=exc.code, errors=[{"field": "password", "code": exc.code, "message": str(exc), "params": {}}]) from None
    return hash_password(password)


def _check_account(username: str, roles: list[str], person_id: str | None, scopes: list[tuple[str, str]]) -> None:
    if not USERNAME.match(username or ""):
        raise InvalidInput("a username is 2-100 letters, digits or . _ @ -", code="USERNAME_INVALID")
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise InvalidInput(f"roles must be some of {', '.join(ROLES)}", code="ROLE_UNKNOWN", roles=unknown)
    if "employee" in roles and not person_id:
        raise InvalidInput("an employee account needs a person id", code="PERSON_REQUIRED")
    for employer, city in scopes:
        if not employer or not CITY.match(city):
            raise InvalidInput("a scope is an employer id and a 6-digit city code", code="SCOPE_INVALID")
    if {"hr", "hr_lead"} & set(roles) and not scopes:
        raise InvalidInput("HR accounts need at least one employer and city scope", code="SCOPE_REQUIRED")


def record(
    session: Session,
    at: datetime,
    event: AuthEventKind,
    *,
    username: str | None = None,
    user_id: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry to the sign-in audit log inside the caller's unit of work."""
    import json

    session.add(
        AuthEvent(
            at=at,
            event=event,
            username=(username or "")[:100] or None,
            user_id=user_id,
            ip=(ip or "")[:64] or None,
            user_agent=(user_agent or "")[:300] or None,
            details=json.dumps(details, ensure_ascii=False) if details else None,
        )
    )
