"""Starting, listing, reading and suspending instances through /api/v1/instances."""

from __future__ import annotations

import pytest

from tests.e2e.apiclient import error_code
from tests.e2e.conftest import CITY, EMPLOYER, OTHER_CITY, OTHER_EMPLOYER

DETAILS = {"name": "张三", "resident_id": "11010519491231002X", "bank_card": "6222021234567890128"}


@pytest.fixture
def w(world):
    world.deploy_case()
    return world


def test_hr_starts_an_instance_in_their_scope_and_sees_it_running_at_the_first_task(w):
    body = {"process_id": "api_case", "subject_person": "person-1", "employer": EMPLOYER, "city": CITY, "business_key": "case-1"}
    detail = w["hr"].json("POST", "/instances", 201, json=body)
    assert detail["status"] == "running" and detail["stage"] is None and detail["business_key"] == "case-1"
    assert detail["open_tasks"] == []  # the employee's task is not HR's to see
    assert detail["history"][0]["event"] == "instance_started"
    assert w["employee"].json("GET", f"/instances/{detail['id']}")["open_tasks"][0]["element_id"] == "employee_details"


def test_starting_is_refused_outside_ones_scope_for_unknown_processes_and_bad_bodies(w):
    other = {"process_id": "api_case", "employer": OTHER_EMPLOYER, "city": OTHER_CITY}
    assert error_code(w["hr"].post("/instances", 403, json=other)) == "SCOPE_REQUIRED"
    assert error_code(w["employee"].post("/instances", 403, json=other)) == "ROLE_REQUIRED"
    assert error_code(w["designer"].post("/instances", 403, json=other)) == "ROLE_REQUIRED"
    assert error_code(w["admin"].post("/instances", 404, json={"process_id": "nope"})) == "DEFINITION_NOT_FOUND"
    assert w["admin"].post("/instances", 400, json={}).get_json()["error"]["details"]["errors"][0]["field"] == "process_id"
    assert w["admin"].post("/instances", 400, json={"process_id": "api_case", "data": [1]}).get_json()["error"]["details"]["errors"][0]["field"] == "data"
    assert error_code(w["admin"].post("/instances", 415, data="process_id=api_case", content_type="application/x-www-form-urlencoded")) == "UNSUPPORTED_MEDIA_TYPE"


def test_a_unique_business_key_is_a_conflict_while_an_instance_with_it_is_active(w):
    body = {"process_id": "api_case", "employer": EMPLOYER, "city": CITY, "business_key": "k-1", "unique": True}
    w["hr"].post("/instances", 201, json=body)
    assert error_code(w["hr"].post("/instances", 409, json=body)) == "DUPLICATE_BUSINESS_KEY"


def test_lists_show_only_visible_instances_with_filters_and_exact_totals(w):
    mine = w.start_case("person-1", key="a")
    w.start_case("person-1", key="b")
    theirs = w.start_case("person-2", OTHER_EMPLOYER, OTHER_CITY, key="c")
    assert w["employee"].json("GET", "/instances")["total"] == 2
    assert {i["id"] for i in w["other_employee"].json("GET", "/instances")["items"]} == {theirs}
    assert w["hr"].json("GET", "/instances")["total"] == 2
    assert w["other_hr"].json("GET", "/instances")["total"] == 1
    assert w["admin"].json("GET", "/instances")["total"] == 3
    assert [i["id"] for i in w["hr"].json("GET", "/instances?business_key=a")["items"]] == [mine]
    assert w["admin"].json("GET", "/instances?subject=person-2")["total"] == 1
    assert w["admin"].json("GET", "/instances?process_id=api_case&status=running&limit=1")["total"] == 3
    assert w["admin"].json("GET", "/instances?status=completed")["total"] == 0
    assert w["admin"].get("/instances?status=sleeping", 400).get_json()["error"]["details"]["errors"][0]["field"] == "status"
    assert error_code(w["designer"].get("/instances", 403)) == "ROLE_REQUIRED"


def test_instance_detail_has_history_and_masked_data(w):
    iid = w.start_case()
    task = w.open_task(iid, "employee_details")
    w["employee"].post(f"/tasks/{task['id']}/complete", json={"data": DETAILS})
    detail = w["hr"].json("GET", f"/instances/{iid}")
    assert detail["stage"] == "材料收集完成" and detail["risk_flags"] == ["GAP_FORECAST"]
    assert detail["data"]["resident_id"] == "110105********002X"
    assert "6222021234567890128" not in str(detail) and "11010519491231002X" not in str(detail)
    assert "task_completed" in {h["event"] for h in detail["history"]} or len(detail["history"]) > 2
    for role in ("other_employee", "other_hr"):
        assert error_code(w[role].get(f"/instances/{iid}", 404)) == "NOT_FOUND"
    assert error_code(w["hr"].get("/instances/unknown", 404)) == "NOT_FOUND"


def test_hr_lead_suspends_resumes_and_terminates_with_conflicts_for_wrong_states(w):
    iid = w.start_case()
    assert w["hr_lead"].json("POST", f"/instances/{iid}/suspend")["status"] == "suspended"
    assert error_code(w["hr_lead"].post(f"/instances/{iid}/suspend", 409)) == "INSTANCE_STATE_CONFLICT"
    assert w["hr_lead"].json("POST", f"/instances/{iid}/resume")["status"] == "running"
    assert error_code(w["hr"].post(f"/instances/{iid}/terminate", 403)) == "ROLE_REQUIRED"
    assert error_code(w["other_hr"].post(f"/instances/{iid}/terminate", 403)) == "ROLE_REQUIRED"
    assert w["admin"].json("POST", f"/instances/{iid}/terminate")["status"] == "terminated"
    assert error_code(w["hr_lead"].post(f"/instances/{iid}/resume", 409)) == "INSTANCE_STATE_CONFLICT"


def test_an_hr_lead_of_another_scope_gets_404(w, app, checker):
    from tests.e2e.conftest import make_world  # noqa: F401 - one more lead in another city

    services = app.extensions["shebao_auth"]
    lead = services.accounts.create("lead.far", "lead.far", None, ["hr_lead"], scopes=[(OTHER_EMPLOYER, OTHER_CITY)])
    _, secret = services.credentials.create_token(lead.id, "t")
    from tests.e2e.apiclient import Api

    far = Api(app.test_client(), checker, token=secret)
    iid = w.start_case()
    assert error_code(far.post(f"/instances/{iid}/suspend", 404)) == "NOT_FOUND"
