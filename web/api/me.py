"""``/api/v1/me``: the signed-in user and their API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, g, jsonify
from flask_wtf.csrf import generate_csrf

from web import serialize
from web.api.common import field_error, json_body, me, optional_str
from web.auth import auth_services, login_required

bp = Blueprint("me", __name__, url_prefix="/me")


@bp.get("")
@login_required
def whoami() -> Any:
    """The signed-in user; with a session, also the CSRF token to send as ``X-CSRFToken``."""
    body = serialize.user(me())
    body["auth"] = g.get("auth_via")
    body["csrf_token"] = generate_csrf() if g.get("auth_via") == "session" else None
    return jsonify(body)


@bp.get("/tokens")
@login_required
def tokens() -> Any:
    """My API tokens (never their secrets)."""
    items = [serialize.token(t) for t in auth_services().credentials.tokens(me().id)]
    return jsonify({"items": items, "total": len(items), "limit": len(items), "offset": 0})


@bp.post("/tokens")
@login_required
def create_token() -> Any:
    """A new API token; the secret is in this response only."""
    body = json_body()
    name = optional_str(body, "name", 100) or ""
    days = body.get("expires_in_days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3650):
        raise field_error("expires_in_days", "RANGE", "expires_in_days must be an integer from 1 to 3650", minimum=1, maximum=3650)
    info, secret = auth_services().credentials.create_token(me().id, name, expires_in=timedelta(days=days) if days else None)
    out = serialize.token(info)
    out["token"] = secret
    return jsonify(out), 201


@bp.delete("/tokens/<token_id>")
@login_required
def revoke_token(token_id: str) -> Any:
    """Revoke one of my tokens."""
    return jsonify(serialize.token(auth_services().credentials.revoke_token(me().id, token_id)))
