"""Wiring of the auth package into a Flask app: cookie flags, user loading, CSRF, login pages."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, g, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect

from web.auth import AuthServices, is_api_request
from web.auth.accounts import Accounts
from web.auth.sessions import Credentials
from web.auth.signin import SignIn

log = logging.getLogger("shebao.web.auth")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
csrf = CSRFProtect()


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in {"0", "false", "no", "off", ""}


def configure(app: Flask, engine: Any) -> None:
    """Set cookie and CSRF configuration, build the services, install the request hooks."""
    cfg = app.config
    secret = cfg.get("SECRET_KEY") or os.environ.get("SHEBAO_SECRET_KEY")
    if not secret:
        log.warning("SHEBAO_SECRET_KEY is not set: sessions use a random key and end when the process stops")
        secret = secrets.token_urlsafe(48)
    cfg["SECRET_KEY"] = secret
    hours = float(cfg.get("SHEBAO_SESSION_HOURS") or os.environ.get("SHEBAO_SESSION_HOURS", "12"))
    if cfg.get("SESSION_COOKIE_NAME") in (None, "session"):
        cfg["SESSION_COOKIE_NAME"] = "shebao_session"
    cfg["SESSION_COOKIE_SECURE"] = _flag(cfg.get("SHEBAO_COOKIE_SECURE", os.environ.get("SHEBAO_COOKIE_SECURE")), True)
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=hours)
    cfg.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked in _protect below, after the user is known
    cfg.setdefault("WTF_CSRF_TIME_LIMIT", int(hours * 3600))
    cfg.setdefault("WTF_CSRF_ENABLED", True)

    lane_groups = getattr(getattr(engine, "settings", None), "lane_groups", {}) or {}
    accounts = Accounts(engine.db, lane_groups)
    services = AuthServices(
        accounts=accounts,
        credentials=Credentials(engine.db, accounts, timedelta(hours=hours)),
        signin=SignIn(engine.db, accounts, engine.cipher),
    )
    app.extensions["shebao_auth"] = services
    csrf.init_app(app)

    @app.before_request
    def _load_user() -> None:
        g.user = None
        g.auth_via = None
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, value = header.partition(" ")
            user = services.credentials.token_user(value.strip()) if scheme.lower() == "bearer" and value.strip() else None
            if user is None:
                g.auth_error = "TOKEN_INVALID"
            else:
                g.user, g.auth_via = user, "token"
            return  # an Authorization header means: never the session cookie
        sid = session.get("sid")
        if sid:
            user = services.credentials.session_user(str(sid))
            if user is None:
                session.pop("sid", None)
            else:
                g.user, g.auth_via = user, "session"

    @app.before_request
    def _protect() -> None:
        """CSRF: every HTML form POST; API writes only when authenticated by the session cookie."""
        if request.method in SAFE_METHODS or not cfg.get("WTF_CSRF_ENABLED", True):
            return
        if request.routing_exception is not None:
            return  # no such route or method: it fails with 404/405 and changes nothing
        view = app.view_functions.get(request.endpoint or "")
        if view is not None and getattr(view, "csrf_exempt", False):
            return
        if is_api_request() and g.get("auth_via") != "session":
            return  # bearer-token or anonymous API calls carry no ambient credentials
        csrf.protect()

    @app.errorhandler(CSRFError)
    def _csrf_failed(exc: CSRFError) -> Any:
        if is_api_request():
            from web.api.errors import error_response

            return error_response(403, "CSRF_INVALID", exc.description or "CSRF token missing or invalid")
        return exc

    from web.auth.views import bp

    app.register_blueprint(bp)
