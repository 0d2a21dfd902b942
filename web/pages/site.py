"""Site-wide pages: the start page, the language switch, and files (materials) by id."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, make_response, redirect, request, session, url_for

from web.auth import current_user, login_required
from web.context import engine
from web.i18n import LANG_COOKIE, LOCALES, SESSION_KEY
from web.uploads import file_response
from web.urls import safe_next

bp = Blueprint("site", __name__)


@bp.route("/")
def home() -> Any:
    """Where each user starts: HR at the inbox, employees at the portal, others at sign-in."""
    user = current_user()
    if user is None:
        return redirect(url_for("auth.login"))
    if user.has_role("hr", "hr_lead", "admin"):
        return redirect(url_for("inbox.index"))
    if user.has_role("employee"):
        return redirect(url_for("portal.index"))
    return redirect(url_for("notifications.index"))


@bp.route("/language", methods=["POST"])
def language() -> Any:
    """Switch the language (kept in the session and a year-long cookie), then go back."""
    chosen = request.form.get("lang", "")
    target = safe_next(request.form.get("next"), "/")
    response = make_response(redirect(target))
    if chosen in LOCALES:
        session[SESSION_KEY] = chosen
        secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True, secure=secure)
    return response


@bp.route("/files/<attachment_id>")
@login_required
def file(attachment_id: str) -> Any:
    """A case material: images and PDFs shown in the browser (``?download=1``: downloaded), anything else downloaded."""
    from web.access import readable_attachment

    eng = engine()
    meta = readable_attachment(current_user(), eng, attachment_id)
    return file_response(meta.name, meta.content_type, eng.read_attachment(meta.id), inline=request.args.get("download") != "1")
