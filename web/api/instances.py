"""``/api/v1/instances``: start, list with filters, detail with history, lifecycle acts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from connectors.masking import scrub
from engine.db.models import InstanceStatus
from engine.tasks import InboxFilter
from web import access, serialize
from web.api import queries
from web.api.common import field_error, json_body, me, optional_str, page, paging
from web.auth import roles_required
from web.context import engine

bp = Blueprint("instances", __name__, url_prefix="/instances")

READERS = ("employee", "hr", "hr_lead", "admin")
STARTERS = ("hr", "hr_lead", "admin")
LEADS = ("hr_lead", "admin")


def visible_instance(instance_id: str, act: str = "view") -> Any:
    """The instance row if the user may ``act`` on it (404 when unknown or not theirs)."""
    from engine.errors import InstanceNotFound

    try:
        row = engine().instances.get(instance_id)
    except InstanceNotFound:
        raise access.NotFound(f"no instance {instance_id}", kind="instance", id=instance_id) from None
    access.check_instance(me(), row, act)
    return row


def instance_detail(row: Any) -> dict[str, Any]:
    """An instance with its open tasks (those the user may see), history and masked data."""
    eng = engine()
    user = me()
    tasks = [t for t in eng.tasks.list(InboxFilter(instance_id=row.id)) if access.can_see_task(user, t)]
    with eng.db.reading() as uow:
        history = eng.history.read(uow.session, row.id)
    body = serialize.instance_detail(row, tasks, history, eng.clock.now())
    body["data"] = scrub(eng.instances.data(row.id))
    return body


@bp.post("")
@roles_required(*STARTERS)
def start() -> Any:
    """Start an instance of the newest (or given) version of a process, in an employer+city scope."""
    body = json_body()
    process_id = optional_str(body, "process_id")
    if not process_id:
        raise field_error("process_id", "REQUIRED", "process_id is required", property="process_id")
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise field_error("data", "TYPE", "data must be a JSON object", expected=["object"])
    version = body.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
        raise field_error("version", "TYPE", "version must be a positive integer", expected=["integer"])
    employer, city = optional_str(body, "employer", 100), optional_str(body, "city", 20)
    access.check_start(me(), employer, city)
    instance_id = engine().start(
        process_id,
        data,
        business_key=optional_str(body, "business_key"),
        unique_key=bool(body.get("unique", False)),
        subject_person=optional_str(body, "subject_person", 100),
        employer=employer,
        city=city,
        actor=me().actor,
        version=version,
    )
    return jsonify(instance_detail(engine().instances.get(instance_id))), 201


@bp.get("")
@roles_required(*READERS)
def list_instances() -> Any:
    """Instances the user may see, newest first; filters process_id, status, business_key, subject."""
    limit, offset = paging()
    status = request.args.get("status") or None
    if status is not None and status not in {s.value for s in InstanceStatus}:
        raise field_error("status", "ENUM", "unknown status", allowed=[s.value for s in InstanceStatus])
    rows, total = queries.list_instances(
        engine(), me(),
        process_id=request.args.get("process_id") or None,
        status=status,
        business_key=request.args.get("business_key") or None,
        subject=request.args.get("subject") or None,
        limit=limit, offset=offset,
    )
    return page([serialize.instance(r) for r in rows], total, limit, offset)


@bp.get("/<instance_id>")
@roles_required(*READERS)
def get_instance(instance_id: str) -> Any:
    """One instance with stage, open tasks, history and (masked) data."""
    return jsonify(instance_detail(visible_instance(instance_id)))


@bp.get("/<instance_id>/files")
@roles_required(*READERS)
def instance_files(instance_id: str) -> Any:
    """The files (attachments) of an instance."""
    visible_instance(instance_id)
    items = [serialize.attachment(a) for a in engine().attachments_of(instance_id)]
    return page(items, len(items), len(items), 0)


def _lifecycle(act: str) -> Any:
    def view(instance_id: str) -> Any:
        visible_instance(instance_id, act)
        getattr(engine().instances, act)(instance_id, me().actor)
        return jsonify(serialize.instance(engine().instances.get(instance_id)))

    view.__name__ = act
    view.__doc__ = f"{act.capitalize()} an instance (HR lead of its scope, or admin)."
    bp.add_url_rule(f"/<instance_id>/{act}", endpoint=act, view_func=roles_required(*LEADS)(view), methods=["POST"])


for _act in ("suspend", "resume", "terminate"):
    _lifecycle(_act)
