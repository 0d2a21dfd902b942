"""``/api/v1/files``: uploading case materials (size cap, type allowlist) and downloading them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from web import access, serialize
from web.api.common import field_error, me
from web.api.errors import PayloadTooLarge, UnsupportedMediaType
from web.api.instances import visible_instance
from web.api.tasks import visible_task
from web.auth import roles_required
from web.context import engine
from web.uploads import clean_name, file_response, max_upload_bytes, sniff_type

bp = Blueprint("files", __name__, url_prefix="/files")

UPLOADERS = ("employee", "hr", "hr_lead", "admin")
ACCEPTED = ("image/jpeg", "image/png", "application/pdf")


def check_type(content_type: str, data: bytes) -> None:
    """Accept only allow-listed types whose content really starts like that type.

    :raises UnsupportedMediaType: otherwise.
    """
    allowed = list(ACCEPTED)
    if content_type not in ACCEPTED:
        raise UnsupportedMediaType(f"files of type {content_type or 'unknown'} are not accepted", content_type=content_type, allowed=allowed)
    if sniff_type(data[:16]) != content_type:
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
    check_type(content_type, data)
    instance_id = None
    if request.form.get("task_id"):
        instance_id = visible_task(request.form["task_id"], "complete").instance_id
    elif request.form.get("instance_id"):
        instance_id = visible_instance(request.form["instance_id"]).id
    info = engine().save_attachment(clean_name(item.filename), content_type, data, instance_id=instance_id, actor=me().actor)
    return jsonify(serialize.attachment(info)), 201


def visible_file(file_id: str) -> Any:
    """An attachment's metadata if the user may read it (404 when unknown or not theirs)."""
    return access.readable_attachment(me(), engine(), file_id)


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
    return file_response(meta.name, meta.content_type, engine().read_attachment(meta.id))
