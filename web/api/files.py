"""``/api/v1/files``: uploading case materials (size cap, type allowlist) and downloading them."""

from __future__ import annotations

import io
import os
import unicodedata
from typing import Any

from flask import Blueprint, current_app, jsonify, request, send_file

from connectors.masking import scrub
from web import access
from web.api import queries, serialize
from web.api.common import engine, field_error, me
from web.api.errors import PayloadTooLarge, UnsupportedMediaType
from web.api.instances import visible_instance
from web.api.tasks import visible_task
from web.auth import roles_required

bp = Blueprint("files", __name__, url_prefix="/files")

UPLOADERS = ("employee", "hr", "hr_lead", "admin")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Declared type -> how its content starts. Only these are accepted; the content must match.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}


def max_upload_bytes() -> int:
    """The size cap of one uploaded file (``SHEBAO_MAX_UPLOAD_BYTES``, default 20 MiB)."""
    return int(current_app.config.get("SHEBAO_MAX_UPLOAD_BYTES") or os.environ.get("SHEBAO_MAX_UPLOAD_BYTES") or DEFAULT_MAX_BYTES)


def clean_name(name: str | None) -> str:
    """A file name for display: no folders, no control characters, personal numbers masked, at most 200 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return str(scrub(base))[:200] or "file"


def sniff(content_type: str, data: bytes) -> None:
    """Accept only allow-listed types whose content really starts like that type.

    :raises UnsupportedMediaType: otherwise.
    """
    allowed = sorted(SIGNATURES)
    if content_type not in SIGNATURES:
        raise UnsupportedMediaType(f"files of type {content_type or 'unknown'} are not accepted", content_type=content_type, allowed=allowed)
    if not any(data.startswith(sig) for sig in SIGNATURES[content_type]):
        raise UnsupportedMediaType(f"the content is not {content_type}", content_type=content_type, allowed=allowed)


@bp.post("")
@roles_required(*UPLOADERS)
def upload() -> Any:
    """Store an uploaded file (multipart field ``file``), optionally for a task or an instance."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("send multipart/form-data with a 'file' field", content_type=request.mimetype or "")
    item = request.files.get("file")
    if item is None:
        raise field_error("file", "REQUIRED", "the 'file' field is required", property="file")
    limit = max_upload_bytes()
    data = item.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"a file may have at most {limit} bytes", max_bytes=limit)
    if not data:
        raise field_error("file", "FILE_EMPTY", "the file is empty")
    content_type = (item.mimetype or "").lower()
    sniff(content_type, data)
    instance_id = None
    if request.form.get("task_id"):
        instance_id = visible_task(request.form["task_id"], "complete").instance_id
    elif request.form.get("instance_id"):
        instance_id = visible_instance(request.form["instance_id"]).id
    info = engine().save_attachment(clean_name(item.filename), content_type, data, instance_id=instance_id, actor=me().actor)
    meta = queries.attachment_meta(engine(), info.id)
    return jsonify(serialize.attachment(meta)), 201


def visible_file(file_id: str) -> queries.AttachmentMeta:
    """An attachment's metadata if the user may read it (404 when unknown or not theirs)."""
    meta = queries.attachment_meta(engine(), file_id)
    if meta is None:
        raise access.NotFound(f"no file {file_id}", kind="file", id=file_id)
    instance = None
    if meta.instance_id:
        from engine.errors import InstanceNotFound

        try:
            instance = engine().instances.get(meta.instance_id)
        except InstanceNotFound:
            instance = None
    access.check_attachment(me(), meta, instance)
    return meta


@bp.get("/<file_id>")
@roles_required(*UPLOADERS)
def file_info(file_id: str) -> Any:
    """A file's metadata."""
    return jsonify(serialize.attachment(visible_file(file_id)))


@bp.get("/<file_id>/content")
@roles_required(*UPLOADERS)
def download(file_id: str) -> Any:
    """A file's content, as a download."""
    meta = visible_file(file_id)
    data = engine().read_attachment(meta.id)
    response = send_file(io.BytesIO(data), mimetype=meta.content_type, as_attachment=True, download_name=meta.name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
