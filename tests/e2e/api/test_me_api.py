"""The signed-in user and their API tokens through /api/v1/me."""

from __future__ import annotations

from tests.e2e.apiclient import Api, error_code


def test_me_tells_roles_person_and_groups(world):
    me = world["hr_lead"].json("GET", "/me")
    assert me["username"] == "lead.chen" and me["roles"] == ["hr_lead"] and me["auth"] == "token"
    assert me["groups"] == ["hr:emp-1:440300", "hr_lead:emp-1:440300"] and me["csrf_token"] is None
    assert world["employee"].json("GET", "/me")["person_id"] == "person-1"
    assert error_code(world["anonymous"].get("/me", 401)) == "UNAUTHENTICATED"


def test_a_token_is_created_shown_once_used_and_revoked(world):
    created = world["employee"].json("POST", "/me/tokens", 201, json={"name": "phone", "expires_in_days": 30})
    assert created["token"].startswith("shb_") and created["expires_at"]
    api = Api(world.app.test_client(), world.checker, token=created["token"])
    assert api.json("GET", "/me")["username"] == "emp.zhang"
    listed = world["employee"].json("GET", "/me/tokens")["items"]
    assert "token" not in listed[0] and {t["name"] for t in listed} == {"phone", "tests"}
    assert error_code(world["other_employee"].delete(f"/me/tokens/{created['id']}", 404)) == "TOKEN_NOT_FOUND"
    assert world["employee"].json("DELETE", f"/me/tokens/{created['id']}")["revoked"] is True
    assert error_code(api.get("/me", 401)) == "TOKEN_INVALID"


def test_token_requests_are_validated(world):
    assert world["employee"].post("/me/tokens", 400, json={"name": ""}).get_json()["error"]["details"]["errors"][0]["field"] == "name"
    assert world["employee"].post("/me/tokens", 400, json={"name": "x", "expires_in_days": 0}).get_json()["error"]["details"]["errors"][0]["field"] == "expires_in_days"
    assert error_code(world["employee"].post("/me/tokens", 415, data="name=x", content_type="text/plain")) == "UNSUPPORTED_MEDIA_TYPE"


def test_a_garbage_bearer_token_is_401_and_never_falls_back_to_the_session(world):
    api = Api(world.app.test_client(), world.checker, token="shb_not-a-token")
    assert error_code(api.get("/me", 401)) == "TOKEN_INVALID"
    assert error_code(api.get("/me", 401, headers={"Authorization": "Basic abc"})) == "TOKEN_INVALID"
