"""Issue #4 "done when": the cross-province joiner from start to a ready card, driven through the command
line against the sandbox over real HTTP.

The employee's materials are generated documents that OCR reads; the sandbox bureau's pension
acceptance takes longer than the official 15 working days, so moving the clock across that deadline
makes the transfer escalate to the HR lead; the bureau's callbacks reach the product's message
endpoint (``shebao serve``) over HTTP. Everything is done with ``shebao`` commands (in process, through
click's runner), except the uploads, which go to the REST API as a browser would send them (the command
line has no upload command). The final data is read back with the engine's API for the assertions.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from connectors.ocr.generator import DocumentSpec, generate_document
from connectors.ocr.synth_photo import make_photo
from engine.clock import MovableClock
from sandbox.config import DEFAULT_TRANSFER_WORKDAYS
from sandbox.testing import RunningSandbox, start_sandbox
from tests.conftest import TEST_DATA_KEY
from web.cli import cli

ROOT = Path(__file__).resolve().parents[2]
NEW_REGION, OLD_REGION = "110105", "440300"  # Beijing Chaoyang <- Shenzhen
START_DAY = date(2026, 3, 2)  # a Monday
# The incoming place takes 18 working days for the pension acceptance letter: past the official 15.
SLOW_PENSION = {**DEFAULT_TRANSFER_WORKDAYS, "pension": {"accepted": 18, "info_sheet_issued": 8, "completed": 5}}
MILESTONES = ["材料收集完成", "原单位停保确认", "社保转移中", "新单位参保完成", "社保卡就绪"]
MILESTONE_ELEMENTS = {"materials_done": "材料收集完成", "stop_confirmed": "原单位停保确认",
                      "transfer_begins": "社保转移中", "record_enrolment": "新单位参保完成", "card_ready": "社保卡就绪"}

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Shebao:
    """``shebao`` commands in process; each must succeed."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str) -> str:
        result = self.runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == 0, f"shebao {' '.join(args)} failed: {result.stderr or result.stdout}"
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json"))

    @staticmethod
    def process(*args: str) -> str:
        """A command as its own process (``users`` is added by the console entry point only)."""
        done = subprocess.run([str(Path(sys.executable).parent / "shebao"), *args], capture_output=True, text=True,  # noqa: S603
                              check=False, timeout=120)
        assert done.returncode == 0, f"shebao {' '.join(args)} failed: {done.stderr}"
        return done.stdout


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A database, the sandbox (slow pension acceptance) calling back ``shebao serve``, and the environment."""
    port = free_port()
    clock_file = tmp_path / "clock.json"
    sandbox = start_sandbox(tmp_path / "sandbox", MovableClock(clock_file), transfer_workdays=SLOW_PENSION,
                            callback_url=f"http://127.0.0.1:{port}/api/v1/messages/bureau", tick_seconds=3600.0)
    env = {
        "SHEBAO_DATABASE_URL": f"sqlite:///{tmp_path / 'shebao.db'}",
        "SHEBAO_DATA_KEY": TEST_DATA_KEY,
        "SHEBAO_SECRET_KEY": "e2e-secret-key-0123456789",
        "SHEBAO_BLOB_DIR": str(tmp_path / "blobs"),
        "SHEBAO_CLOCK_FILE": str(clock_file),
        "SHEBAO_ADAPTERS_FILE": str(tmp_path / "sandbox" / "adapters.json"),
        "SHEBAO_ENV_FILE": str(tmp_path / "none.env"),
        "SHEBAO_JOB_BACKOFF_SECONDS": "0.1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    shebao = Shebao()
    server = None
    try:
        shebao("db", "upgrade")
        server = subprocess.Popen(  # noqa: S603 - our own command line
            [str(Path(sys.executable).parent / "shebao"), "serve", "--port", str(port), "--threads", "4"],
            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise AssertionError("shebao serve did not come up")
        yield shebao, sandbox, base
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        sandbox.stop()


def documents() -> dict[str, Any]:
    """Generated case documents of one person (same seed: same person and employer)."""
    return {t: generate_document(DocumentSpec(t, 11, profile="clean"))
            for t in ("id_card_front", "contribution_certificate", "labour_contract")}


class Case:
    """One joiner case driven through the command line."""

    def __init__(self, shebao: Shebao, sandbox: RunningSandbox, base: str, instance_id: str, token: str) -> None:
        self.shebao, self.sandbox, self.base, self.id, self.token = shebao, sandbox, base, instance_id, token

    def open(self) -> dict[str, dict[str, Any]]:
        """Open tasks by element id."""
        return {t["element_id"]: t for t in self.shebao.json("tasks", "--instance", self.id)}

    def complete(self, element: str, data: dict[str, Any], actor: str) -> None:
        task = self.open()[element]
        self.shebao("complete", task["id"], "--data", json.dumps(data, ensure_ascii=False), "--as", actor)
        self.work()

    def work(self) -> None:
        """Deliver due bureau callbacks over HTTP, then run due jobs (twice: a job may make another due)."""
        self.sandbox.servers.tick()
        self.shebao("worker", "--once")
        self.shebao("worker", "--once")

    def upload(self, element: str, name: str, content_type: str, data: bytes) -> dict[str, Any]:
        """Upload a file for an open task through the REST API, as the employee; returns the form reference."""
        response = requests.post(
            f"{self.base}/api/v1/files", headers={"Authorization": f"Bearer {self.token}"},
            files={"file": (name, data, content_type)}, data={"task_id": self.open()[element]["id"]}, timeout=30,
        )
        assert response.status_code == 201, response.text
        return response.json()["ref"]

    def next_day(self) -> None:
        self.shebao("clock", "--advance", "P1D")
        self.work()

    def show(self) -> dict[str, Any]:
        return self.shebao.json("show", self.id)

    def read(self) -> tuple[dict[str, Any], list[str]]:
        """The instance's data and risk flags, read with the engine's API (the command line shows neither)."""
        from web.bootstrap import build_engine

        engine = build_engine()
        try:
            return engine.instances.data(self.id), json.loads(engine.instances.get(self.id).risk_flags)
        finally:
            engine.dispose()


def test_a_joiner_from_another_province_ends_with_a_ready_card_and_a_completed_transfer(world):
    shebao, sandbox, base = world
    deployed = shebao("deploy", str(ROOT / "workflows"))
    assert "deployed cross_province_joiner" in deployed and "warning" not in deployed

    docs = documents()
    ident, contract = docs["id_card_front"].truth["fields"], docs["labour_contract"].truth["fields"]
    rid = ident["id_number"]
    person = {"person_id": "p-7", "name": ident["name"], "resident_id": rid, "gender": "M" if int(rid[16]) % 2 else "F",
              "birth_date": f"{rid[6:10]}-{rid[10:12]}-{rid[12:14]}", "hukou_province": rid[:2]}
    employer = {"employer_id": "emp-1", "name": contract["employer"], "credit_code": contract["credit_code"]}
    sandbox.set_date(START_DAY)
    sandbox.admin["bureau"].seed({
        "employers": [{"credit_code": employer["credit_code"], "region": NEW_REGION, "name": employer["name"]},
                      {"credit_code": "91440300MA5FQ2T7X4", "region": OLD_REGION, "name": "深圳旧东家科技有限公司"}],
        "persons": [{"resident_id": rid, "name": person["name"], "employments": [
            {"credit_code": "91440300MA5FQ2T7X4", "region": OLD_REGION, "start_date": "2018-07-01", "base": 9000,
             "stop_month": "2026-01"}]}],
    })
    old_card = sandbox.admin["ccb"].seed({"cards": [{"resident_id": rid, "name": person["name"], "region": OLD_REGION}]})["cards"][0]

    shebao.process("users", "add", "emp.p7", "--role", "employee", "--person", "p-7")
    token = shebao.process("users", "token", "emp.p7").strip().splitlines()[-1]

    started = shebao.json("start", "cross_province_joiner", "--subject", "p-7", "--employer", "emp-1", "--city", "110100",
                          "--data", json.dumps({"person": person, "employer": employer, "region": NEW_REGION,
                                                "old_region": OLD_REGION, "employment_start": "2026-02-16",
                                                "contribution_base": 9500, "case_date": START_DAY.isoformat()},
                                               ensure_ascii=False))
    case = Case(shebao, sandbox, base, started["instance_id"], token)
    case.work()

    # 1. materials: uploaded by the employee, read by OCR, approved by HR
    assert list(case.open()) == ["upload_materials"]
    uploads = {
        "id_card": case.upload("upload_materials", "身份证.jpg", "image/jpeg", docs["id_card_front"].data),
        "contribution_certificate": case.upload("upload_materials", "参保缴费凭证.jpg", "image/jpeg",
                                                docs["contribution_certificate"].data),
        "labour_contract": case.upload("upload_materials", "劳动合同.jpg", "image/jpeg", docs["labour_contract"].data),
        "transfer_application": case.upload("upload_materials", "转移申请表.jpg", "image/jpeg", docs["labour_contract"].data),
    }
    case.complete("upload_materials", {"uploads": uploads}, "emp.p7")
    assert list(case.open()) == ["review_materials"]
    case.complete("review_materials", {"joiner_review_decision": "approve"}, "hr.li")

    # 2. the old place shows the stop; 3. the enrolment with the new employer comes first
    assert case.show()["stage"] == "社保转移中"
    case.complete("enter_enrolment_data", {"person": person, "employment_start": "2026-02-16", "contribution_base": 9500,
                                           "person_category": "employee", "has_previous_coverage": True,
                                           "old_region": OLD_REGION, "last_paid_month": "2025-12"}, "hr.li")

    # 4. then the transfer and the card side by side
    assert "upload_photo" in case.open()
    photo, _, _ = make_photo(11, "good")
    case.complete("upload_photo", {"card_photo": case.upload("upload_photo", "证件照.jpg", "image/jpeg", photo)}, "emp.p7")
    if "upload_materials" in case.open():  # the transfer asks again unless it skips what the joiner did
        case.complete("upload_materials", {"uploads": uploads}, "emp.p7")
        case.complete("review_materials", {"review_decision": "approve"}, "hr.li")

    escalated = collected = False
    for _ in range(90):
        tasks = case.open()
        if "collect_card" in tasks:
            case.complete("collect_card", {"card_collected": True}, "emp.p7")
            collected = True
        elif "escalate_pension_acceptance" in tasks:
            assert "STAGE_OVERDUE" in case.read()[1]  # the official 15 working days are over
            case.complete("escalate_pension_acceptance", {"escalation_action": "called_bureau"}, "lead.wu")
            escalated = True
        elif case.show()["status"] != "running":
            break
        else:
            assert not tasks, f"unexpected open tasks {sorted(tasks)}"
            case.next_day()

    shown = case.show()
    assert shown["status"] == "completed", shown["open_tasks"]
    assert collected and escalated
    reached = [MILESTONE_ELEMENTS[h["element_id"]] for h in shown["history"]
               if h["event"] == "step_completed" and h["element_id"] in MILESTONE_ELEMENTS]
    assert list(dict.fromkeys(reached)) == MILESTONES

    # the bank side: a new card in Beijing, the Guangdong card cancelled; the bureau: enrolled, both transfers done
    applied = sandbox.admin["icbc"].ledger(effect="card.applied")
    assert len(applied) == 1
    assert [e["reference"] for e in sandbox.admin["ccb"].ledger(effect="card.cancelled")] == [old_card["card_id"]]
    assert len(sandbox.admin["icbc"].ledger(effect="card.bank_function_activated")) == 1
    assert len(sandbox.admin["bureau"].ledger(effect="enrolment.accepted")) == 1

    data, flags = case.read()
    assert data["joiner_status"] == "completed"
    assert data["social_security_card"]["bank"] == "icbc" and data["social_security_card"]["region"] == NEW_REGION
    assert data["transfer_result"]["status"] == "completed"
    assert all(review["ok"] for review in data["joiner_ocr_review"])  # the generated documents were read
    assert "GAP_FORECAST" in flags  # last paid 2025-12, first month here 2026-02
