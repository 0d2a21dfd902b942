"""Site-wide pages: the start page, the language switch, and files (materials) by id."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, make_response, redirect, request, session, url_for
from flask_babel import gettext as _

from engine.core import AttachmentInfo
from web.auth import current_user, login_required
from web.i18n import LANG_COOKIE, LOCALES, SESSION_KEY
from web.pages.common import engine, safe_next

bp = Blueprint("site", __name__)

INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf")


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
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.route("/files/<attachment_id>")
@login_required
def file(attachment_id: str) -> Any:
    """A case material: images and PDFs shown in the browser, anything else downloaded."""
    from web.access import NotFound, check_attachment

    user = current_user()
    eng = engine()
    found = eng.attachments([attachment_id])
    if not found:
        raise NotFound(f"no file {attachment_id}", kind="file", id=attachment_id)
    row = found[0]
    inst = eng.instances.get(row.instance_id) if row.instance_id else None
    check_attachment(user, row, inst)
    data = eng.read_attachment(attachment_id)
    inline = row.content_type in INLINE_TYPES and request.args.get("download") != "1"
    response = Response(data, mimetype=row.content_type if inline else "application/octet-stream")
    from urllib.parse import quote

    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(row.name)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response


def file_label(row: AttachmentInfo) -> str:
    """``name (type, size)`` for a material list."""
    from web.i18n import human_size

    return _("%(name)s (%(size)s)", name=row.name, size=human_size(row.size))
