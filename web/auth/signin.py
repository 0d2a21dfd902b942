"""Signing in: password check, the login rate limit kept in the database, and the TOTP second factor.

Rate limit: at most ``max_failures`` failed attempts (wrong password or wrong TOTP code) per username
and client address within ``window``, and ``max_ip_failures`` per address for any usernames; past
that the attempt is refused with :class:`LoginThrottled` (HTTP 429 with ``Retry-After``) without
checking the password. The counts come from the sign-in audit log, so every web node sees them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.crypto import Cipher
from engine.db.session import Database
from engine.errors import EngineError, InvalidInput
from web.auth.accounts import Accounts, UserNotFound, record, utc_now
from web.auth.identity import User
from web.auth.models import AuthEvent, AuthEventKind, UserAccount
from web.auth.passwords import hash_password, needs_rehash, verify_password

FAILURES = (AuthEventKind.LOGIN_FAILED, AuthEventKind.TOTP_FAILED)
ISSUER = "Shebao Flow"


class LoginFailed(EngineError):
    """Wrong username, password or code (which one is not said)."""

    code = "LOGIN_FAILED"


class LoginThrottled(EngineError):
    """Too many failed attempts; ``retry_after`` seconds until the next one is allowed."""

    code = "LOGIN_THROTTLED"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s", retry_after=retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class PasswordOk:
    """The password was right; ``needs_totp`` says whether a TOTP code must follow."""

    user: User
    needs_totp: bool


class SignIn:
    """Password and TOTP checks with the database-backed rate limit and audit log."""

    def __init__(
        self,
        db: Database,
        accounts: Accounts,
        cipher: Cipher,
        *,
        max_failures: int = 5,
        max_ip_failures: int = 50,
        window: timedelta = timedelta(minutes=15),
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.db = db
        self.accounts = accounts
        self.cipher = cipher
        self.max_failures = max_failures
        self.max_ip_failures = max_ip_failures
        self.window = window
        self.now = now

    # -- rate limit -------------------------------------------------------------------------------

    def _throttle(self, session: Session, username: str, ip: str | None, now: datetime) -> int | None:
        """Seconds to wait when the limit is reached, else None."""
        since = now - self.window
        base = select(func.count(), func.min(AuthEvent.at)).where(AuthEvent.event.in_(FAILURES), AuthEvent.at > since)
        for stmt, limit in (
            (base.where(AuthEvent.username == username, AuthEvent.ip == ip), self.max_failures),
            (base.where(AuthEvent.ip == ip), self.max_ip_failures),
        ):
            count, oldest = session.execute(stmt).one()
            if count >= limit and oldest is not None:
                if limit > 1:  # the wait ends when the oldest counted failure leaves the window
                    nth = session.scalars(
                        stmt.with_only_columns(AuthEvent.at).order_by(AuthEvent.at.desc()).offset(limit - 1).limit(1)
                    ).first()
                    oldest = nth or oldest
                return max(1, math.ceil((oldest + self.window - now).total_seconds()))
        return None

    def check_allowed(self, username: str, ip: str | None) -> None:
        """Refuse early when the limit is reached.

        :raises LoginThrottled: with the seconds to wait.
        """
        now = self.now()
        with self.db.reading() as uow:
            wait = self._throttle(uow.session, username, ip, now)
        if wait is not None:
            with self.db.unit_of_work() as uow:
                record(uow.session, now, AuthEventKind.LOGIN_THROTTLED, username=username, ip=ip)
                uow.commit()
            raise LoginThrottled(wait)

    # -- password ---------------------------------------------------------------------------------

    def password(self, username: str, password: str, *, ip: str | None = None, user_agent: str | None = None) -> PasswordOk:
        """Check a username and password.

        :raises LoginThrottled: when too many attempts failed recently.
        :raises LoginFailed: when the account does not exist, is disabled or the password is wrong.
        """
        username = (username or "").strip()[:100]
        self.check_allowed(username, ip)
        now = self.now()
        with self.db.unit_of_work() as uow:
            row = uow.session.scalars(select(UserAccount).where(UserAccount.username == username)).first()
            ok = verify_password(row.password_hash if row else None, password or "")
            if not ok or row is None or not row.active:
                record(uow.session, now, AuthEventKind.LOGIN_FAILED, username=username, ip=ip, user_agent=user_agent)
                uow.commit()
                raise LoginFailed("wrong username or password")
            if row.password_hash and needs_rehash(row.password_hash):
                row.password_hash = hash_password(password)
            if not row.totp_enabled:
                record(uow.session, now, AuthEventKind.LOGIN_OK, username=username, user_id=row.id, ip=ip, user_agent=user_agent)
            user = self.accounts.identity(row)
            uow.commit()
        return PasswordOk(user, user.totp_enabled)

    # -- TOTP -------------------------------------------------------------------------------------

    def totp(self, user_id: str, code: str, *, ip: str | None = None, user_agent: str | None = None) -> User:
        """Check the second factor of a user whose password was right.

        :raises LoginThrottled: when too many attempts failed recently.
        :raises LoginFailed: when the code is wrong.
        """
        now = self.now()
        with self.db.unit_of_work() as uow:
            row = uow.session.get(UserAccount, user_id)
            if row is None or not row.active or not row.totp_enabled or not row.totp_secret:
                raise LoginFailed("wrong username or password")
            username = row.username
            wait = self._throttle(uow.session, username, ip, now)
            if wait is not None:
                record(uow.session, now, AuthEventKind.LOGIN_THROTTLED, username=username, ip=ip)
                uow.commit()
                raise LoginThrottled(wait)
            if not _verify_code(self.cipher.decrypt_text(row.totp_secret), code, now):
                record(uow.session, now, AuthEventKind.TOTP_FAILED, username=username, user_id=row.id, ip=ip, user_agent=user_agent)
                uow.commit()
                raise LoginFailed("wrong code")
            record(uow.session, now, AuthEventKind.LOGIN_OK, username=username, user_id=row.id, ip=ip, user_agent=user_agent, details={"totp": True})
            user = self.accounts.identity(row)
            uow.commit()
            return user

    def begin_totp(self, user_id: str) -> tuple[str, str]:
        """Make a new TOTP secret for a user (not active until confirmed): (secret, otpauth URI)."""
        secret = pyotp.random_base32()
        with self.db.unit_of_work() as uow:
            row = _account(uow.session, user_id)
            if row.totp_enabled:
                raise InvalidInput("two-step sign-in is already on", code="TOTP_ALREADY_ENABLED")
            row.totp_secret = self.cipher.encrypt_text(secret)
            uri = pyotp.TOTP(secret).provisioning_uri(name=row.username, issuer_name=ISSUER)
            uow.commit()
        return secret, uri

    def confirm_totp(self, user_id: str, code: str) -> None:
        """Turn TOTP on once the user proves their authenticator shows the right code.

        :raises InvalidInput: ``TOTP_CODE_INVALID`` or ``TOTP_NOT_STARTED``.
        """
        now = self.now()
        with self.db.unit_of_work() as uow:
            row = _account(uow.session, user_id)
            if not row.totp_secret:
                raise InvalidInput("start the two-step set-up first", code="TOTP_NOT_STARTED")
            if not _verify_code(self.cipher.decrypt_text(row.totp_secret), code, now):
                raise InvalidInput("the code is not right", code="TOTP_CODE_INVALID",
                                   errors=[{"field": "code", "code": "TOTP_CODE_INVALID", "params": {}}])
            row.totp_enabled = True
            record(uow.session, now, AuthEventKind.TOTP_ENABLED, username=row.username, user_id=row.id)
            uow.commit()

    def disable_totp(self, username: str, *, actor: str | None = None) -> None:
        """Turn TOTP off for a user (an administrator's act, e.g. a lost phone)."""
        now = self.now()
        with self.db.unit_of_work() as uow:
            row = uow.session.scalars(select(UserAccount).where(UserAccount.username == username)).first()
            if row is None:
                raise UserNotFound(f"no user {username!r}", username=username)
            row.totp_enabled = False
            row.totp_secret = None
            record(uow.session, now, AuthEventKind.TOTP_DISABLED, username=username, user_id=row.id, details={"by": actor})
            uow.commit()


def _account(session: Session, user_id: str) -> UserAccount:
    row = session.get(UserAccount, user_id)
    if row is None:
        raise UserNotFound(f"no user {user_id}", user_id=user_id)
    return row


def _verify_code(secret: str, code: str, now: datetime) -> bool:
    code = "".join(ch for ch in str(code or "") if ch.isdigit())
    return len(code) == 6 and pyotp.TOTP(secret).verify(code, for_time=now, valid_window=1)
