"""Sign-in and roles for the web: who is asking (session cookie or API token) and may they.

Interface used by every blueprint:

- :func:`current_user` -> :class:`User` or None;
- :func:`login_required` (HTML: redirect to ``/login``; API: 401 JSON);
- :func:`roles_required` (403 when the user holds none of the roles);
- :func:`csrf_exempt` for the few POST endpoints authenticated otherwise (signed callbacks).

Object-level checks (whose task, case, file) live in :mod:`web.access`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g, redirect, request, url_for

from engine.errors import EngineError, Forbidden
from web.auth.accounts import Accounts
from web.auth.identity import ROLES, User
from web.auth.sessions import Credentials
from web.auth.signin import LoginFailed, LoginThrottled, SignIn

__all__ = [
    "ROLES",
    "AuthServices",
    "LoginFailed",
    "LoginThrottled",
    "Unauthenticated",
    "User",
    "auth_services",
    "csrf_exempt",
    "current_user",
    "init_auth",
    "is_api_request",
    "login_required",
    "roles_required",
]

F = TypeVar("F", bound=Callable[..., Any])


class Unauthenticated(EngineError):
    """No valid session or token (answered 401)."""

    code = "UNAUTHENTICATED"


@dataclass(frozen=True)
class AuthServices:
    """The account services of one app."""

    accounts: Accounts
    credentials: Credentials
    signin: SignIn


def auth_services() -> AuthServices:
    """The account services of the current app."""
    return current_app.extensions["shebao_auth"]  # type: ignore[no-any-return]


def current_user() -> User | None:
    """The signed-in user of this request, or None."""
    return g.get("user")


def is_api_request() -> bool:
    """Whether this request is for the JSON API (errors as JSON, no redirects)."""
    return request.path.startswith("/api/")


def _deny_anonymous() -> Any:
    if is_api_request() or g.get("auth_via") == "token" or request.headers.get("Authorization"):
        code = g.get("auth_error") or "UNAUTHENTICATED"
        raise Unauthenticated("sign in or send a valid API token", code=code)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def login_required(view: F) -> F:
    """Only signed-in users (HTML: redirect to the login page; API: 401)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return _deny_anonymous()
        return view(*args, **kwargs)

    wrapper.login_required = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def roles_required(*roles: str) -> Callable[[F], F]:
    """Only signed-in users holding one of ``roles`` (others: 403)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return _deny_anonymous()
            if not user.has_role(*roles):
                raise Forbidden("your role does not allow this", code="ROLE_REQUIRED", roles=list(roles))
            return view(*args, **kwargs)

        wrapper.roles_required = roles  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def csrf_exempt(view: F) -> F:
    """Mark a view whose POSTs are authenticated otherwise (a signature), so no CSRF token is asked."""
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def init_auth(app: Flask, engine: Any) -> None:
    """Attach sessions, tokens, CSRF protection and the login pages to ``app``."""
    from web.auth.setup import configure

    configure(app, engine)


