"""``/api/v1/deployments`` and ``/api/v1/process-definitions``: deploying and reading definitions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from engine.errors import DefinitionNotFound
from web import serialize
from web.api import queries
from web.api.common import field_error, json_body, me, page, paging
from web.api.errors import UnsupportedMediaType
from web.auth import login_required, roles_required
from web.context import engine

bp = Blueprint("deployments", __name__)

DEPLOYERS = ("designer", "admin")
MAX_FILES = 500


def _clean_path(path: str) -> str:
    p = (path or "").replace("\\", "/").strip()
    parts = [s for s in p.split("/") if s not in ("", ".")]
    if not parts or any(s == ".." for s in parts) or p.startswith("/"):
        raise field_error("files", "PATH_INVALID", f"file path {path!r} is not a relative path inside the bundle", path=path)
    return "/".join(parts)


def _files_from_request() -> tuple[str, dict[str, bytes]]:
    if request.mimetype == "multipart/form-data":
        uploads = request.files.getlist("files")
        files = {_clean_path(f.filename or ""): f.read() for f in uploads}
        name = request.form.get("name") or "api deployment"
    elif request.is_json:
        body = json_body()
        raw = body.get("files")
        if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
            raise field_error("files", "TYPE", "files must be an object of path -> file text", expected=["object"])
        files = {_clean_path(k): v.encode("utf-8") for k, v in raw.items()}
        name = str(body.get("name") or "api deployment")[:200]
    else:
        raise UnsupportedMediaType("send multipart/form-data with 'files' or application/json", content_type=request.mimetype or "")
    if not files:
        raise field_error("files", "REQUIRED", "no files given", property="files")
    if len(files) > MAX_FILES:
        raise field_error("files", "MAX_ITEMS", f"at most {MAX_FILES} files", limit=MAX_FILES)
    return name, files


@bp.post("/deployments")
@roles_required(*DEPLOYERS)
def deploy() -> Any:
    """Deploy BPMN, DMN and form files; unchanged files add nothing (201 when something is new)."""
    name, files = _files_from_request()
    result = engine().deploy(files, name=name, actor=me().actor)
    body = {
        "deployment_id": result.deployment_id,
        "processes": result.processes,
        "decisions": result.decisions,
        "unchanged": result.unchanged,
        "warnings": result.warnings,
    }
    return jsonify(body), 201 if result.deployment_id else 200


@bp.get("/deployments")
@roles_required(*DEPLOYERS)
def list_deployments() -> Any:
    """Deployments, newest first."""
    limit, offset = paging()
    rows, total = queries.list_deployments(engine(), limit=limit, offset=offset)
    return page([serialize.deployment(d) for d in rows], total, limit, offset)


@bp.get("/process-definitions")
@login_required
def list_definitions() -> Any:
    """The newest version of every deployed process."""
    items = [serialize.definition(d) for d in queries.latest_definitions(engine())]
    return page(items, len(items), len(items), 0)


@bp.get("/process-definitions/<process_id>")
@login_required
def get_definition(process_id: str) -> Any:
    """A process with all its versions, newest first."""
    versions = queries.definition_versions(engine(), process_id)
    if not versions:
        raise DefinitionNotFound(f"no deployed process {process_id!r}", process_id=process_id)
    return jsonify({"process_id": process_id, "latest": serialize.definition(versions[0]),
                    "versions": [serialize.definition(v) for v in versions]})


@bp.get("/process-definitions/<process_id>/versions/<int:version>/xml")
@login_required
def definition_xml(process_id: str, version: int) -> Any:
    """The BPMN XML of one version (for diagrams)."""
    xml = queries.definition_xml(engine(), process_id, version)
    return Response(xml, mimetype="application/xml")
