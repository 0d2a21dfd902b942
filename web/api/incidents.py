"""``/api/v1/incidents``: failed service calls (admin) and retrying them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from web import serialize
from web.api.common import me, page
from web.auth import roles_required
from web.context import engine

bp = Blueprint("incidents", __name__, url_prefix="/incidents")


@bp.get("")
@roles_required("admin")
def list_incidents() -> Any:
    """Open incidents, their errors masked."""
    items = [serialize.incident(r) for r in engine().jobs.incidents()]
    return page(items, len(items), len(items), 0)


@bp.post("/<incident_id>/retry")
@roles_required("admin")
def retry(incident_id: str) -> Any:
    """Retry the failed job of an incident (a new attempt)."""
    engine().jobs.retry_incident(incident_id, me().actor)
    return jsonify({"id": incident_id, "status": "retrying"}), 202
