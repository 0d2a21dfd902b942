"""``/api/v1/messages/…``: signed callbacks from the bureau and the banks, delivered to the engine.

No session or token: the HMAC signature (connectors/signing.py) is the authentication. The bureau's
callback secret is ``SHEBAO_BUREAU_CALLBACK_SECRET`` (or ``callback.secret`` in the adapters file the
sandbox writes); a bank's is ``SHEBAO_BANK_<CODE>_CALLBACK_SECRET`` (or ``banks.<code>.callback_secret``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from connectors.signing import SignatureError, verify
from engine.errors import InvalidInput
from web.api.common import field_error
from web.api.errors import UnsupportedMediaType
from web.auth import Unauthenticated, csrf_exempt
from web.context import engine

bp = Blueprint("messages", __name__, url_prefix="/messages")

MAX_BODY = 256 * 1024


def _adapters_file() -> dict[str, Any]:
    path = os.environ.get("SHEBAO_ADAPTERS_FILE")
    if not path or not Path(path).is_file():
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def callback_secret(sender: str) -> str | None:
    """The secret callbacks from ``sender`` (``bureau`` or a bank code) are signed with, if configured."""
    configured = current_app.config.get("SHEBAO_CALLBACK_SECRETS") or {}
    if sender in configured:
        return str(configured[sender])
    if sender == "bureau":
        return os.environ.get("SHEBAO_BUREAU_CALLBACK_SECRET") or (_adapters_file().get("callback") or {}).get("secret")
    env = os.environ.get(f"SHEBAO_BANK_{sender.upper()}_CALLBACK_SECRET")
    if env:
        return env
    bank = (_adapters_file().get("banks") or {}).get(sender) or {}
    return bank.get("callback_secret") if isinstance(bank, dict) else None


def _receive(sender: str) -> Any:
    body = request.get_data(cache=True)
    if len(body) > MAX_BODY:
        from web.api.errors import PayloadTooLarge

        raise PayloadTooLarge(f"a callback may have at most {MAX_BODY} bytes", max_bytes=MAX_BODY)
    secret = callback_secret(sender)
    path = request.full_path.rstrip("?") if request.query_string else request.path
    try:
        verify({sender: secret} if secret else {}, request.method, path, request.headers, body)
    except SignatureError as exc:
        raise Unauthenticated(str(exc), code=exc.code) from None
    if not request.is_json:
        raise UnsupportedMediaType("callbacks are application/json", content_type=request.mimetype or "")
    try:
        msg = json.loads(body)
    except ValueError:
        raise field_error("", "TYPE", "the body is not JSON", expected=["object"]) from None
    if not isinstance(msg, dict):
        raise field_error("", "TYPE", "the body must be a JSON object", expected=["object"])
    for key in ("message", "message_id"):
        if not isinstance(msg.get(key), str) or not msg.get(key):
            raise field_error(key, "REQUIRED", f"{key} is required", property=key)
    if msg.get("sender") not in (None, sender):
        raise InvalidInput("the sender does not match the endpoint", code="SENDER_MISMATCH")
    delivery = engine().messages.receive(msg["message"], msg.get("correlation") or {}, msg.get("payload") or {}, msg["message_id"])
    return jsonify({"status": delivery.status, "instance_id": delivery.instance_id, "message_id": msg["message_id"]})


@bp.post("/bureau")
@csrf_exempt
def bureau() -> Any:
    """A signed callback from the bureau (transfer stages)."""
    return _receive("bureau")


@bp.post("/banks/<code>")
@csrf_exempt
def bank(code: str) -> Any:
    """A signed callback from a card bank."""
    if not code.isascii() or not code.replace("_", "").isalnum() or len(code) > 32:
        raise Unauthenticated("unknown app key", code="UNKNOWN_APP_KEY")
    return _receive(code.lower())
