"""The inbox and acting on tasks through /api/v1/tasks (every response checked against the OpenAPI document)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.apiclient import error_code
from tests.e2e.conftest import CITY, EMPLOYER, OTHER_CITY, OTHER_EMPLOYER

DETAILS = {"name": "张三", "resident_id": "11010519491231002X", "bank_card": "6222021234567890128"}


@pytest.fixture
def w(world):
    world.deploy_case()
    return world


def to_hr_review(w, person="person-1", employer=EMPLOYER, city=CITY):
    iid = w.start_case(person, employer, city)
    task = w.open_task(iid, "employee_details")
    employee = "employee" if person == "person-1" else "other_employee"
    w[employee].post(f"/tasks/{task['id']}/complete", json={"data": DETAILS})
    return iid, w.open_task(iid, "hr_review")


def test_an_employee_sees_only_the_tasks_reserved_for_their_person(w):
    mine = w.start_case("person-1")
    theirs = w.start_case("person-2")
    page = w["employee"].json("GET", "/tasks")
    assert [t["instance_id"] for t in page["items"]] == [mine]
    assert page["total"] == 1
    assert page["items"][0]["assignee"] == "person:person-1"
    assert w["other_employee"].json("GET", "/tasks")["items"][0]["instance_id"] == theirs


def test_hr_sees_the_tasks_of_their_groups_with_exact_totals_and_paging(w):
    for _ in range(3):
        to_hr_review(w)
    to_hr_review(w, "person-2", OTHER_EMPLOYER, OTHER_CITY)
    page = w["hr"].json("GET", "/tasks?limit=2")
    assert page["total"] == 3 and len(page["items"]) == 2 and page["limit"] == 2
    assert {t["candidate_group"] for t in page["items"]} == {f"hr:{EMPLOYER}:{CITY}"}
    rest = w["hr"].json("GET", "/tasks?limit=2&offset=2")
    assert len(rest["items"]) == 1
    assert w["other_hr"].json("GET", "/tasks")["total"] == 1
    assert w["hr_lead"].json("GET", "/tasks")["total"] == 3  # an HR lead works the HR lane too


def test_inbox_filters_by_process_stage_risk_flag_overdue_and_due_before(w):
    iid, task = to_hr_review(w)
    hr = w["hr"]
    assert task["risk_flags"] == ["GAP_FORECAST"] and task["stage"] == "审核中" and task["due_at"]
    assert hr.json("GET", "/tasks?process_id=api_case")["total"] == 1
    assert hr.json("GET", "/tasks?process_id=other")["total"] == 0
    assert hr.json("GET", "/tasks?stage=审核中")["total"] == 1
    assert hr.json("GET", "/tasks?stage=材料收集完成")["total"] == 0
    assert hr.json("GET", "/tasks?risk_flag=GAP_FORECAST")["total"] == 1
    assert hr.json("GET", "/tasks?risk_flag=BASE_CONFLICT")["total"] == 0
    assert hr.json("GET", "/tasks?overdue=true")["total"] == 0
    assert hr.json("GET", "/tasks", query_string={"due_before": "2999-01-01T00:00:00+08:00"})["total"] == 1
    assert hr.json("GET", "/tasks", query_string={"due_before": "2000-01-01T00:00:00+08:00"})["total"] == 0
    w.engine.clock.advance(timedelta(hours=9))
    overdue = hr.json("GET", "/tasks?overdue=true")
    assert overdue["total"] == 1 and overdue["items"][0]["overdue"] is True


def test_inbox_sorts_by_due_time_earliest_first(w):
    _, first = to_hr_review(w)
    w.engine.clock.advance(timedelta(hours=1))
    _, second = to_hr_review(w)
    items = w["hr"].json("GET", "/tasks")["items"]
    assert [t["id"] for t in items] == [first["id"], second["id"]]
    assert items[0]["due_at"] < items[1]["due_at"]


def test_bad_inbox_arguments_are_400_with_the_field(w):
    for query, field in (("limit=0", "limit"), ("limit=x", "limit"), ("whose=everyone", "whose"), ("overdue=maybe", "overdue"),
                         ("due_before=yesterday", "due_before"), ("due_before=2026-01-01T00:00:00", "due_before")):
        response = w["hr"].get(f"/tasks?{query}", 400)
        assert response.get_json()["error"]["details"]["errors"][0]["field"] == field


def test_whose_narrows_to_my_claimed_tasks_or_unclaimed_group_tasks(w):
    _, a = to_hr_review(w)
    _, b = to_hr_review(w)
    w["hr"].post(f"/tasks/{a['id']}/claim")
    assert [t["id"] for t in w["hr"].json("GET", "/tasks?whose=mine")["items"]] == [a["id"]]
    assert [t["id"] for t in w["hr"].json("GET", "/tasks?whose=unclaimed")["items"]] == [b["id"]]
    assert w["hr"].json("GET", "/tasks?whose=groups")["total"] == 2


def test_users_without_candidate_groups_have_empty_group_views(w):
    to_hr_review(w)
    for role in ("employee", "admin"):
        for whose in ("groups", "unclaimed"):
            assert w[role].json("GET", f"/tasks?whose={whose}")["total"] == 0, (role, whose)


def test_a_task_shows_its_form_to_those_who_may_see_it_and_404_to_others(w):
    iid = w.start_case()
    task = w.open_task(iid, "employee_details")
    detail = w["employee"].json("GET", f"/tasks/{task['id']}")
    assert detail["form"]["schema"]["properties"]["resident_id"]["format"] == "resident-id"
    assert detail["form"]["ui_schema"]["ui:order"][0] == "name"
    for role in ("other_employee", "hr", "other_hr", "hr_lead"):
        assert error_code(w[role].get(f"/tasks/{task['id']}", 404)) == "NOT_FOUND"
    assert error_code(w["employee"].get("/tasks/no-such-task", 404)) == "NOT_FOUND"
    assert error_code(w["designer"].get(f"/tasks/{task['id']}", 403)) == "ROLE_REQUIRED"
    assert error_code(w["anonymous"].get(f"/tasks/{task['id']}", 401)) == "UNAUTHENTICATED"


def test_completing_with_invalid_form_data_is_400_with_field_details_and_changes_nothing(w):
    iid = w.start_case()
    task = w.open_task(iid, "employee_details")
    bad = {"name": "张", "resident_id": "110105194912310021", "bank_card": "6222021234567890128"}
    body = w["employee"].post(f"/tasks/{task['id']}/complete", 400, json={"data": bad}).get_json()
    fields = {(e["field"], e["code"]) for e in body["error"]["details"]["errors"]}
    assert ("name", "MIN_LENGTH") in fields and ("resident_id", "RESIDENT_ID_CHECK_CHARACTER") in fields
    assert "110105194912310021" not in str(body)
    assert w.open_task(iid, "employee_details")["id"] == task["id"]
    assert w["employee"].post(f"/tasks/{task['id']}/complete", 400, json={"data": []}).get_json()["error"]["details"]["errors"][0]["field"] == "data"
    assert error_code(w["employee"].post(f"/tasks/{task['id']}/complete", 415, data="x", content_type="text/plain")) == "UNSUPPORTED_MEDIA_TYPE"


def test_claim_unclaim_complete_and_conflicts(w):
    iid, task = to_hr_review(w)
    tid = task["id"]
    claimed = w["hr"].json("POST", f"/tasks/{tid}/claim")
    assert claimed["assignee"] == "hr.wang"
    assert error_code(w["hr_lead"].post(f"/tasks/{tid}/claim", 409)) == "TASK_CONFLICT"
    assert error_code(w["hr_lead"].post(f"/tasks/{tid}/unclaim", 409)) == "TASK_CONFLICT"
    assert w["hr"].json("POST", f"/tasks/{tid}/unclaim")["assignee"] is None
    w["hr"].post(f"/tasks/{tid}/claim")
    result = w["hr"].json("POST", f"/tasks/{tid}/complete", json={"data": {"approved": True}})
    assert result["instance"]["status"] == "running" and result["instance"]["id"] == iid
    assert error_code(w["hr"].post(f"/tasks/{tid}/complete", 409, json={"data": {"approved": True}})) == "TASK_CONFLICT"
    lead = w.open_task(iid, "lead_approve")
    assert lead["candidate_group"] == f"hr_lead:{EMPLOYER}:{CITY}"
    assert error_code(w["hr"].get(f"/tasks/{lead['id']}", 404)) == "NOT_FOUND"  # escalations are the lead's
    done = w["hr_lead"].json("POST", f"/tasks/{lead['id']}/complete", json={})
    assert done["instance"]["status"] == "completed"


def test_employees_cannot_claim_their_reserved_task_and_hr_cannot_assign(w):
    iid = w.start_case()
    task = w.open_task(iid, "employee_details")
    assert error_code(w["employee"].post(f"/tasks/{task['id']}/claim", 403)) == "TASK_RESERVED"
    _, review = to_hr_review(w)
    assert error_code(w["hr"].post(f"/tasks/{review['id']}/assign", 403, json={"assignee": "hr.wang"})) == "ROLE_REQUIRED"


def test_an_hr_lead_assigns_a_task_to_a_known_user_or_back_to_the_group(w):
    _, review = to_hr_review(w)
    tid = review["id"]
    assert w["hr_lead"].json("POST", f"/tasks/{tid}/assign", json={"assignee": "hr.wang"})["assignee"] == "hr.wang"
    assert [t["id"] for t in w["hr"].json("GET", "/tasks?whose=mine")["items"]] == [tid]
    assert w["hr_lead"].json("POST", f"/tasks/{tid}/assign", json={"assignee": None})["assignee"] is None
    body = w["hr_lead"].post(f"/tasks/{tid}/assign", 400, json={"assignee": "nobody"}).get_json()
    assert body["error"]["details"]["errors"][0] == {"field": "assignee", "code": "USER_UNKNOWN", "params": {}}
    assert w["hr_lead"].post(f"/tasks/{tid}/assign", 400, json={}).get_json()["error"]["details"]["errors"][0]["field"] == "assignee"


def test_completing_a_task_of_a_suspended_instance_is_a_conflict(w):
    iid, review = to_hr_review(w)
    w["hr_lead"].post(f"/instances/{iid}/suspend")
    assert error_code(w["hr"].post(f"/tasks/{review['id']}/complete", 409, json={"data": {"approved": True}})) == "INSTANCE_STATE_CONFLICT"
