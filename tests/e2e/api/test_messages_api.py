"""Signed bureau and bank callbacks through /api/v1/messages: the signature is the authentication."""

from __future__ import annotations

import json
import uuid

import pytest

from connectors.signing import signed_headers
from tests.e2e.apiclient import error_code
from tests.support.engines import bpmn

SECRET = "bureau-callback-secret-for-tests"
BANK_SECRET = "icbc-callback-secret-for-tests"


@pytest.fixture
def w(world):
    world.app.config["SHEBAO_CALLBACK_SECRETS"] = {"bureau": SECRET, "icbc": BANK_SECRET}
    world.engine.deploy(bpmn("callback.bpmn"))
    return world


def callback(api, path, body, secret=SECRET, app_key="bureau", expect=200, headers=None):
    raw = json.dumps(body).encode("utf-8")
    h = signed_headers(app_key, secret, "POST", "/api/v1" + path, raw)
    h.update(headers or {})
    return api.post(path, expect, data=raw, content_type="application/json", headers=h)


def message(instance_id, message_id=None, name="transfer.accepted"):
    return {
        "message": name,
        "message_id": message_id or str(uuid.uuid4()),
        "sender": "bureau",
        "occurred_on": "2026-03-02",
        "sent_at": None,
        "correlation": {"instance_id": instance_id},
        "payload": {"stage": "accepted", "resident_id_masked": "110105********002X"},
    }


def test_a_signed_bureau_callback_reaches_the_waiting_instance_once(w):
    iid = w.engine.start("callback", {})
    body = message(iid)
    anon = w["anonymous"]
    assert callback(anon, "/messages/bureau", body).get_json() == {"status": "delivered", "instance_id": iid, "message_id": body["message_id"]}
    assert callback(anon, "/messages/bureau", body).get_json()["status"] == "duplicate"
    assert w.open_task(iid, "confirm")["element_id"] == "confirm"
    assert callback(anon, "/messages/bureau", message("nobody-waits")).get_json()["status"] == "kept"


def test_bad_missing_or_foreign_signatures_are_401(w):
    body = message("x")
    anon = w["anonymous"]
    assert error_code(callback(anon, "/messages/bureau", body, secret="wrong", expect=401)) == "SIGNATURE_INVALID"
    assert error_code(anon.post("/messages/bureau", 401, json=body)) == "SIGNATURE_MISSING"
    assert error_code(callback(anon, "/messages/bureau", body, app_key="icbc", secret=BANK_SECRET, expect=401)) == "UNKNOWN_APP_KEY"
    assert error_code(callback(anon, "/messages/banks/ccb", body, app_key="ccb", secret="x", expect=401)) == "UNKNOWN_APP_KEY"
    # a session or token is no substitute for the signature
    assert error_code(w["admin"].post("/messages/bureau", 401, json=body)) == "SIGNATURE_MISSING"


def test_a_bank_callback_is_verified_with_that_banks_secret(w):
    body = {**message("nobody"), "sender": "icbc"}
    assert callback(w["anonymous"], "/messages/banks/icbc", body, BANK_SECRET, "icbc").get_json()["status"] == "kept"


def test_malformed_callbacks_are_400_or_415(w):
    anon = w["anonymous"]
    missing = {k: v for k, v in message("x").items() if k != "message_id"}
    assert callback(anon, "/messages/bureau", missing, expect=400).get_json()["error"]["details"]["errors"][0]["field"] == "message_id"
    assert error_code(callback(anon, "/messages/bureau", {**message("x"), "correlation": {}}, expect=400)) == "INVALID_INPUT"
    assert error_code(callback(anon, "/messages/bureau", {**message("x"), "sender": "icbc"}, expect=400)) == "SENDER_MISMATCH"
    raw = b"message=x"
    h = signed_headers("bureau", SECRET, "POST", "/api/v1/messages/bureau", raw)
    assert error_code(anon.post("/messages/bureau", 415, data=raw, content_type="text/plain", headers=h)) == "UNSUPPORTED_MEDIA_TYPE"
    big = json.dumps({**message("x"), "payload": {"blob": "x" * 300_000}}).encode()
    h = signed_headers("bureau", SECRET, "POST", "/api/v1/messages/bureau", big)
    assert error_code(anon.post("/messages/bureau", 413, data=big, content_type="application/json", headers=h)) == "PAYLOAD_TOO_LARGE"
