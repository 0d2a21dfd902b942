"""The stop-contribution process (workflows/stop_contribution) on the real engine against the sandbox
bureau over HTTP: the removal filed inside the filing window, waiting for the next window, arrears,
the bureau's refusals and outages, the 15-day handover escalation and the certificate handed to the
employee."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from engine.db.models import InstanceStatus
from sandbox.testing import RunningSandbox, make_resident_id
from tests.sandbox_fixtures import EMPLOYER, EMPLOYER_NAME
from tests.support.processes import ProcessCase, attach, deploy_library, sandbox_engine

pytest_plugins = ["tests.plugins.sandbox"]

REGION = "110105"  # Beijing, Chaoyang: the sandbox bureau's window is days 1-20; the policy pack says 1-15
MONDAY = date(2026, 3, 2)


@pytest.fixture
def engine(sqlite_template, tmp_path, sandbox: RunningSandbox):
    """The engine with the product's operators pointed at the sandbox, on the sandbox's clock."""
    with sandbox_engine(sqlite_template, tmp_path, sandbox) as eng:
        assert deploy_library(eng, "stop_contribution").warnings == []
        yield eng


def seed(sandbox: RunningSandbox, *, region: str = REGION, employer: bool = True, person: bool = True,
         arrears: list | None = None, stop_month: str | None = None) -> str:
    """An employer in ``region`` and an employee contributing there since 2020; returns the resident ID."""
    resident_id = make_resident_id(sequence=11)
    employment = {"credit_code": EMPLOYER, "region": region,
                  "start_date": "2020-01-15", "base": 12000}
    if stop_month:
        employment["stop_month"] = stop_month
    data: dict = {"employers": [], "persons": []}
    if employer:
        data["employers"].append({"credit_code": EMPLOYER, "region": region, "name": EMPLOYER_NAME,
                                  **({"arrears": arrears} if arrears is not None else {})})
    if person:
        data["persons"].append({"resident_id": resident_id, "name": "王芳", "employments": [employment]})
    sandbox.admin["bureau"].seed(data)
    return resident_id


def start(engine, resident_id: str, region: str = REGION) -> ProcessCase:
    """The stop of 王芳's contributions with her employer in ``region``."""
    return ProcessCase.start(engine, "stop_contribution", {
        "person": {"person_id": "p-1", "name": "王芳", "resident_id": resident_id, "gender": "F",
                   "birth_date": "1990-03-07", "hukou_province": "41"},
        "employer": {"employer_id": "emp-1", "name": EMPLOYER_NAME, "credit_code": EMPLOYER},
        "region": region,
    })


def upload(engine, name: str = "离职证明.pdf") -> dict:
    """A PDF uploaded by HR, as a form's file field holds it."""
    return attach(engine, name, "application/pdf", b"%PDF-1.4 test document", actor="hr-1")


def certify_separation(case: ProcessCase, separation_date: str) -> None:
    """HR issues the separation certificate."""
    case.complete("issue_separation_certificate", {
        "separation_date": separation_date, "separation_reason": "resignation",
        "separation_certificate": upload(case.engine)})


def removals(sandbox: RunningSandbox) -> list[dict]:
    """The removals the sandbox bureau accepted."""
    return sandbox.admin["bureau"].ledger(effect="removal.accepted")


def test_a_removal_inside_the_window_is_filed_and_the_employee_receives_the_certificate(engine, sandbox):
    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox)
    case = start(engine, resident_id)
    assert case.ready() == ["issue_separation_certificate"]

    certify_separation(case, "2026-02-27")
    assert case.ready() == ["receive_certificate"]
    receipt = case.task("receive_certificate")
    assert receipt.lane == "Employee" and receipt.assignee == "person:p-1"
    data = case.latest_data()
    assert data["removal"]["status"] == "accepted"
    assert data["handover_deadline"] == "2026-03-14"
    assert engine.read_attachment(data["certificate_attachment_id"]).startswith(b"%PDF")
    assert "FILING_WINDOW_MISSED" not in case.warning_codes()
    assert "UNVERIFIED_LOCAL_RULE" in case.warning_codes()  # the pack's filing window is not verified
    assert case.row().current_stage == "缴费凭证已开具"

    shown = data["certificate_file"]  # the download the employee's form shows, sent back as the portal does
    assert shown["attachment_id"] == data["certificate_attachment_id"] and shown["content_type"] == "application/pdf"
    case.complete("receive_certificate", {"certificate_received": True, "certificate_file": shown}, actor="p-1")
    row = case.row()
    assert row.status == InstanceStatus.COMPLETED and row.current_stage == "凭证已交付员工"
    assert len(removals(sandbox)) == 1


def test_outside_the_window_the_case_waits_and_the_lead_is_told_when_the_15_days_pass(engine, sandbox):
    sandbox.set_date(date(2026, 3, 17))  # day 17: after the policy window (1-15)
    resident_id = seed(sandbox)
    case = start(engine, resident_id)
    certify_separation(case, "2026-03-16")

    assert case.ready() == []
    assert {"code": "FILING_WINDOW_MISSED", "severity": "warning",
            "params": {"next_window_opens": "2026-04-01"}} in case.warnings()
    assert case.latest_data()["next_filing_at"] == "2026-04-01T09:00:00+08:00"
    assert removals(sandbox) == []

    sandbox.set_date(date(2026, 4, 1), at=time(8, 0))  # the 15 days ended on 03-31
    case.run_jobs_until_quiet()
    assert case.ready() == ["escalate_handover"]
    assert case.task("escalate_handover").lane == "HR lead"
    assert "STAGE_OVERDUE" in case.risk_flags()

    sandbox.clock.advance(timedelta(hours=2))  # 10:00: the window is open
    case.run_jobs_until_quiet()
    assert case.ready() == ["escalate_handover", "receive_certificate"]
    assert len(removals(sandbox)) == 1

    case.complete("receive_certificate", {"certificate_received": True}, actor="p-1")
    assert case.status() == InstanceStatus.COMPLETED  # the open escalation is withdrawn
    assert case.ready() == []


def test_arrears_go_to_hr_and_the_removal_is_filed_once_they_are_paid(engine, sandbox):
    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox, arrears=[{"period": "2026-01", "amount": 5120.0}])
    case = start(engine, resident_id)
    certify_separation(case, "2026-02-27")
    assert case.ready() == ["clear_arrears"]
    assert case.latest_data()["bureau_error"]["code"] == "ARREARS"
    assert removals(sandbox) == []

    sandbox.admin["bureau"].set_arrears(EMPLOYER, REGION, [])
    case.complete("clear_arrears", {"arrears_cleared": True, "arrears_paid_on": "2026-03-02"})
    assert case.ready() == ["receive_certificate"]
    assert len(removals(sandbox)) == 1


def test_a_closed_bureau_window_waits_for_the_day_the_bureau_names(engine, sandbox):
    sandbox.set_date(MONDAY)  # day 2: the pack's window is open, Suzhou's bureau opens on day 5
    resident_id = seed(sandbox, region="320505")
    case = start(engine, resident_id, region="320505")
    certify_separation(case, "2026-02-27")
    data = case.latest_data()
    assert data["next_filing_at"] == "2026-03-05T09:00:00+08:00"
    assert "FILING_WINDOW_MISSED" in case.warning_codes()

    sandbox.set_date(date(2026, 3, 5))
    case.run_jobs_until_quiet()
    assert case.ready() == ["receive_certificate"]
    assert len(removals(sandbox)) == 1


def test_an_employer_unknown_to_the_bureau_lets_hr_close_the_case_without_a_removal(engine, sandbox):
    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox, employer=False)
    case = start(engine, resident_id)
    certify_separation(case, "2026-02-27")
    assert case.ready() == ["handle_removal_problem"]
    assert case.latest_data()["bureau_error"]["code"] == "EMPLOYER_NOT_REGISTERED"

    case.complete("handle_removal_problem", {"removal_handling": "close", "hr_note": "单位未在本地参保"})
    row = case.row()
    assert row.status == InstanceStatus.COMPLETED
    assert case.latest_data()["stopped"] is False


def test_a_removal_done_at_the_counter_goes_on_and_a_certificate_can_be_uploaded(engine, sandbox):
    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox, person=False)  # the bureau does not know the person
    case = start(engine, resident_id)
    certify_separation(case, "2026-02-27")
    assert case.ready() == ["handle_removal_problem"]
    assert case.latest_data()["bureau_error"]["code"] == "NOT_INSURED"

    case.complete("handle_removal_problem", {
        "removal_handling": "manual", "manual_removal_reference": "RM-COUNTER-1",
        "manual_removal_effective_month": "2026-03"})
    assert case.ready() == ["obtain_certificate_manually"]
    assert case.latest_data()["bureau_error"]["code"] == "PERSON_NOT_FOUND"

    case.complete("obtain_certificate_manually", {
        "certificate_handling": "upload", "contribution_certificate_file": upload(engine, "参保缴费凭证.pdf"),
        "manual_certificate_no": "PZ-1"})
    data = case.latest_data()
    assert data["removal"] == {"status": "manual", "removal_id": "RM-COUNTER-1", "effective_month": "2026-03"}
    assert data["certificate_no"] == "PZ-1"
    assert case.ready() == ["receive_certificate"]


def test_an_unreachable_bureau_lets_hr_retry_or_file_at_the_counter(engine, sandbox):
    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox)
    sandbox.admin["bureau"].set_faults(error_rate=1.0)
    case = start(engine, resident_id)
    certify_separation(case, "2026-02-27")
    sandbox.clock.advance(timedelta(minutes=1))  # past the retry's backoff
    case.run_jobs_until_quiet()
    assert case.ready() == ["handle_removal_problem"]
    assert case.latest_data()["bureau_error"]["code"] == "SERVICE_UNAVAILABLE"

    case.complete("handle_removal_problem", {"removal_handling": "retry"})
    sandbox.clock.advance(timedelta(minutes=1))
    case.run_jobs_until_quiet()
    assert case.ready() == ["handle_removal_problem"]

    case.complete("handle_removal_problem", {
        "removal_handling": "manual", "manual_removal_reference": "RM-1", "manual_removal_effective_month": "2026-03"})
    sandbox.clock.advance(timedelta(minutes=1))
    case.run_jobs_until_quiet()
    assert case.ready() == ["obtain_certificate_manually"]

    sandbox.admin["bureau"].set_faults()
    case.complete("obtain_certificate_manually", {"certificate_handling": "retry"})
    assert case.ready() == ["obtain_certificate_manually"]  # the bureau still shows contributions
    assert case.latest_data()["bureau_error"]["code"] == "STILL_CONTRIBUTING"
    assert removals(sandbox) == []


def test_an_already_stopped_employee_is_read_as_filed(engine, sandbox):
    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox, stop_month="2026-03")
    case = start(engine, resident_id)
    certify_separation(case, "2026-02-27")
    assert case.ready() == ["receive_certificate"]
    assert case.latest_data()["removal"]["status"] == "already_stopped"


def test_an_employee_who_never_confirms_closes_the_case_after_15_working_days(engine, sandbox):
    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox)
    case = start(engine, resident_id)
    certify_separation(case, "2026-02-27")
    assert case.ready() == ["receive_certificate"]

    sandbox.clock.advance(timedelta(days=25))
    case.run_jobs_until_quiet()
    assert case.status() == InstanceStatus.COMPLETED
    assert case.latest_data()["certificate_received"] is False


def test_the_forms_reject_a_manual_removal_without_its_reference(engine, sandbox):
    from engine.errors import InvalidInput

    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox, employer=False)
    case = start(engine, resident_id)
    certify_separation(case, "2026-02-27")
    with pytest.raises(InvalidInput) as err:
        engine.complete_task(case.task("handle_removal_problem").id, {"removal_handling": "manual"}, "hr-1")
    fields = {e["field"] for e in err.value.params["errors"]}
    assert "manual_removal_reference" in fields or "" in fields
    assert case.ready() == ["handle_removal_problem"]
