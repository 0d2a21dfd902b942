"""The transfer process (workflows/transfer) on the real engine, OCR and the sandbox bureau over HTTP:
materials with OCR findings and HR review, the old employer's stop, the age rule, pension and medical
applications in parallel driven by the bureau's own callbacks, refusals, deadlines and outages."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from PIL import Image

from casework.expressions import FUNCTIONS
from connectors.bureau import BureauConnector
from connectors.ocr.generator import DocumentSpec, generate_document
from connectors.registry import register_connectors
from engine.db.models import InstanceStatus
from engine.operators import OperatorRegistry
from engine.tasks import InboxFilter
from sandbox.testing import RunningSandbox, make_resident_id
from tests.sandbox_fixtures import EMPLOYER, NEW_EMPLOYER, job_call
from tests.support.engines import make_engine
from web.bootstrap import form_validator
from web.cli import collect_files

pytest_plugins = ["tests.plugins.sandbox"]

OLD, NEW = "110000", "310000"  # Beijing -> Shanghai
START = date(2026, 3, 2)  # a Monday
NEW_EMPLOYER_DATA = {"employer_id": "emp-sh", "name": "上海新东家信息技术有限公司", "credit_code": NEW_EMPLOYER}
PLAIN_MATERIALS = ("id_card", "contribution_certificate", "transfer_application", "enrolment_proof")


@pytest.fixture
def engine(engine_env: dict[str, str], sandbox: RunningSandbox):
    registry = OperatorRegistry()
    register_connectors(registry, sandbox.connector_config(read_timeout=2.0))
    eng = make_engine(engine_env, registry, validate_form=form_validator(), clock=sandbox.clock, functions=FUNCTIONS)
    for folder in ("workflows/policies", "workflows/transfer"):
        assert eng.deploy(collect_files((folder,))).warnings == []
    sandbox.set_date(START)
    yield eng
    eng.dispose()


class Case:
    """One transfer instance and the moves a test makes on it."""

    def __init__(self, engine: Any, sandbox: RunningSandbox, person: dict[str, Any], **data: Any) -> None:
        self.engine, self.sandbox, self.person = engine, sandbox, person
        start = {"person": person, "employer": NEW_EMPLOYER_DATA, "region": NEW, "old_region": OLD, **data}
        self.id = engine.start("transfer", start, subject_person=person["person_id"], employer="emp-sh", city=NEW)
        engine.run_jobs()

    def ready(self) -> list[str]:
        return sorted(t.element_id for t in self.engine.tasks.list(InboxFilter(instance_id=self.id)))

    def task(self, element_id: str) -> Any:
        return next(t for t in self.engine.tasks.list(InboxFilter(instance_id=self.id)) if t.element_id == element_id)

    def complete(self, element_id: str, data: dict[str, Any], actor: str = "hr-1") -> None:
        self.engine.complete_task(self.task(element_id).id, data, actor)
        self.engine.run_jobs()

    def attach(self, name: str, content: bytes, content_type: str) -> dict[str, Any]:
        info = self.engine.save_attachment(name, content_type, content, instance_id=self.id, actor="employee")
        return {"attachment_id": info.id, "name": name, "content_type": content_type, "size": info.size}

    def upload(self, **files: bytes) -> None:
        uploads = {code: self.attach(f"{code}.png", content, "image/png") for code, content in files.items()}
        self.complete("upload_materials", {"uploads": uploads}, actor=f"person:{self.person['person_id']}")

    def upload_plain(self) -> None:
        self.upload(**{code: blank_page() for code in PLAIN_MATERIALS})

    def data(self) -> dict[str, Any]:
        return self.engine.instances.data(self.id)

    def task_data(self, element_id: str) -> dict[str, Any]:
        """The data of one ready task (parallel branches hold different data)."""
        return self.engine.tasks.data(self.task(element_id).id)

    def flags(self) -> list[str]:
        return json.loads(self.engine.instances.get(self.id).risk_flags)

    def status(self) -> InstanceStatus:
        return self.engine.instances.get(self.id).status

    def callbacks(self) -> list[str]:
        """Let the bureau reach what is due and hand its callbacks to the engine, as the message endpoint does."""
        self.sandbox.admin["bureau"].tick()
        delivered = []
        for item in self.sandbox.admin["bureau"].callbacks():
            body = item["body"]
            got = self.engine.messages.receive(body["message"], body["correlation"], body["payload"], body["message_id"])
            if got.status != "duplicate":
                delivered.append(body["message"])
        self.engine.run_jobs()
        return delivered

    def days(self, n: int, *, callbacks: bool = True) -> list[str]:
        """Move the shared clock ``n`` days, run due timers and jobs, then (optionally) the bureau's callbacks."""
        self.sandbox.advance(n)
        self.engine.run_jobs()
        return self.callbacks() if callbacks else []

    def run_until_done(self, max_days: int = 60) -> None:
        for _ in range(max_days // 2):
            if self.status() != InstanceStatus.RUNNING:
                return
            self.days(2)

    def milestones(self) -> list[str]:
        with self.engine.db.reading() as uow:
            steps = self.engine.history.read(uow.session, self.id)
        return [h.details["milestone"] for h in steps if h.event == "step_completed" and (h.details or {}).get("milestone")]


def blank_page() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (400, 250), "white").save(buf, "PNG")
    return buf.getvalue()


def make_person(resident_id: str, name: str = "张三", hukou_province: str = "31") -> dict[str, Any]:
    return {
        "person_id": "person-1",
        "name": name,
        "resident_id": resident_id,
        "gender": "M" if int(resident_id[16]) % 2 else "F",
        "birth_date": f"{resident_id[6:10]}-{resident_id[10:12]}-{resident_id[12:14]}",
        "hukou_province": hukou_province,
    }


def seed(sandbox: RunningSandbox, resident_id: str, name: str = "张三", *, old_stopped: bool = True,
         new_enrolled: bool = True) -> None:
    """The person contributed in Beijing since 2020 (stopped in February unless told) and, unless told, in Shanghai since February."""
    jobs: list[dict[str, Any]] = [{"credit_code": EMPLOYER, "region": OLD, "start_date": "2020-01-15", "base": 12000,
                                   **({"stop_month": "2026-02"} if old_stopped else {})}]
    if new_enrolled:
        jobs.append({"credit_code": NEW_EMPLOYER, "region": NEW, "start_date": "2026-02-10", "base": 15000})
    sandbox.admin["bureau"].seed({
        "employers": [{"credit_code": EMPLOYER, "region": OLD, "name": "北京示例科技有限公司"},
                      {"credit_code": NEW_EMPLOYER, "region": NEW, "name": NEW_EMPLOYER_DATA["name"]}],
        "persons": [{"resident_id": resident_id, "name": name, "employments": jobs}],
    })


def applications(sandbox: RunningSandbox) -> list[str]:
    return [entry["data"]["kind"] for entry in sandbox.admin["bureau"].ledger(effect="transfer.applied")]


def approve(case: Case) -> None:
    case.complete("review_materials", {"review_decision": "approve", "review_note": "材料齐全"})


def test_a_transfer_runs_from_the_materials_to_both_completions_on_the_bureaus_callbacks(engine, sandbox):
    card = generate_document(DocumentSpec(type="id_card_front", seed=12, profile="clean", format="png"))
    truth = card.truth["fields"]
    seed(sandbox, truth["id_number"], truth["name"])
    case = Case(engine, sandbox, make_person(truth["id_number"], truth["name"]))
    assert case.ready() == ["upload_materials"]
    assert case.task("upload_materials").assignee == "person:person-1"

    case.upload(id_card=card.data, contribution_certificate=blank_page(), transfer_application=blank_page(),
                enrolment_proof=blank_page())
    assert case.ready() == ["review_materials"]
    review = {item["material"]: item for item in case.data()["ocr_review"]}
    assert review["id_card"]["ok"] is True and review["id_card"]["document_type"] == "id_card_front"
    assert review["contribution_certificate"]["codes"] == ["UNREADABLE_DOCUMENT"]
    warnings = [w for w in case.data()["warnings"] if w["code"] == "OCR_FINDINGS"]
    assert [w["params"]["document"] for w in warnings] == ["contribution_certificate"]
    assert "OCR_FINDINGS" in json.loads(case.task("review_materials").risk_flags)

    approve(case)
    assert case.ready() == []
    assert sorted(applications(sandbox)) == ["medical", "pension"]
    assert case.engine.instances.get(case.id).current_stage == "社保转移中"

    case.run_until_done()
    assert case.status() == InstanceStatus.COMPLETED
    result = case.data()["transfer_result"]
    assert result["status"] == "completed" and result["temporary_account"] is False
    assert result["pension"]["acceptance_letter_no"].startswith("LXH")
    assert result["pension"]["funds"]["total"] > 0
    assert result["medical"]["completion_no"].startswith("WJ")
    assert case.milestones() == ["材料收集完成", "原单位停保确认", "社保转移中"]
    assert "STAGE_OVERDUE" not in case.flags()


def test_a_caller_that_reviewed_the_materials_and_confirmed_the_stop_goes_straight_to_the_applications(engine, sandbox):
    resident_id = make_resident_id(sequence=215)
    seed(sandbox, resident_id)
    case = Case(engine, sandbox, make_person(resident_id), materials_reviewed=True, old_stop_confirmed=True)
    assert case.ready() == []
    assert sorted(applications(sandbox)) == ["medical", "pension"]
    assert case.milestones() == ["社保转移中"]  # the caller's own milestones are not repeated
    case.run_until_done()
    assert case.data()["transfer_result"]["status"] == "completed"


def test_materials_returned_by_hr_go_back_to_the_employee_with_the_reasons(engine, sandbox):
    resident_id = make_resident_id(sequence=211)
    seed(sandbox, resident_id)
    case = Case(engine, sandbox, make_person(resident_id))
    case.upload(id_card=blank_page(), transfer_application=blank_page(), enrolment_proof=blank_page())
    assert case.ready() == ["upload_materials"]  # the 参保缴费凭证 is missing
    assert case.data()["rejection_reasons"] == [
        {"material": "contribution_certificate", "reason": "MATERIAL_MISSING", "note": ""}]

    case.upload_plain()
    reasons = [{"material": "id_card", "reason": "UNREADABLE", "note": "照片模糊"}]
    case.complete("review_materials", {"review_decision": "reject", "rejection_reasons": reasons})
    assert case.ready() == ["upload_materials"]
    assert case.data()["rejection_reasons"] == reasons
    assert case.data()["resubmissions"] == 2

    case.upload(id_card=blank_page())  # only the returned file; the others stay
    assert case.ready() == ["review_materials"]
    assert sorted(case.data()["uploads"]) == sorted(PLAIN_MATERIALS)
    approve(case)
    assert sorted(applications(sandbox)) == ["medical", "pension"]


def test_a_stage_past_its_deadline_is_escalated_to_the_hr_lead_and_the_case_goes_on(engine, sandbox):
    resident_id = make_resident_id(sequence=221)
    seed(sandbox, resident_id)
    case = Case(engine, sandbox, make_person(resident_id))
    case.upload_plain()
    approve(case)

    case.days(8, callbacks=False)  # 6 working days: past the medical acceptance limit of 5
    assert case.ready() == ["escalate_medical_acceptance"]
    task = case.task("escalate_medical_acceptance")
    assert task.lane == "HR lead" and task.candidate_group == f"hr_lead:emp-sh:{NEW}"
    assert "STAGE_OVERDUE" in case.flags()

    case.days(14, callbacks=False)  # 16 working days after the application: past the pension limit of 15
    assert case.ready() == ["escalate_medical_acceptance", "escalate_pension_acceptance"]
    case.complete("escalate_medical_acceptance", {"escalation_action": "called_bureau", "escalation_note": "已致电12333"},
                  actor="lead-1")

    delivered = case.callbacks()  # the bureau's answers arrive late; the waits take them
    assert "transfer.pension.accepted" in delivered and "transfer.medical.completed" in delivered
    case.run_until_done()
    assert case.status() == InstanceStatus.COMPLETED
    assert case.data()["transfer_result"]["status"] == "completed"
    assert case.ready() == []  # the open escalation was withdrawn when the case ended


def test_a_stage_the_bureau_reached_late_leaves_stage_overdue_on_the_case(engine, sandbox):
    resident_id = make_resident_id(sequence=231)
    seed(sandbox, resident_id)
    case = Case(engine, sandbox, make_person(resident_id))
    case.upload_plain()
    approve(case)
    due = case.data()["pension_acceptance_due"][:10]
    late = (date.fromisoformat(due) + timedelta(days=3)).isoformat()

    def send(name: str, reached_on: str) -> None:
        # what the bureau adapter posts (docs/adapter-api.md), reached after the official limit
        payload = {"stage": name.rsplit(".", 1)[1], "reached_on": reached_on, "document_no": "LXH-TEST"}
        engine.messages.receive(name, {"instance_id": case.id}, payload, f"test-{name}")
        engine.run_jobs()

    send("transfer.pension.accepted", late)
    data = case.data()
    assert any(w["code"] == "STAGE_OVERDUE" and w["params"]["stage"] == "养老保险：联系函" for w in data["warnings"])
    assert data["pension_funds_due"][:10] > late


def test_the_age_rule_opens_a_temporary_account_instead_of_the_pension_transfer(engine, sandbox):
    resident_id = make_resident_id(birth=date(1972, 6, 1), sequence=241)  # a man of 53, hukou in Henan
    seed(sandbox, resident_id)
    case = Case(engine, sandbox, make_person(resident_id, hukou_province="41"))
    assert "TEMPORARY_ACCOUNT" in case.flags()
    assert case.data()["temporary_account"] is True

    case.upload_plain()
    approve(case)
    assert case.ready() == ["open_temporary_account"]
    assert applications(sandbox) == ["medical"]
    case.complete("open_temporary_account", {"temporary_account_no": "LS310000-0001",
                                             "temporary_account_opened_on": "2026-03-05",
                                             "temporary_account_employer": NEW_EMPLOYER})
    case.run_until_done()
    result = case.data()["transfer_result"]
    assert result["status"] == "completed" and result["temporary_account"] is True
    assert result["pension"] == {"status": "temporary_account", "account_no": "LS310000-0001",
                                 "opened_on": "2026-03-05", "employer_credit_code": NEW_EMPLOYER}
    assert result["medical"]["status"] == "completed"


def test_a_refusal_goes_to_hr_who_fixes_the_cause_and_resubmits(engine, sandbox):
    resident_id = make_resident_id(sequence=251)
    seed(sandbox, resident_id, new_enrolled=False)
    case = Case(engine, sandbox, make_person(resident_id))
    case.upload_plain()
    approve(case)
    for _ in range(5):
        case.days(2)
    assert case.ready() == ["handle_medical_problem", "handle_pension_problem"]
    problem = case.task_data("handle_pension_problem")["pension_problem"]
    assert problem["kind"] == "refused" and problem["code"] == "INCOMING_NOT_ENROLLED"

    enrolment = {"employer_credit_code": NEW_EMPLOYER, "region": NEW, "resident_id": resident_id, "name": "张三",
                 "employment_start_date": "2026-03-02", "contribution_base": 15000}
    BureauConnector(sandbox.connector_config()).enrol(enrolment, job_call())
    case.complete("handle_pension_problem", {"pension_decision": "resubmit", "pension_problem_note": "新单位已参保"})
    case.complete("handle_medical_problem", {"medical_decision": "close", "medical_close_reason": "员工自行办理医保转移"})
    assert sorted(applications(sandbox)) == ["medical", "pension", "pension"]

    case.run_until_done()
    result = case.data()["transfer_result"]
    assert result["status"] == "partially_completed"
    assert result["pension"]["status"] == "completed"
    assert result["medical"] == {"status": "closed", "reason": "员工自行办理医保转移", "problem": case.data()["medical_problem"]}


def test_an_old_employer_still_contributing_is_rechecked_and_chased_until_it_stops(engine, sandbox):
    resident_id = make_resident_id(sequence=261)
    seed(sandbox, resident_id, old_stopped=False)
    case = Case(engine, sandbox, make_person(resident_id))
    case.upload_plain()
    approve(case)
    assert case.ready() == [] and case.data()["stop_checks"] == 1
    assert applications(sandbox) == []

    case.days(5)  # three working days later: checked again, still contributing -> HR chases
    assert case.ready() == ["chase_old_employer"]
    removal = {"employer_credit_code": EMPLOYER, "region": OLD, "resident_id": resident_id, "separation_date": "2026-03-01"}
    BureauConnector(sandbox.connector_config()).stop_contribution(removal, job_call())
    case.complete("chase_old_employer", {"chase_result": "recheck", "contact_note": "原单位已承诺本月减员"})
    assert case.ready() == []
    case.days(5)
    assert case.data()["old_stop_confirmed"] is True and case.data()["stop_checks"] == 3
    assert case.engine.instances.get(case.id).current_stage == "社保转移中"
    assert sorted(applications(sandbox)) == ["medical", "pension"]


def test_a_bureau_that_cannot_be_reached_goes_to_hr_and_the_query_is_retried(engine, sandbox):
    resident_id = make_resident_id(sequence=271)
    seed(sandbox, resident_id)
    case = Case(engine, sandbox, make_person(resident_id))
    case.upload_plain()
    sandbox.admin["bureau"].set_faults(error_rate=1.0)
    approve(case)
    for _ in range(engine.settings.default_retries + 1):
        engine.clock.advance(timedelta(minutes=30))
        engine.run_jobs()
    assert case.ready() == ["handle_query_problem"]
    assert case.data()["bureau_error"]["code"] == "SERVICE_UNAVAILABLE"

    sandbox.admin["bureau"].set_faults()
    case.complete("handle_query_problem", {"query_decision": "retry"})
    assert case.data()["old_stop_confirmed"] is True
    assert sorted(applications(sandbox)) == ["medical", "pension"]
