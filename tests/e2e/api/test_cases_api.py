"""Opening and reading casework cases through /api/v1/cases."""

from __future__ import annotations

import pytest

from tests.e2e.apiclient import error_code
from tests.e2e.conftest import CITY, EMPLOYER, OTHER_CITY, OTHER_EMPLOYER, register_casework

CARD = {"kind": "card", "employer_id": EMPLOYER, "region": CITY}


@pytest.fixture
def w(world):
    register_casework(world)
    return world


def test_an_employee_opens_their_own_case_and_sees_its_progress(w):
    case = w["employee"].json("POST", "/cases", 201, json=CARD)
    assert case["person_id"] == "person-1" and case["status"] == "active" and case["process_id"] == "card_issuance"
    assert case["opened_by"] == "emp.zhang" and case["root_instance_id"]
    assert {m["name"] for m in case["progress"]} >= {"材料收集完成", "审核中"}
    assert w["employee"].json("GET", "/cases")["items"][0]["id"] == case["id"]
    assert w["employee"].json("GET", f"/cases/{case['id']}")["id"] == case["id"]
    task = w["employee"].json("GET", "/tasks")["items"][0]
    assert task["instance_id"] == case["root_instance_id"]  # the employee's first step is theirs


def test_others_do_not_see_a_case_and_a_second_active_case_of_a_kind_is_a_conflict(w):
    case = w["employee"].json("POST", "/cases", 201, json=CARD)
    for role in ("other_employee", "other_hr"):
        assert error_code(w[role].get(f"/cases/{case['id']}", 404)) == "NOT_FOUND"
        assert w[role].json("GET", "/cases")["total"] == 0
    assert w["hr"].json("GET", "/cases")["total"] == 1
    assert w["hr_lead"].json("GET", f"/cases/{case['id']}")["region"] == CITY
    assert error_code(w["employee"].post("/cases", 409, json=CARD)) == "CASE_ALREADY_ACTIVE"
    assert error_code(w["employee"].get("/cases/unknown", 404)) == "NOT_FOUND"


def test_opening_for_someone_else_needs_hr_in_scope(w):
    assert error_code(w["employee"].post("/cases", 403, json={**CARD, "person_id": "person-2"})) == "SELF_ONLY"
    case = w["hr"].json("POST", "/cases", 201, json={**CARD, "person_id": "person-2"})
    assert case["person_id"] == "person-2" and case["opened_by"] == "hr.wang"
    assert error_code(w["other_hr"].post("/cases", 403, json={**CARD, "employer_id": OTHER_EMPLOYER, "region": CITY, "person_id": "person-1"})) == "SCOPE_REQUIRED"
    assert error_code(w["hr"].post("/cases", 404, json={**CARD, "person_id": "nobody"})) == "PERSON_NOT_FOUND"
    assert error_code(w["designer"].post("/cases", 403, json=CARD)) == "ROLE_REQUIRED"


def test_bad_case_requests_are_400(w):
    assert w["employee"].post("/cases", 400, json={**CARD, "kind": "holiday"}).get_json()["error"]["details"]["errors"][0]["field"] == "kind"
    assert w["employee"].post("/cases", 400, json={"kind": "card"}).get_json()["error"]["details"]["errors"][0]["field"] == "region"
    assert error_code(w["employee"].post("/cases", 400, json={**CARD, "region": OTHER_CITY})) == "REGION_NOT_INSURED"
    assert w["employee"].get("/cases?status=open", 400).get_json()["error"]["details"]["errors"][0]["field"] == "status"
