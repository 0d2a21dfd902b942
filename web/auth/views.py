"""Sign-in pages: ``/login`` (password), ``/login/totp`` (second factor), ``/logout``, and the
two-step set-up page ``/account/two-step``."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from jinja2 import TemplateNotFound

from engine.errors import InvalidInput
from web.auth import LoginFailed, LoginThrottled, User, auth_services, current_user, login_required
from web.urls import safe_next

bp = Blueprint("auth", __name__)

PENDING_TOTP_SECONDS = 300
LAYOUTS = ("base.html", "layout.html")


def layout() -> str:
    """The site layout the sign-in pages extend (the pages' own one, or a plain fallback)."""
    for name in LAYOUTS:
        try:
            current_app.jinja_env.get_template(name)
            return name
        except TemplateNotFound:
            continue
    return "auth/_standalone.html"


def _render(template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any) -> Any:
    return render_template(template, layout=layout(), **context), status, headers or {}


def _client() -> tuple[str | None, str | None]:
    return request.remote_addr, request.headers.get("User-Agent")


def finish_login(user: User) -> None:
    """Start a fresh session for ``user``: whatever the browser held before is dropped (fixation)."""
    ip, _ = _client()
    lang = session.get("lang")
    session.clear()
    session["sid"] = auth_services().credentials.open_session(user.id, ip)
    if lang:
        session["lang"] = lang
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The sign-in form; on POST check the password (and ask for a TOTP code when enrolled)."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user() is not None:
            return redirect(target)
        return _render("auth/login.html", next=target)
    username = request.form.get("username", "")
    ip, agent = _client()
    try:
        result = auth_services().signin.password(username, request.form.get("password", ""), ip=ip, user_agent=agent)
    except LoginThrottled as exc:
        return _render("auth/login.html", 429, {"Retry-After": str(exc.retry_after)}, next=target, username=username,
                       error="LOGIN_THROTTLED", retry_after=exc.retry_after)
    except LoginFailed:
        return _render("auth/login.html", 401, next=target, username=username, error="LOGIN_FAILED")
    if result.needs_totp:
        lang = session.get("lang")
        session.clear()
        session["pending_totp"] = {"user_id": result.user.id, "at": int(time.time()), "next": target}
        if lang:
            session["lang"] = lang
        return redirect(url_for("auth.login_totp"))
    finish_login(result.user)
    return redirect(target)


@bp.route("/login/totp", methods=["GET", "POST"])
def login_totp() -> Any:
    """The second step for users with TOTP: the 6-digit code from their authenticator."""
    pending = session.get("pending_totp")
    if not pending or time.time() - float(pending.get("at", 0)) > PENDING_TOTP_SECONDS:
        session.pop("pending_totp", None)
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return _render("auth/totp.html")
    ip, agent = _client()
    try:
        user = auth_services().signin.totp(pending["user_id"], request.form.get("code", ""), ip=ip, user_agent=agent)
    except LoginThrottled as exc:
        session.pop("pending_totp", None)
        return _render("auth/login.html", 429, {"Retry-After": str(exc.retry_after)}, next="/", error="LOGIN_THROTTLED",
                       retry_after=exc.retry_after)
    except LoginFailed:
        return _render("auth/totp.html", 401, error="TOTP_CODE_INVALID")
    target = safe_next(pending.get("next"))
    finish_login(user)
    return redirect(target)


@bp.post("/logout")
def logout() -> Any:
    """End the session and go back to the sign-in page."""
    sid = session.get("sid")
    if sid:
        auth_services().credentials.close_session(str(sid), ip=request.remote_addr)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@bp.route("/account/two-step", methods=["GET", "POST"])
@login_required
def two_step() -> Any:
    """Set up TOTP: POST ``action=start`` shows a new secret once, ``action=confirm`` checks a code."""
    user = current_user()
    assert user is not None
    signin = auth_services().signin
    if request.method == "GET":
        return _render("auth/two_step.html", enabled=user.totp_enabled)
    if request.form.get("action") == "start":
        try:
            secret, uri = signin.begin_totp(user.id)
        except InvalidInput as exc:
            return _render("auth/two_step.html", 400, enabled=user.totp_enabled, error=exc.code)
        return _render("auth/two_step.html", enabled=False, secret=secret, uri=uri)
    try:
        signin.confirm_totp(user.id, request.form.get("code", ""))
    except InvalidInput as exc:
        return _render("auth/two_step.html", 400, enabled=False, error=exc.code)
    return _render("auth/two_step.html", enabled=True, confirmed=True)
