"""``/healthz`` (the process answers) and ``/readyz`` (database reachable, schema at head, a worker
heartbeat seen recently)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, select, text

bp = Blueprint("health", __name__)

HEARTBEAT_MAX_AGE = timedelta(seconds=60)


@bp.get("/healthz")
def healthz() -> Any:
    """Liveness: the web process answers."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Any:
    """Readiness: database reachable, migrations at head, a worker seen in the last minute."""
    from engine.db.migrate import is_at_head
    from engine.db.models import WorkerHeartbeat
    from web.bootstrap import migration_locations

    engine = current_app.extensions["shebao_engine"]
    checks: dict[str, Any] = {}
    try:
        with engine.db.reading() as uow:
            uow.session.execute(text("SELECT 1"))
            newest = uow.session.scalar(select(func.max(WorkerHeartbeat.seen_at)))
        checks["database"] = "ok"
        checks["migrations"] = "ok" if is_at_head(engine.db.engine, migration_locations()) else "behind"
        fresh = newest is not None and engine.clock.now() - newest.replace(tzinfo=engine.clock.now().tzinfo) < HEARTBEAT_MAX_AGE + engine.clock.offset if hasattr(engine.clock, "offset") else newest is not None
        checks["worker"] = "ok" if fresh else "no recent heartbeat"
    except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
        checks["database"] = f"unreachable: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return jsonify({"status": "ready" if ready else "not ready", "checks": checks}), 200 if ready else 503
