"""The card process (workflows/card_issuance) on the real engine against the sandbox banks over HTTP:
one card per person in a province, replacement across provinces, duplicates, photo rules, loss and
replacement, and a bank that cannot answer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from connectors.ocr.synth_photo import make_photo
from engine.db.models import InstanceStatus
from sandbox.testing import RunningSandbox, make_resident_id
from tests.support.processes import ProcessCase, attach, deploy_library, sandbox_engine

REGION = "110105"  # Beijing, Chaoyang
TODAY = date(2026, 3, 2)  # a Monday


@pytest.fixture
def engine(sqlite_template, tmp_path, sandbox: RunningSandbox):
    """The engine with the product's operators pointed at the sandbox, sharing its clock, on TODAY."""
    with sandbox_engine(sqlite_template, tmp_path, sandbox) as eng:
        deploy_library(eng, "card_issuance")
        sandbox.set_date(TODAY)
        yield eng


def seed_card(sandbox: RunningSandbox, bank: str, resident_id: str, region: str, **fields) -> dict:
    """A card of 李娜's that ``bank`` has issued in ``region``; the card as the bank stores it."""
    card = {"resident_id": resident_id, "name": "李娜", "region": region, "status": "issued", **fields}
    return sandbox.admin[bank].seed({"cards": [card]})["cards"][0]


def person(resident_id: str, birth: str = "1990-03-07", name: str = "李娜") -> dict:
    """The ``person`` data of 李娜 (or ``name``) born ``birth``."""
    return {"person_id": "p-1", "name": name, "resident_id": resident_id, "gender": "F", "birth_date": birth,
            "hukou_province": "41"}


def start(engine, resident_id: str, birth: str = "1990-03-07", **data) -> ProcessCase:
    """A card case for 李娜 (born ``birth``) in REGION on TODAY."""
    payload = {"person": person(resident_id, birth), "region": REGION, "case_date": TODAY.isoformat(), **data}
    return ProcessCase.start(engine, "card_issuance", payload)


def photo(engine, variant: str = "good", seed: int = 3) -> dict:
    """A generated ID photo uploaded by the employee, as a form's file field holds it."""
    data, ext, _ = make_photo(seed, variant)
    return attach(engine, f"photo.{ext}", "image/jpeg", data, actor="p-1")


def advance_until_ready_to_collect(case: ProcessCase, sandbox: RunningSandbox, limit_days: int = 30) -> int:
    """Move the clock day by day (firing the polling timers) until the card can be collected."""
    for day in range(1, limit_days + 1):
        sandbox.clock.advance(timedelta(days=1))
        case.run_jobs_until_quiet()
        if "collect_card" in case.ready():
            return day
    raise AssertionError(f"card not ready after {limit_days} days; open tasks {case.ready()}")


def effects(sandbox: RunningSandbox, bank: str, effect: str) -> list[dict]:
    """The effects of one kind in ``bank``'s ledger."""
    return sandbox.admin[bank].ledger(effect=effect)


def test_a_valid_card_in_the_province_means_no_new_card(engine, sandbox):
    rid = make_resident_id(sequence=124)
    seed_card(sandbox, "ccb", rid, "110108")
    case = start(engine, rid)
    case.run_jobs_until_quiet()

    assert case.status() == InstanceStatus.COMPLETED
    assert case.row().current_stage == "社保卡就绪"
    card = case.data()["social_security_card"]
    assert card["bank"] == "ccb" and card["status"] == "issued"
    assert all(effects(sandbox, b, "card.applied") == [] for b in ("icbc", "ccb", "boc"))


def test_a_card_of_another_province_is_replaced_and_cancelled_once_the_new_card_is_ready(engine, sandbox):
    rid = make_resident_id(sequence=126)
    old = seed_card(sandbox, "ccb", rid, "410105", bank_function_activated=True)
    case = start(engine, rid, card_bank="boc")
    case.run_jobs_until_quiet()
    assert case.ready() == ["upload_photo"]
    assert case.data()["card_replacement"] is True

    case.complete("upload_photo", {"card_photo": photo(engine)}, actor="p-1")
    assert [e["effect"] for e in effects(sandbox, "boc", "card.applied")] == ["card.applied"]
    advance_until_ready_to_collect(case, sandbox)
    case.complete("collect_card", {"card_collected": True}, actor="p-1")

    # the old card's bank account is still open: the holder closes it first
    assert case.ready() == ["close_bank_account"]
    assert case.row().current_stage == "社保卡就绪"
    case.complete("close_bank_account", {"card_bank_account_closed": True}, actor="p-1")

    assert case.status() == InstanceStatus.COMPLETED
    final = case.data()
    assert final["social_security_card"]["bank"] == "boc"
    assert final["social_security_card"]["social_security_enabled"] is True
    assert final["social_security_card"]["bank_function_activated"] is True
    assert final["card_cancelled"] == [old["card_id"]]
    assert len(effects(sandbox, "ccb", "card.cancelled")) == 1
    assert len(effects(sandbox, "boc", "card.social_security_enabled")) == 1
    assert len(effects(sandbox, "boc", "card.bank_function_activated")) == 1


def test_duplicate_cards_raise_a_warning_and_the_cards_hr_does_not_keep_are_cancelled(engine, sandbox):
    rid = make_resident_id(sequence=128)
    icbc = seed_card(sandbox, "icbc", rid, "110105", issued_on="2019-05-01")
    ccb = seed_card(sandbox, "ccb", rid, "110108", issued_on="2023-05-01")
    case = start(engine, rid)
    case.run_jobs_until_quiet()

    assert case.ready() == ["choose_card"]
    state = case.data()
    assert "DUPLICATE_CARDS" in {w["code"] for w in state["warnings"]}
    assert "DUPLICATE_CARDS" in case.risk_flags()
    assert state["card_keep_id"] == ccb["card_id"]  # the newest card is proposed

    case.complete("choose_card", {"card_keep_id": "ICBC-NOT-A-CARD"})
    assert case.ready() == ["choose_card"]
    case.complete("choose_card", {"card_keep_id": ccb["card_id"]})

    assert case.status() == InstanceStatus.COMPLETED
    assert case.data()["card_cancelled"] == [icbc["card_id"]]
    assert [e["reference"] for e in effects(sandbox, "icbc", "card.cancelled")] == [icbc["card_id"]]
    assert effects(sandbox, "ccb", "card.cancelled") == []


def test_a_rejected_photo_is_uploaded_again_and_a_child_under_seven_needs_none(engine, sandbox):
    rid = make_resident_id(sequence=130)
    case = start(engine, rid)
    case.run_jobs_until_quiet()
    case.complete("upload_photo", {"card_photo": photo(engine, "wrong_size")}, actor="p-1")
    assert case.ready() == ["upload_photo"]
    assert [f["code"] for f in case.data()["card_photo_findings"]] == ["PHOTO_SIZE_INVALID"]
    assert all(effects(sandbox, b, "card.applied") == [] for b in ("icbc", "ccb", "boc"))
    case.complete("upload_photo", {"card_photo": photo(engine, "good")}, actor="p-1")
    assert case.ready() == []
    assert len(effects(sandbox, "icbc", "card.applied")) == 1

    child = make_resident_id(birth=date(2021, 6, 1), sequence=132)
    child_case = start(engine, child, birth="2021-06-01")
    child_case.run_jobs_until_quiet()
    assert child_case.ready() == []  # no photo task: straight to the application
    assert child_case.data()["card_application"]["bank"] == "icbc"


def test_a_lost_card_is_reported_then_replaced_and_a_found_one_is_released(engine, sandbox):
    rid = make_resident_id(sequence=134)
    lost = seed_card(sandbox, "icbc", rid, "110105")
    case = start(engine, rid, card_request="report_loss")
    case.run_jobs_until_quiet()
    assert case.ready() == ["lost_card_decision"]
    reported = effects(sandbox, "icbc", "card.loss_reported")
    assert [e["data"]["kind"] for e in reported] == ["temporary"]

    case.complete("lost_card_decision", {"card_loss_outcome": "replace"}, actor="p-1")
    reported = effects(sandbox, "icbc", "card.loss_reported")
    assert [e["data"]["kind"] for e in reported] == ["temporary", "formal"]
    case.complete("upload_photo", {"card_photo": photo(engine)}, actor="p-1")
    replaced = effects(sandbox, "icbc", "card.replaced")
    assert len(replaced) == 1 and replaced[0]["data"]["old_card_id"] == lost["card_id"]
    advance_until_ready_to_collect(case, sandbox)
    case.complete("collect_card", {"card_collected": True}, actor="p-1")
    assert case.status() == InstanceStatus.COMPLETED

    other = make_resident_id(sequence=136)
    seed_card(sandbox, "boc", other, "110105")
    found_case = start(engine, other, card_request="report_loss")
    found_case.run_jobs_until_quiet()
    found_case.complete("lost_card_decision", {"card_loss_outcome": "found"}, actor="p-1")
    assert found_case.status() == InstanceStatus.COMPLETED
    assert found_case.data()["social_security_card"]["status"] == "issued"
    assert len(effects(sandbox, "boc", "card.loss_lifted")) == 1


def test_no_card_is_applied_for_while_a_bank_cannot_answer(engine, sandbox):
    rid = make_resident_id(sequence=138)
    sandbox.admin["ccb"].set_faults(error_rate=1.0)
    case = start(engine, rid)
    for _ in range(3):
        case.run_jobs_until_quiet()
        sandbox.clock.advance(timedelta(minutes=10))
    case.run_jobs_until_quiet()
    assert case.ready() == ["bank_outage"]

    case.complete("bank_outage", {"card_outage_action": "stop"})
    sandbox.admin["ccb"].set_faults()
    assert case.status() == InstanceStatus.COMPLETED
    assert all(effects(sandbox, b, "card.applied") == [] for b in ("icbc", "ccb", "boc"))


def test_a_late_card_is_chased_by_the_hr_lead_and_followed_again(engine, sandbox):
    rid = make_resident_id(sequence=140)
    seed_card(sandbox, "icbc", rid, "110105", status="in_production")  # the bank will not finish it soon
    case = start(engine, rid)
    case.run_jobs_until_quiet()
    assert case.ready() == []  # following the production of the card already applied for
    assert all(effects(sandbox, b, "card.applied") == [] for b in ("icbc", "ccb", "boc"))

    sandbox.clock.advance(timedelta(days=30))  # past the 20 working days
    case.run_jobs_until_quiet()
    assert case.ready() == ["chase_production"]
    assert "STAGE_OVERDUE" in case.risk_flags()
    case.complete("chase_production", {"card_chase_result": "银行称本周内制成"}, actor="lead-1")
    assert case.ready() == []

    sandbox.clock.advance(timedelta(days=9))  # the next chase is due five working days later
    case.run_jobs_until_quiet()
    assert case.ready() == ["chase_production"]
    assert case.data()["card_chases"] == 1
