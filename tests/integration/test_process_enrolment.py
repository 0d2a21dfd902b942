"""The enrolment process (workflows/enrolment) on the real engine against the sandbox bureau over HTTP:
the 30-day deadline with its reminder and escalation, the base against the region's bounds and the old
base, the gap forecast, the bureau's refusals and outages, and the transfer a standalone enrolment starts."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from engine.db.models import InstanceStatus
from sandbox.testing import RunningSandbox, make_resident_id
from tests.sandbox_fixtures import EMPLOYER, EMPLOYER_NAME, NEW_EMPLOYER, NEW_EMPLOYER_NAME, signed_request
from tests.support.processes import ProcessCase, deploy_library, sandbox_engine

pytest_plugins = ["tests.plugins.sandbox"]

REGION = "110105"  # Beijing, Chaoyang; the pack's bounds from 2025-07: 7,162-35,811 (unverified)
OLD_REGION = "440300"  # Shenzhen
MONDAY = date(2026, 3, 2)
RESIDENT_ID = make_resident_id(sequence=21)
PERSON = {"person_id": "p-1", "name": "赵磊", "resident_id": RESIDENT_ID, "gender": "M",
          "birth_date": "1992-05-04", "hukou_province": "41"}
NEW_EMPLOYER_DATA = {"employer_id": "emp-1", "name": NEW_EMPLOYER_NAME, "credit_code": NEW_EMPLOYER}


@pytest.fixture
def engine(sqlite_template, tmp_path, sandbox: RunningSandbox):
    """The engine with the product's operators pointed at the sandbox, on the sandbox's clock; the
    transfer an enrolment may call is deployed with it."""
    with sandbox_engine(sqlite_template, tmp_path, sandbox) as eng:
        result = deploy_library(eng, "transfer", "enrolment")
        assert [w for w in result.warnings if w["file"].startswith("enrolment/")] == []
        yield eng


def seed(sandbox: RunningSandbox, *, employer: bool = True, insured_elsewhere: bool = False,
         already_here: bool = False) -> None:
    """The new employer registered in REGION; optionally the person still insured in Shenzhen, or here."""
    data: dict = {"employers": [], "persons": []}
    if employer:
        data["employers"].append({"credit_code": NEW_EMPLOYER, "region": REGION, "name": NEW_EMPLOYER_NAME})
    if insured_elsewhere:
        data["employers"].append({"credit_code": EMPLOYER, "region": OLD_REGION, "name": EMPLOYER_NAME})
        data["persons"].append({"resident_id": RESIDENT_ID, "name": "赵磊", "employments": [
            {"credit_code": EMPLOYER, "region": OLD_REGION, "start_date": "2019-04-01", "base": 9000}]})
    if already_here:
        data["persons"].append({"resident_id": RESIDENT_ID, "name": "赵磊", "employments": [
            {"credit_code": NEW_EMPLOYER, "region": REGION, "start_date": "2026-02-23", "base": 12000}]})
    sandbox.admin["bureau"].seed(data)


def start(engine, **data) -> ProcessCase:
    """An enrolment of PERSON with the new employer in REGION."""
    payload = {"person": PERSON, "employer": NEW_EMPLOYER_DATA, "region": REGION, **data}
    return ProcessCase.start(engine, "enrolment", payload)


def enter(case: ProcessCase, employment_start: str = "2026-02-23", base: float = 12000, **extra) -> None:
    """HR enters the enrolment data."""
    case.complete("enter_enrolment_data", {
        "person": PERSON, "employment_start": employment_start, "contribution_base": base,
        "person_category": "employee", "has_previous_coverage": False, **extra})


def enrolments(sandbox: RunningSandbox) -> list[dict]:
    """The enrolments the sandbox bureau accepted."""
    return sandbox.admin["bureau"].ledger(effect="enrolment.accepted")


def test_a_first_enrolment_inside_the_bounds_is_filed_and_needs_no_transfer(engine, sandbox):
    sandbox.set_date(MONDAY)
    seed(sandbox)
    case = start(engine)
    assert case.ready() == ["enter_enrolment_data"]

    enter(case)
    row = case.row()
    assert row.status == InstanceStatus.COMPLETED and row.current_stage == "新单位参保完成"
    data = case.latest_data()
    assert data["enrolled"] is True and data["needs_transfer"] is False
    assert data["enrolment_deadline"] == "2026-03-25"
    assert data["enrolment"]["status"] == "accepted" and data["first_contribution_month"] == "2026-02"
    assert {"code": "UNVERIFIED_LOCAL_RULE", "severity": "info",
            "params": {"decision": "policy_base_bounds", "region": REGION}} in data["warnings"]
    assert not case.warning_codes() & {"BASE_OUT_OF_BOUNDS", "BASE_CONFLICT", "GAP_FORECAST",
                                       "ENROLMENT_DEADLINE_AT_RISK", "ENROLMENT_DEADLINE_MISSED"}
    assert len(enrolments(sandbox)) == 1


def test_the_employee_gives_the_old_coverage_and_a_gap_and_base_conflict_are_forecast(engine, sandbox):
    sandbox.set_date(MONDAY)
    seed(sandbox)
    case = start(engine, called_from_joiner=True)
    enter(case, has_previous_coverage=True)
    assert case.ready() == ["provide_previous_coverage"]
    employee_task = case.task("provide_previous_coverage")
    assert employee_task.lane == "Employee" and employee_task.assignee == "person:p-1"

    case.complete("provide_previous_coverage",
                  {"old_region": OLD_REGION, "last_paid_month": "2025-09", "old_base": 6000}, actor="p-1")
    data = case.latest_data()
    found = {w["code"]: w["params"] for w in data["warnings"]}
    assert found["GAP_FORECAST"] == {"gap_months": 4, "last_paid_month": "2025-09", "start_month": "2026-02"}
    assert found["MEDICAL_WAITING_PERIOD"] == {"gap_months": 4, "max_wait_months": 6}
    assert found["CONTINUITY_BROKEN"] == {"gap_months": 4}
    assert found["BASE_CONFLICT"] == {"old_base": 6000, "new_base": 12000}
    assert data["needs_transfer"] is True  # the joiner runs the transfer itself
    assert case.status() == InstanceStatus.COMPLETED


def test_a_standalone_enrolment_of_a_person_insured_elsewhere_starts_the_transfer(engine, sandbox):
    sandbox.set_date(MONDAY)
    seed(sandbox)
    case = start(engine, old_region=OLD_REGION, last_paid_month="2026-01", old_base=11000)
    enter(case, has_previous_coverage=True, old_region=OLD_REGION, last_paid_month="2026-01",
          old_base=11000)
    assert len(enrolments(sandbox)) == 1
    row = case.row()
    assert row.status == InstanceStatus.RUNNING
    transfer_tasks = set(case.ready())
    assert transfer_tasks and transfer_tasks <= {"upload_materials", "chase_old_employer", "handle_query_problem"}
    assert not case.warning_codes() & {"GAP_FORECAST", "BASE_CONFLICT"}


def test_a_base_outside_the_bounds_goes_back_to_hr_until_it_fits(engine, sandbox):
    sandbox.set_date(MONDAY)
    seed(sandbox)
    case = start(engine)
    enter(case, base=3000)
    assert case.ready() == ["correct_base"]
    assert {"code": "BASE_OUT_OF_BOUNDS", "severity": "high",
            "params": {"base": 3000, "lower": 7162, "upper": 35811}} in case.warnings()
    assert enrolments(sandbox) == []

    case.complete("correct_base", {"contribution_base": 8000})
    assert case.status() == InstanceStatus.COMPLETED
    assert "BASE_OUT_OF_BOUNDS" not in case.warning_codes()  # the corrected base replaced the finding
    assert len(enrolments(sandbox)) == 1


def test_a_late_enrolment_reminds_hr_escalates_to_the_lead_and_files_with_back_payment(engine, sandbox):
    sandbox.set_date(date(2026, 2, 2))
    seed(sandbox, insured_elsewhere=True)  # the old employer has not stopped yet
    case = start(engine)
    enter(case, employment_start="2026-02-01")  # deadline 2026-03-03, reminder 2026-02-21
    assert case.ready() == ["handle_enrolment_problem"]
    assert case.latest_data()["bureau_error"]["code"] == "ACTIVE_ELSEWHERE"

    sandbox.set_date(date(2026, 2, 21), at=time(10, 0))
    case.run_jobs_until_quiet()
    assert case.ready() == ["handle_enrolment_problem", "remind_enrolment_deadline"]
    assert "ENROLMENT_DEADLINE_AT_RISK" in case.risk_flags()

    sandbox.set_date(date(2026, 3, 4))
    case.run_jobs_until_quiet()
    assert case.ready() == [
        "escalate_late_enrolment", "handle_enrolment_problem", "remind_enrolment_deadline"]
    assert case.task("escalate_late_enrolment").lane == "HR lead"
    assert {"code": "ENROLMENT_DEADLINE_MISSED", "severity": "high",
            "params": {"deadline": "2026-03-03"}} in case.warnings()

    response = signed_request(sandbox, "bureau", "POST", "/v1/removals", {
        "employer_credit_code": EMPLOYER, "region": OLD_REGION, "resident_id": RESIDENT_ID,
        "separation_date": "2026-01-31"}, key="old-employer-removal")
    assert response.status_code == 201, response.text
    case.complete("handle_enrolment_problem", {"enrolment_handling": "retry"})
    assert case.ready() == [
        "acknowledge_late_enrolment", "escalate_late_enrolment", "remind_enrolment_deadline"]
    assert case.latest_data()["bureau_error"]["code"] == "LATE_ENROLMENT"

    case.complete("acknowledge_late_enrolment", {"late_acknowledged": True, "late_reason": "原单位未及时停保"})
    assert case.status() == InstanceStatus.COMPLETED  # reminder and escalation withdrawn
    data = case.latest_data()
    assert data["enrolment"]["late"] is True and data["enrolment"]["back_pay_months"] == 1
    assert len(enrolments(sandbox)) == 1


def test_an_unreachable_bureau_lets_hr_record_an_enrolment_done_at_the_counter(engine, sandbox):
    sandbox.set_date(MONDAY)
    seed(sandbox)
    sandbox.admin["bureau"].set_faults(error_rate=1.0)
    case = start(engine)
    enter(case)
    sandbox.clock.advance(timedelta(minutes=1))  # past the retry's backoff
    case.run_jobs_until_quiet()
    assert case.ready() == ["handle_enrolment_problem"]
    assert case.latest_data()["bureau_error"]["code"] == "SERVICE_UNAVAILABLE"

    case.complete("handle_enrolment_problem", {"enrolment_handling": "manual",
                                               "manual_enrolment_reference": "EN-COUNTER-7"})
    assert case.status() == InstanceStatus.COMPLETED
    assert case.latest_data()["enrolment"] == {"status": "manual", "enrolment_id": "EN-COUNTER-7",
                                               "first_contribution_month": "2026-02"}


def test_an_employee_already_enrolled_here_is_read_as_filed(engine, sandbox):
    sandbox.set_date(MONDAY)
    seed(sandbox, already_here=True)
    case = start(engine)
    enter(case)
    assert case.status() == InstanceStatus.COMPLETED
    assert case.latest_data()["enrolment"]["status"] == "already_enrolled"
    assert enrolments(sandbox) == []


def test_an_employer_unknown_to_the_bureau_lets_hr_close_the_case(engine, sandbox):
    sandbox.set_date(MONDAY)
    seed(sandbox, employer=False)
    case = start(engine)
    enter(case)
    assert case.latest_data()["bureau_error"]["code"] == "EMPLOYER_NOT_REGISTERED"
    case.complete("handle_enrolment_problem", {"enrolment_handling": "close", "hr_note": "单位尚未开户"})
    assert case.status() == InstanceStatus.COMPLETED
    assert case.latest_data()["enrolled"] is False


def test_the_enrolment_form_refuses_a_bad_resident_id_and_changes_nothing(engine, sandbox):
    from engine.errors import InvalidInput

    sandbox.set_date(MONDAY)
    seed(sandbox)
    case = start(engine)
    bad = {**PERSON, "resident_id": RESIDENT_ID[:-1] + ("0" if RESIDENT_ID[-1] != "0" else "1")}
    with pytest.raises(InvalidInput) as err:
        engine.complete_task(case.task("enter_enrolment_data").id, {
            "person": bad, "employment_start": "2026-02-23", "contribution_base": 12000,
            "person_category": "employee"}, "hr-1")
    assert {e["field"] for e in err.value.params["errors"]} == {"person.resident_id"}
    assert case.ready() == ["enter_enrolment_data"]
