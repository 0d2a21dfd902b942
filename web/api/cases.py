"""``/api/v1/cases``: an employee's matters (casework cases), opened through casework."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from connectors.masking import scrub
from web import access
from web.api.common import field_error, json_body, me, optional_str, page, paging
from web.auth import roles_required
from web.context import casework

bp = Blueprint("cases", __name__, url_prefix="/cases")

READERS = ("employee", "hr", "hr_lead", "admin")
KINDS = ("joiner", "transfer", "enrolment", "stop_contribution", "card")


def case_body(view: Any, detail: bool = False) -> dict[str, Any]:
    """A case; with ``detail`` also its milestones and warnings."""
    body = view.as_dict()
    if detail:
        cases = casework().cases
        body["progress"] = cases.progress(view) if view.root_instance_id else []
        body["warnings"] = scrub(cases.warnings(view))
    return body


def visible_case(case_id: str) -> Any:
    """The case if the user may see it (404 when unknown or not theirs)."""
    from casework.errors import CaseNotFound

    try:
        view = casework().cases.get(case_id)
    except CaseNotFound:
        raise access.NotFound(f"no case {case_id}", kind="case", id=case_id) from None
    access.check_case(me(), view)
    return view


@bp.get("")
@roles_required(*READERS)
def list_cases() -> Any:
    """Cases the user may see, newest first (employees: their own); filters ``status``, ``kind``."""
    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    if status is not None and status not in ("active", "closed", "cancelled"):
        raise field_error("status", "ENUM", "unknown status", allowed=["active", "closed", "cancelled"])
    if kind is not None and kind not in KINDS:
        raise field_error("kind", "ENUM", "unknown kind", allowed=list(KINDS))
    limit, offset = paging()
    views, total = casework().cases.page(access.case_filters(me()), kind=kind, status=status, limit=limit, offset=offset)
    return page([case_body(c) for c in views], total, limit, offset)


@bp.post("")
@roles_required(*READERS)
def open_case() -> Any:
    """Open a case (employees for themselves; HR for a person in their employer and city)."""
    user = me()
    body = json_body()
    kind = optional_str(body, "kind", 40)
    if kind not in KINDS:
        raise field_error("kind", "ENUM", "kind must be one of the case kinds", allowed=list(KINDS))
    employer = optional_str(body, "employer_id", 100)
    region = optional_str(body, "region", 20)
    if not region:
        raise field_error("region", "REQUIRED", "region is required", property="region")
    person = optional_str(body, "person_id", 100)
    if user.has_role("employee") and not user.has_role("hr", "hr_lead", "admin"):
        if person not in (None, user.person_id):
            raise access.Forbidden("employees open cases for themselves only", code="SELF_ONLY")
        person = user.person_id
    else:
        access.check_start(user, employer, region)
    if not person:
        raise field_error("person_id", "REQUIRED", "person_id is required", property="person_id")
    data = body.get("data")
    if data is not None and not isinstance(data, dict):
        raise field_error("data", "TYPE", "data must be a JSON object", expected=["object"])
    view = casework().cases.open_case(person, kind, employer, region, data, user.actor, case_date=optional_str(body, "case_date", 10))
    return jsonify(case_body(view, detail=True)), 201


@bp.get("/<case_id>")
@roles_required(*READERS)
def get_case(case_id: str) -> Any:
    """One case with its milestones (done / skipped / current / pending) and merged warnings."""
    return jsonify(case_body(visible_case(case_id), detail=True))
