"""Server-side sign-in sessions and API tokens: random secrets handed out once, stored as SHA-256.

A browser session's cookie (Flask's signed session) carries only a random session id; the row says
whose it is, until when, and whether it was ended. Signing out, a password change or a disabled
account therefore ends a session on every web node at once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.db.session import Database
from engine.errors import InvalidInput, NotFound
from web.auth.accounts import Accounts, record, utc_now
from web.auth.identity import User
from web.auth.models import ApiToken, AuthEventKind, UserAccount, WebSession

TOKEN_PREFIX = "shb_"  # noqa: S105 - the visible prefix of tokens
TOUCH_EVERY = timedelta(minutes=1)


def digest(secret: str) -> str:
    """The stored form of a session id or token (they are random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def revoke_all_sessions(session: Session, user_id: str, now: datetime) -> None:
    """End every open session of a user inside the caller's unit of work."""
    session.execute(
        update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None)).values(revoked_at=now)
    )


@dataclass(frozen=True)
class TokenInfo:
    """An API token as its owner sees it (never the secret, except once at creation)."""

    id: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class Credentials:
    """Sessions and API tokens of accounts."""

    def __init__(self, db: Database, accounts: Accounts, session_lifetime: timedelta = timedelta(hours=12), now: Callable[[], datetime] = utc_now) -> None:
        self.db = db
        self.accounts = accounts
        self.lifetime = session_lifetime
        self.now = now

    # -- sessions ---------------------------------------------------------------------------------

    def open_session(self, user_id: str, ip: str | None) -> str:
        """Start a session for a user who just signed in; returns the new random session id."""
        sid = secrets.token_urlsafe(32)
        now = self.now()
        with self.db.unit_of_work() as uow:
            uow.session.add(
                WebSession(id_hash=digest(sid), user_id=user_id, created_at=now, last_seen_at=now, expires_at=now + self.lifetime, ip=(ip or "")[:64] or None)
            )
            uow.commit()
        return sid

    def session_user(self, sid: str) -> User | None:
        """The user of an open, unexpired session, or None."""
        now = self.now()
        with self.db.reading() as uow:
            row = uow.session.get(WebSession, digest(sid))
            if row is None or row.revoked_at is not None or row.expires_at <= now:
                return None
            user_id, stale = row.user_id, now - row.last_seen_at > TOUCH_EVERY
        if stale:
            with self.db.unit_of_work() as uow:
                uow.session.execute(update(WebSession).where(WebSession.id_hash == digest(sid)).values(last_seen_at=now))
                uow.commit()
        return self.accounts.get(user_id)

    def close_session(self, sid: str, *, ip: str | None = None) -> None:
        """End a session (signing out)."""
        now = self.now()
        with self.db.unit_of_work() as uow:
            row = uow.session.get(WebSession, digest(sid))
            if row is not None and row.revoked_at is None:
                row.revoked_at = now
                record(uow.session, now, AuthEventKind.LOGOUT, user_id=row.user_id, ip=ip)
            uow.commit()

    # -- API tokens -------------------------------------------------------------------------------

    def create_token(self, user_id: str, name: str, *, expires_in: timedelta | None = None) -> tuple[TokenInfo, str]:
        """A new token for a user: (its info, the secret, shown this once).

        :raises InvalidInput: for an empty or over-long name.
        """
        name = (name or "").strip()
        if not name or len(name) > 100:
            raise InvalidInput("a token needs a name of 1-100 characters", code="TOKEN_NAME_INVALID",
                               errors=[{"field": "name", "code": "TOKEN_NAME_INVALID", "params": {}}])
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.now()
        row = ApiToken(
            user_id=user_id, name=name, token_hash=digest(secret), prefix=secret[:10], created_at=now,
            expires_at=now + expires_in if expires_in else None,
        )
        with self.db.unit_of_work() as uow:
            uow.session.add(row)
            record(uow.session, now, AuthEventKind.TOKEN_CREATED, user_id=user_id, details={"token": row.prefix, "name": name})
            uow.session.flush()
            info = _token_info(row)
            uow.commit()
        return info, secret

    def tokens(self, user_id: str) -> list[TokenInfo]:
        """A user's tokens, newest first."""
        with self.db.reading() as uow:
            rows = uow.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc()))
            return [_token_info(r) for r in rows]

    def revoke_token(self, user_id: str, token_id: str) -> TokenInfo:
        """Revoke one of a user's tokens (revoking twice is harmless).

        :raises NotFound: when the user has no such token.
        """
        now = self.now()
        with self.db.unit_of_work() as uow:
            row = uow.session.get(ApiToken, token_id)
            if row is None or row.user_id != user_id:
                raise NotFound(f"no token {token_id}", code="TOKEN_NOT_FOUND", token_id=token_id)
            if row.revoked_at is None:
                row.revoked_at = now
                record(uow.session, now, AuthEventKind.TOKEN_REVOKED, user_id=user_id, details={"token": row.prefix})
            info = _token_info(row)
            uow.commit()
            return info

    def token_user(self, secret: str) -> User | None:
        """The user of a valid (unrevoked, unexpired) token of an active account, or None."""
        now = self.now()
        with self.db.reading() as uow:
            row = uow.session.scalars(select(ApiToken).where(ApiToken.token_hash == digest(secret))).first()
            if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
                return None
            token_id, user_id = row.id, row.user_id
            stale = row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY
            account = uow.session.get(UserAccount, user_id)
            if account is None or not account.active:
                return None
        if stale:
            with self.db.unit_of_work() as uow:
                uow.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
                uow.commit()
        return self.accounts.get(user_id)


def _token_info(row: ApiToken) -> TokenInfo:
    return TokenInfo(row.id, row.name, row.prefix, row.created_at, row.expires_at, row.last_used_at, row.revoked_at)
