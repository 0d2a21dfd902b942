"""Engine and account rows -> JSON objects, for the REST API and the command line's ``--json``.

The shapes are described in web/api/openapi_schemas.py. This module imports no Flask, so ``shebao``
uses it without loading the web app. Personal numbers never leave unmasked: free-form values
(instance data, history details, error texts) pass through :func:`connectors.masking.scrub`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from connectors.masking import scrub


def iso(value: datetime | None) -> str | None:
    """An ISO 8601 timestamp (UTC) or None."""
    return value.isoformat() if value is not None else None


def _flags(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def task(t: Any, now: datetime | None = None) -> dict[str, Any]:
    """An inbox row."""
    return {
        "id": t.id,
        "instance_id": t.instance_id,
        "process_id": t.process_id,
        "element_id": t.element_id,
        "title": t.title,
        "lane": t.lane,
        "candidate_group": t.candidate_group,
        "assignee": t.assignee,
        "stage": t.stage,
        "risk_flags": _flags(t.risk_flags),
        "status": t.status.value,
        "due_at": iso(t.due_at),
        "overdue": bool(now is not None and t.due_at is not None and t.due_at < now and t.status.value == "open"),
        "has_form": bool(t.form_schema),
        "created_at": iso(t.created_at),
        "claimed_at": iso(t.claimed_at),
        "completed_at": iso(t.completed_at),
    }


def instance(row: Any) -> dict[str, Any]:
    """An instance row (no process data)."""
    return {
        "id": row.id,
        "process_id": row.process_id,
        "business_key": row.business_key,
        "status": row.status.value,
        "stage": row.current_stage,
        "subject_person": row.subject_person,
        "employer": row.employer_scope,
        "city": row.city_scope,
        "risk_flags": _flags(getattr(row, "risk_flags", None)),
        "started_by": row.started_by,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "completed_at": iso(row.completed_at),
    }


def instance_detail(row: Any, tasks: list[Any], history: list[Any], now: datetime | None = None) -> dict[str, Any]:
    """An instance with the given open tasks and its history (no process data)."""
    body = instance(row)
    body["open_tasks"] = [task(t, now) for t in tasks]
    body["history"] = [history_item(h) for h in history]
    return body


def history_item(h: Any) -> dict[str, Any]:
    """One history entry, details masked."""
    return {
        "at": iso(h.at),
        "event": h.event,
        "element_id": h.element_id,
        "element_name": h.element_name,
        "actor": h.actor,
        "details": scrub(h.details or {}),
    }


def attachment(a: Any) -> dict[str, Any]:
    """An attachment's metadata, with the reference a form's file field takes."""
    return {
        "id": a.id,
        "name": a.name,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "instance_id": a.instance_id,
        "created_at": iso(a.created_at),
        "ref": {"attachment_id": a.id, "name": a.name, "content_type": a.content_type, "size": a.size},
    }


def incident(r: Any) -> dict[str, Any]:
    """An incident, its error text masked."""
    return {
        "id": r.id,
        "instance_id": r.instance_id,
        "element_id": r.element_id,
        "operator": r.operator,
        "error": scrub(r.error),
        "status": r.status.value,
        "created_at": iso(r.created_at),
    }


def definition(d: Any) -> dict[str, Any]:
    """A process definition version."""
    return {
        "id": d.id,
        "process_id": d.process_id,
        "version": d.version,
        "name": d.name,
        "bpmn_path": d.bpmn_path,
        "files": sorted(json.loads(d.files)),
        "deployment_id": d.deployment_id,
        "created_at": iso(d.created_at),
    }


def deployment(d: Any) -> dict[str, Any]:
    """A deployment record."""
    return {
        "id": d.id,
        "name": d.name,
        "created_at": iso(d.created_at),
        "created_by": d.created_by,
        "files": sorted(json.loads(d.files)),
        "new_processes": d.new_processes,
        "new_decisions": d.new_decisions,
    }


def token(t: Any) -> dict[str, Any]:
    """An API token's public description."""
    return {
        "id": t.id,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": iso(t.created_at),
        "expires_at": iso(t.expires_at),
        "last_used_at": iso(t.last_used_at),
        "revoked": t.revoked_at is not None,
    }


def user(u: Any) -> dict[str, Any]:
    """The signed-in user."""
    return {
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "roles": sorted(u.roles),
        "person_id": u.person_id,
        "groups": list(u.groups),
        "scopes": [{"employer": e, "city": c} for e, c in u.scopes],
        "totp_enabled": u.totp_enabled,
    }
