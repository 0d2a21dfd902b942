"""The stop-contribution process (workflows/stop_contribution) on the real engine against the sandbox
bureau over HTTP: the removal filed inside the filing window, waiting for the next window, arrears,
the bureau's refusals and outages, the 15-day handover escalation and the certificate handed to the
employee."""

from __future__ import annotations

import shutil
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from SpiffWorkflow.util.task import TaskState

from casework.expressions import FUNCTIONS
from connectors.bureau import BureauConnector
from connectors.bureau import register as register_bureau
from engine.db.models import InstanceStatus
from engine.operators import OperatorRegistry
from engine.tasks import InboxFilter
from sandbox.testing import RunningSandbox, make_resident_id
from tests.conftest import TEST_DATA_KEY
from tests.sandbox_fixtures import EMPLOYER, EMPLOYER_NAME
from tests.support.engines import make_engine
from web.bootstrap import form_validator
from web.cli import collect_files

pytest_plugins = ["tests.plugins.sandbox"]

ROOT = Path(__file__).resolve().parents[2]
REGION = "110105"  # Beijing, Chaoyang: the sandbox bureau's window is days 1-20; the policy pack says 1-15
MONDAY = date(2026, 3, 2)


def deployable(*folders: str) -> dict[str, bytes]:
    """Files of process-library folders by path relative to workflows/, as ``shebao deploy workflows/``."""
    files: dict[str, bytes] = {}
    for folder in folders:
        files.update({f"{folder}/{p}": b for p, b in collect_files((str(ROOT / "workflows" / folder),)).items()})
    return files


@pytest.fixture
def engine(sqlite_template, tmp_path, sandbox: RunningSandbox):
    """The engine on SQLite (the process is under test, not the storage) with the bureau operators
    pointed at the sandbox, on the sandbox's clock."""
    db = tmp_path / "stop.db"
    shutil.copy(sqlite_template, db)
    registry = OperatorRegistry()
    register_bureau(registry, BureauConnector(sandbox.connector_config(read_timeout=2.0)))
    env = {"SHEBAO_DATABASE_URL": f"sqlite:///{db}", "SHEBAO_DATA_KEY": TEST_DATA_KEY,
           "SHEBAO_BLOB_DIR": str(tmp_path / "blobs"), "SHEBAO_JOB_RETRIES": "1", "SHEBAO_JOB_BACKOFF_SECONDS": "1"}
    eng = make_engine(env, registry, clock=sandbox.clock, functions=FUNCTIONS, validate_form=form_validator())
    eng.deploy(deployable("policies"))
    result = eng.deploy(deployable("stop_contribution"))
    assert result.warnings == []
    yield eng
    eng.dispose()


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


def start(engine, resident_id: str, region: str = REGION) -> str:
    payload = {
        "person": {"person_id": "p-1", "name": "王芳", "resident_id": resident_id, "gender": "F",
                   "birth_date": "1990-03-07", "hukou_province": "41"},
        "employer": {"employer_id": "emp-1", "name": EMPLOYER_NAME, "credit_code": EMPLOYER},
        "region": region,
    }
    return engine.start("stop_contribution", payload, subject_person="p-1", employer="emp-1", city="110100")


def settle(engine) -> None:
    """Run service calls and due timers until nothing is due."""
    while engine.run_jobs():
        pass


def ready(engine, iid: str) -> list[str]:
    return sorted(t.element_id for t in engine.tasks.list(InboxFilter(instance_id=iid)))


def task(engine, iid: str, element: str):
    return next(t for t in engine.tasks.list(InboxFilter(instance_id=iid)) if t.element_id == element)


def complete(engine, iid: str, element: str, data: dict | None = None, actor: str = "hr-1") -> None:
    engine.complete_task(task(engine, iid, element).id, data or {}, actor)
    settle(engine)


def upload(engine, name: str = "离职证明.pdf") -> dict:
    info = engine.save_attachment(name, "application/pdf", b"%PDF-1.4 test document", actor="hr-1")
    return {"attachment_id": info.id, "name": info.name, "content_type": info.content_type, "size": info.size}


def certify_separation(engine, iid: str, separation_date: str) -> None:
    complete(engine, iid, "issue_separation_certificate", {
        "separation_date": separation_date, "separation_reason": "resignation",
        "separation_certificate": upload(engine)})


def current(engine, iid: str) -> dict:
    """The data of the branch that moved last (the engine's ``instances.data`` takes any live branch)."""
    wf, _ = engine.advancer.restore(engine.instances.get(iid))
    if wf.is_completed():
        return dict(wf.data)
    live = wf.get_tasks(state=TaskState.READY | TaskState.STARTED | TaskState.WAITING)
    return dict(max(live, key=lambda t: t.last_state_change).data)


def warnings(engine, iid: str) -> list[dict]:
    """The case's warnings across all its branches."""
    return engine.instances.flag_items(iid)


def codes(engine, iid: str) -> set[str]:
    return {w["code"] for w in warnings(engine, iid)}


def removals(sandbox: RunningSandbox) -> list[dict]:
    return sandbox.admin["bureau"].ledger(effect="removal.accepted")


def test_a_removal_inside_the_window_is_filed_and_the_employee_receives_the_certificate(engine, sandbox):
    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox)
    iid = start(engine, resident_id)
    assert ready(engine, iid) == ["issue_separation_certificate"]

    certify_separation(engine, iid, "2026-02-27")
    assert ready(engine, iid) == ["receive_certificate"]
    receipt = task(engine, iid, "receive_certificate")
    assert receipt.lane == "Employee" and receipt.assignee == "person:p-1"
    data = current(engine, iid)
    assert data["removal"]["status"] == "accepted"
    assert data["handover_deadline"] == "2026-03-14"
    assert engine.read_attachment(data["certificate_attachment_id"]).startswith(b"%PDF")
    assert "FILING_WINDOW_MISSED" not in codes(engine, iid)
    assert "UNVERIFIED_LOCAL_RULE" in codes(engine, iid)  # the pack's filing window is not verified
    assert engine.instances.get(iid).current_stage == "缴费凭证已开具"

    shown = data["certificate_file"]  # the download the employee's form shows, sent back as the portal does
    assert shown["attachment_id"] == data["certificate_attachment_id"] and shown["content_type"] == "application/pdf"
    complete(engine, iid, "receive_certificate", {"certificate_received": True, "certificate_file": shown}, actor="p-1")
    row = engine.instances.get(iid)
    assert row.status == InstanceStatus.COMPLETED and row.current_stage == "凭证已交付员工"
    assert len(removals(sandbox)) == 1


def test_outside_the_window_the_case_waits_and_the_lead_is_told_when_the_15_days_pass(engine, sandbox):
    sandbox.set_date(date(2026, 3, 17))  # day 17: after the policy window (1-15)
    resident_id = seed(sandbox)
    iid = start(engine, resident_id)
    certify_separation(engine, iid, "2026-03-16")

    assert ready(engine, iid) == []
    assert {"code": "FILING_WINDOW_MISSED", "severity": "warning",
            "params": {"next_window_opens": "2026-04-01"}} in warnings(engine, iid)
    assert current(engine, iid)["next_filing_at"] == "2026-04-01T09:00:00+08:00"
    assert removals(sandbox) == []

    sandbox.set_date(date(2026, 4, 1), at=time(8, 0))  # the 15 days ended on 03-31
    settle(engine)
    assert ready(engine, iid) == ["escalate_handover"]
    assert task(engine, iid, "escalate_handover").lane == "HR lead"
    assert "STAGE_OVERDUE" in engine.instances.get(iid).risk_flags

    sandbox.clock.advance(timedelta(hours=2))  # 10:00: the window is open
    settle(engine)
    assert ready(engine, iid) == ["escalate_handover", "receive_certificate"]
    assert len(removals(sandbox)) == 1

    complete(engine, iid, "receive_certificate", {"certificate_received": True}, actor="p-1")
    assert engine.instances.get(iid).status == InstanceStatus.COMPLETED  # the open escalation is withdrawn
    assert ready(engine, iid) == []


def test_arrears_go_to_hr_and_the_removal_is_filed_once_they_are_paid(engine, sandbox):
    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox, arrears=[{"period": "2026-01", "amount": 5120.0}])
    iid = start(engine, resident_id)
    certify_separation(engine, iid, "2026-02-27")
    assert ready(engine, iid) == ["clear_arrears"]
    assert current(engine, iid)["bureau_error"]["code"] == "ARREARS"
    assert removals(sandbox) == []

    sandbox.admin["bureau"].set_arrears(EMPLOYER, REGION, [])
    complete(engine, iid, "clear_arrears", {"arrears_cleared": True, "arrears_paid_on": "2026-03-02"})
    assert ready(engine, iid) == ["receive_certificate"]
    assert len(removals(sandbox)) == 1


def test_a_closed_bureau_window_waits_for_the_day_the_bureau_names(engine, sandbox):
    sandbox.set_date(MONDAY)  # day 2: the pack's window is open, Suzhou's bureau opens on day 5
    resident_id = seed(sandbox, region="320505")
    iid = start(engine, resident_id, region="320505")
    certify_separation(engine, iid, "2026-02-27")
    data = current(engine, iid)
    assert data["next_filing_at"] == "2026-03-05T09:00:00+08:00"
    assert "FILING_WINDOW_MISSED" in codes(engine, iid)

    sandbox.set_date(date(2026, 3, 5))
    settle(engine)
    assert ready(engine, iid) == ["receive_certificate"]
    assert len(removals(sandbox)) == 1


def test_an_employer_unknown_to_the_bureau_lets_hr_close_the_case_without_a_removal(engine, sandbox):
    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox, employer=False)
    iid = start(engine, resident_id)
    certify_separation(engine, iid, "2026-02-27")
    assert ready(engine, iid) == ["handle_removal_problem"]
    assert current(engine, iid)["bureau_error"]["code"] == "EMPLOYER_NOT_REGISTERED"

    complete(engine, iid, "handle_removal_problem", {"removal_handling": "close", "hr_note": "单位未在本地参保"})
    row = engine.instances.get(iid)
    assert row.status == InstanceStatus.COMPLETED
    assert current(engine, iid)["stopped"] is False


def test_a_removal_done_at_the_counter_goes_on_and_a_certificate_can_be_uploaded(engine, sandbox):
    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox, person=False)  # the bureau does not know the person
    iid = start(engine, resident_id)
    certify_separation(engine, iid, "2026-02-27")
    assert ready(engine, iid) == ["handle_removal_problem"]
    assert current(engine, iid)["bureau_error"]["code"] == "NOT_INSURED"

    complete(engine, iid, "handle_removal_problem", {
        "removal_handling": "manual", "manual_removal_reference": "RM-COUNTER-1",
        "manual_removal_effective_month": "2026-03"})
    assert ready(engine, iid) == ["obtain_certificate_manually"]
    assert current(engine, iid)["bureau_error"]["code"] == "PERSON_NOT_FOUND"

    complete(engine, iid, "obtain_certificate_manually", {
        "certificate_handling": "upload", "contribution_certificate_file": upload(engine, "参保缴费凭证.pdf"),
        "manual_certificate_no": "PZ-1"})
    data = current(engine, iid)
    assert data["removal"] == {"status": "manual", "removal_id": "RM-COUNTER-1", "effective_month": "2026-03"}
    assert data["certificate_no"] == "PZ-1"
    assert ready(engine, iid) == ["receive_certificate"]


def test_an_unreachable_bureau_lets_hr_retry_or_file_at_the_counter(engine, sandbox):
    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox)
    sandbox.admin["bureau"].set_faults(error_rate=1.0)
    iid = start(engine, resident_id)
    certify_separation(engine, iid, "2026-02-27")
    sandbox.clock.advance(timedelta(minutes=1))  # past the retry's backoff
    settle(engine)
    assert ready(engine, iid) == ["handle_removal_problem"]
    assert current(engine, iid)["bureau_error"]["code"] == "SERVICE_UNAVAILABLE"

    complete(engine, iid, "handle_removal_problem", {"removal_handling": "retry"})
    sandbox.clock.advance(timedelta(minutes=1))
    settle(engine)
    assert ready(engine, iid) == ["handle_removal_problem"]

    complete(engine, iid, "handle_removal_problem", {
        "removal_handling": "manual", "manual_removal_reference": "RM-1", "manual_removal_effective_month": "2026-03"})
    sandbox.clock.advance(timedelta(minutes=1))
    settle(engine)
    assert ready(engine, iid) == ["obtain_certificate_manually"]

    sandbox.admin["bureau"].set_faults()
    complete(engine, iid, "obtain_certificate_manually", {"certificate_handling": "retry"})
    assert ready(engine, iid) == ["obtain_certificate_manually"]  # the bureau still shows contributions
    assert current(engine, iid)["bureau_error"]["code"] == "STILL_CONTRIBUTING"
    assert removals(sandbox) == []


def test_an_already_stopped_employee_is_read_as_filed(engine, sandbox):
    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox, stop_month="2026-03")
    iid = start(engine, resident_id)
    certify_separation(engine, iid, "2026-02-27")
    assert ready(engine, iid) == ["receive_certificate"]
    assert current(engine, iid)["removal"]["status"] == "already_stopped"


def test_an_employee_who_never_confirms_closes_the_case_after_15_working_days(engine, sandbox):
    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox)
    iid = start(engine, resident_id)
    certify_separation(engine, iid, "2026-02-27")
    assert ready(engine, iid) == ["receive_certificate"]

    sandbox.clock.advance(timedelta(days=25))
    settle(engine)
    assert engine.instances.get(iid).status == InstanceStatus.COMPLETED
    assert current(engine, iid)["certificate_received"] is False


def test_the_forms_reject_a_manual_removal_without_its_reference(engine, sandbox):
    from engine.errors import InvalidInput

    sandbox.set_date(MONDAY)
    resident_id = seed(sandbox, employer=False)
    iid = start(engine, resident_id)
    certify_separation(engine, iid, "2026-02-27")
    with pytest.raises(InvalidInput) as err:
        engine.complete_task(task(engine, iid, "handle_removal_problem").id, {"removal_handling": "manual"}, "hr-1")
    fields = {e["field"] for e in err.value.params["errors"]}
    assert "manual_removal_reference" in fields or "" in fields
    assert ready(engine, iid) == ["handle_removal_problem"]
