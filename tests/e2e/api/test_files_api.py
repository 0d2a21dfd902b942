"""Uploading and downloading case materials through /api/v1/files."""

from __future__ import annotations

import io

import pytest

from tests.e2e.apiclient import error_code

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def w(world):
    world.deploy_case()
    return world


def upload(api, data=PNG, name="身份证.png", content_type="image/png", expect=201, **fields):
    form = {"file": (io.BytesIO(data), name, content_type), **fields}
    return api.post("/files", expect, data=form, content_type="multipart/form-data")


def test_an_employee_uploads_for_their_task_and_the_file_follows_the_case(w):
    iid = w.start_case()
    task = w.open_task(iid, "employee_details")
    meta = upload(w["employee"], task_id=task["id"]).get_json()
    assert meta["instance_id"] == iid and meta["size"] == len(PNG) and meta["name"] == "身份证.png"
    assert meta["ref"] == {"attachment_id": meta["id"], "name": "身份证.png", "content_type": "image/png", "size": len(PNG)}
    content = w["hr"].get(f"/files/{meta['id']}/content")
    assert content.data == PNG and content.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in content.headers["Content-Disposition"]
    assert [f["id"] for f in w["hr"].json("GET", f"/instances/{iid}/files")["items"]] == [meta["id"]]
    for role in ("other_employee", "other_hr", "designer"):
        expected = 403 if role == "designer" else 404
        w[role].get(f"/files/{meta['id']}/content", expected)
        w[role].get(f"/files/{meta['id']}", expected)


def test_a_file_uploaded_before_the_form_is_sent_joins_the_instance_on_completion(w):
    iid = w.start_case()
    task = w.open_task(iid, "employee_details")
    meta = upload(w["employee"], PDF, "证明.pdf", "application/pdf").get_json()
    assert meta["instance_id"] is None
    assert error_code(w["hr"].get(f"/files/{meta['id']}", 404)) == "NOT_FOUND"
    data = {"name": "张三", "resident_id": "11010519491231002X", "bank_card": "6222021234567890128", "id_card": meta["ref"]}
    w["employee"].post(f"/tasks/{task['id']}/complete", json={"data": data})
    assert w["hr"].json("GET", f"/files/{meta['id']}")["instance_id"] == iid


def test_oversized_files_are_413_and_wrong_types_415(w):
    assert error_code(upload(w["employee"], PNG + b"\x00" * (64 * 1024), expect=413)) == "PAYLOAD_TOO_LARGE"
    assert error_code(upload(w["employee"], b"MZ\x90\x00", "tool.exe", "application/octet-stream", expect=415)) == "UNSUPPORTED_MEDIA_TYPE"
    assert error_code(upload(w["employee"], b"<html>", "fake.png", "image/png", expect=415)) == "UNSUPPORTED_MEDIA_TYPE"
    assert error_code(w["employee"].post("/files", 415, json={"file": "x"})) == "UNSUPPORTED_MEDIA_TYPE"
    body = w["employee"].post("/files", 400, data={"other": "x"}, content_type="multipart/form-data").get_json()
    assert body["error"]["details"]["errors"][0]["field"] == "file"


def test_a_request_larger_than_the_server_limit_is_413(w):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    big = PNG + b"\x00" * (2 * 1024 * 1024)
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(big), "big.png", content_type="image/png")})
    response = w["employee"].post("/files", 413, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert error_code(response) == "PAYLOAD_TOO_LARGE"


def test_uploading_for_someone_elses_task_or_instance_is_404(w):
    iid = w.start_case()
    task = w.open_task(iid, "employee_details")
    upload(w["other_employee"], task_id=task["id"], expect=404)
    upload(w["other_hr"], instance_id=iid, expect=404)
    assert upload(w["hr"], instance_id=iid).get_json()["instance_id"] == iid
    assert error_code(w["designer"].post("/files", 403, data={"file": (io.BytesIO(PNG), "a.png", "image/png")}, content_type="multipart/form-data")) == "ROLE_REQUIRED"
    assert error_code(w["employee"].get("/files/unknown", 404)) == "NOT_FOUND"


def test_a_form_may_name_only_files_its_sender_may_attach(w):
    iid = w.start_case()
    task = w.open_task(iid, "employee_details")
    others = upload(w["other_employee"]).get_json()  # someone else's file, in no instance yet
    data = {"name": "张三", "resident_id": "11010519491231002X", "bank_card": "6222021234567890128", "id_card": others["ref"]}
    body = w["employee"].post(f"/tasks/{task['id']}/complete", 400, json={"data": data}).get_json()
    assert body["error"]["details"]["errors"][0] == {"field": "id_card", "code": "FILE_REFERENCE_INVALID", "params": {"attachment_id": others["id"]}}
    assert w.open_task(iid, "employee_details")["id"] == task["id"]  # nothing changed
    assert w["other_employee"].json("GET", f"/files/{others['id']}")["instance_id"] is None
    made_up = {**others["ref"], "attachment_id": "no-such-file"}
    w["employee"].post(f"/tasks/{task['id']}/complete", 400, json={"data": {**data, "id_card": made_up}})
