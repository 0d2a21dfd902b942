"""The bank.* operators against three sandbox banks over real HTTP: every bank asked before an
application, duplicates stopped before they reach the chosen bank, the card lifecycle."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from connectors.bank import BankConnector
from engine.blobs import LocalBlobStore
from engine.errors import BusinessError, TechnicalError
from sandbox.testing import RunningSandbox, make_resident_id
from tests.sandbox_fixtures import job_call

pytest_plugins = ["tests.plugins.sandbox"]


@pytest.fixture
def banks(sandbox: RunningSandbox) -> Iterator[BankConnector]:
    sandbox.set_date(date(2025, 3, 10))
    connector = BankConnector(sandbox.connector_config(read_timeout=1.0))
    yield connector
    connector.close()


@pytest.fixture
def photo_store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


def photo_id(store: LocalBlobStore) -> str:
    image = Image.new("RGB", (358, 441), "white")
    out = io.BytesIO()
    image.save(out, "JPEG", dpi=(350, 350))
    return store.put(out.getvalue())


def seed_card(sandbox: RunningSandbox, bank: str, resident_id: str, *, region: str = "110000", status: str = "issued",
              **extra: object) -> dict:
    return sandbox.admin[bank].seed({"cards": [{"resident_id": resident_id, "name": "李四", "region": region,
                                                "status": status, **extra}]})["cards"][0]


def apply_params(resident_id: str, bank: str, store_photo: str | None, region: str = "110000") -> dict:
    params = {"bank": bank, "resident_id": resident_id, "name": "李四", "region": region}
    if store_photo:
        params["photo_attachment_id"] = store_photo
    return params


def test_find_cards_asks_every_partner_bank(sandbox: RunningSandbox, banks: BankConnector) -> None:
    resident_id = make_resident_id(sequence=21)
    seed_card(sandbox, "icbc", resident_id)
    seed_card(sandbox, "boc", resident_id, status="cancelled")
    found = banks.find_cards({"resident_id": resident_id, "region": "110105"}, job_call())
    assert found["banks_asked"] == ["icbc", "ccb", "boc"]
    assert sorted((c["bank"], c["status"]) for c in found["cards"]) == [("boc", "cancelled"), ("icbc", "issued")]
    assert [c["bank"] for c in found["valid_cards_in_province"]] == ["icbc"]
    assert found["has_valid_card"] and found["has_valid_card_in_province"]
    assert all(c["card_number_masked"].count("*") == 8 for c in found["cards"])
    assert all(len(sandbox.admin[code].requests()) == 1 for code in ("icbc", "ccb", "boc"))


def test_a_valid_card_at_one_bank_stops_an_application_at_another_before_it_reaches_it(
    sandbox: RunningSandbox, banks: BankConnector, photo_store: LocalBlobStore
) -> None:
    resident_id = make_resident_id(sequence=23)
    seed_card(sandbox, "icbc", resident_id, region="110105")
    call = job_call(read_attachment=photo_store.get)
    with pytest.raises(BusinessError) as refused:
        banks.apply_card(apply_params(resident_id, "ccb", photo_id(photo_store)), call)
    assert refused.value.code == "DUPLICATE_CARD"
    assert refused.value.details["banks"] == ["icbc"]
    assert refused.value.details["cards"][0]["card_number_masked"].startswith("6212 ****")
    ccb = sandbox.admin["ccb"]
    assert ccb.ledger() == []
    assert [(r["method"], r["path"]) for r in ccb.requests()] == [("POST", "/v1/cards/query")]


def test_the_chosen_bank_refuses_a_duplicate_of_its_own_card(sandbox: RunningSandbox, banks: BankConnector, photo_store: LocalBlobStore) -> None:
    resident_id = make_resident_id(sequence=25)
    seed_card(sandbox, "ccb", resident_id, status="in_production")
    with pytest.raises(BusinessError) as refused:
        banks.apply_card(apply_params(resident_id, "ccb", photo_id(photo_store)), job_call(read_attachment=photo_store.get))
    assert refused.value.code == "DUPLICATE_CARD"
    assert sandbox.admin["ccb"].ledger(effect="card.applied") == []


def test_a_card_from_another_province_does_not_stop_an_application_but_is_reported(
    sandbox: RunningSandbox, banks: BankConnector, photo_store: LocalBlobStore
) -> None:
    resident_id = make_resident_id(sequence=27)
    seed_card(sandbox, "icbc", resident_id, region="440300")
    result = banks.apply_card(apply_params(resident_id, "ccb", photo_id(photo_store)), job_call(read_attachment=photo_store.get))
    assert (result["bank"], result["status"]) == ("ccb", "accepted")
    assert [c["region"] for c in result["other_province_cards"]] == ["440300"]


def test_a_retried_application_is_one_application_not_a_duplicate_of_itself(
    sandbox: RunningSandbox, banks: BankConnector, photo_store: LocalBlobStore
) -> None:
    resident_id = make_resident_id(sequence=29)
    params = apply_params(resident_id, "boc", photo_id(photo_store))
    sandbox.admin["boc"].set_faults(timeout_rate=1.0, stall_seconds=2.0, seed=1)
    with pytest.raises(TechnicalError):
        banks.apply_card(params, job_call("job-apply", read_attachment=photo_store.get))
    sandbox.admin["boc"].set_faults()
    result = banks.apply_card(params, job_call("job-apply", attempt=2, read_attachment=photo_store.get))
    assert result["status"] == "accepted"
    applied = sandbox.admin["boc"].ledger(effect="card.applied")
    assert [e["idempotency_key"] for e in applied] == ["job-apply"]
    assert applied[0]["reference"] == result["application_id"]


def test_a_bank_that_cannot_answer_stops_the_application(sandbox: RunningSandbox, banks: BankConnector, photo_store: LocalBlobStore) -> None:
    resident_id = make_resident_id(sequence=31)
    sandbox.admin["boc"].set_faults(error_rate=1.0, error_statuses=[503], seed=2)
    with pytest.raises(TechnicalError):
        banks.apply_card(apply_params(resident_id, "icbc", photo_id(photo_store)), job_call(read_attachment=photo_store.get))
    assert not any(r["path"] == "/v1/applications" for r in sandbox.admin["icbc"].requests())


def test_an_adult_needs_a_photo_and_a_child_under_seven_does_not(sandbox: RunningSandbox, banks: BankConnector) -> None:
    adult = make_resident_id(sequence=33)
    with pytest.raises(BusinessError) as refused:
        banks.apply_card(apply_params(adult, "icbc", None), job_call())
    assert refused.value.code == "PHOTO_REQUIRED"
    child = make_resident_id(birth=date(2021, 6, 1), sequence=35)
    assert banks.apply_card(apply_params(child, "icbc", None), job_call())["status"] == "accepted"


def test_a_photo_that_is_not_a_jpeg_is_refused(sandbox: RunningSandbox, banks: BankConnector, photo_store: LocalBlobStore) -> None:
    out = io.BytesIO()
    Image.new("RGB", (358, 441), "white").save(out, "PNG")
    png = photo_store.put(out.getvalue())
    with pytest.raises(BusinessError) as refused:
        banks.apply_card(apply_params(make_resident_id(sequence=37), "icbc", png), job_call(read_attachment=photo_store.get))
    assert (refused.value.code, refused.value.details["reason"]) == ("PHOTO_INVALID", "not_jpeg")


def test_an_unknown_bank_is_a_business_error(banks: BankConnector) -> None:
    with pytest.raises(BusinessError) as refused:
        banks.apply_card(apply_params(make_resident_id(), "hsbc", None), job_call())
    assert refused.value.code == "UNKNOWN_BANK"


def test_the_card_lifecycle_from_application_to_cancellation(
    sandbox: RunningSandbox, banks: BankConnector, photo_store: LocalBlobStore
) -> None:
    resident_id = make_resident_id(sequence=39)
    reader = photo_store.get
    applied = banks.apply_card(apply_params(resident_id, "icbc", photo_id(photo_store)), job_call(read_attachment=reader))
    assert applied["expected_ready_on"] == "2025-03-19"  # 7 working days after Monday 10 March
    person = {"resident_id": resident_id}
    with pytest.raises(BusinessError) as not_ready:
        banks.issue_card(person, job_call())
    assert not_ready.value.code == "CARD_NOT_READY"
    sandbox.set_date(date(2025, 3, 12))
    progress = banks.card_status(person, job_call())
    assert progress["status"] == "in_production"
    assert [s["stage"] for s in progress["stages"] if s["reached_on"]] == ["accepted", "in_production"]
    sandbox.set_date(date(2025, 3, 19))
    assert banks.issue_card(person, job_call())["status"] == "issued"
    enabled = banks.enable_card(person, job_call("job-enable"))
    assert enabled["social_security_enabled"] and not enabled["bank_function_activated"]
    with pytest.raises(BusinessError) as twice:
        banks.enable_card(person, job_call())
    assert twice.value.code == "ALREADY_ENABLED"
    assert banks.activate_card(person, job_call())["bank_function_activated"]
    assert banks.report_loss(person, job_call())["status"] == "loss_temporary"
    assert banks.lift_loss(person, job_call())["status"] == "issued"
    assert banks.report_loss({**person, "kind": "formal"}, job_call())["status"] == "loss_formal"
    replaced = banks.replace_card({**person, "reason": "lost"}, job_call())
    assert replaced["replaced_card_id"] == applied["card_id"] and replaced["status"] == "accepted"
    with pytest.raises(BusinessError) as too_late:
        banks.lift_loss(person, job_call())
    assert too_late.value.code == "REPLACEMENT_ALREADY_APPLIED"
    cancelled = banks.cancel_card({**person, "reason": "emigration"}, job_call())
    assert (cancelled["card_id"], cancelled["status"]) == (replaced["card_id"], "cancelled")
    with pytest.raises(BusinessError) as gone:
        banks.card_status(person, job_call())
    assert gone.value.code == "CARD_NOT_FOUND"
    effects = [e["effect"] for e in sandbox.admin["icbc"].ledger()]
    assert effects == ["card.applied", "card.issued", "card.social_security_enabled", "card.bank_function_activated",
                       "card.loss_reported", "card.loss_lifted", "card.loss_reported", "card.replaced", "card.cancelled"]


def test_cancelling_a_card_with_an_open_bank_account_waits_for_the_account_to_close(sandbox: RunningSandbox, banks: BankConnector) -> None:
    resident_id = make_resident_id(sequence=41)
    seed_card(sandbox, "ccb", resident_id, bank_function_activated=True)
    person = {"resident_id": resident_id, "reason": "duplicate"}
    with pytest.raises(BusinessError) as refused:
        banks.cancel_card(person, job_call("job-cancel"))
    assert refused.value.code == "BANK_ACCOUNT_OPEN"
    result = banks.cancel_card({**person, "bank_account_closed": True}, job_call("job-cancel"))
    assert (result["bank"], result["status"]) == ("ccb", "cancelled")
    assert [e["idempotency_key"] for e in sandbox.admin["ccb"].ledger(effect="card.cancelled")] == ["job-cancel"]


def test_card_operations_find_the_bank_themselves_and_only_that_bank_acts(sandbox: RunningSandbox, banks: BankConnector) -> None:
    resident_id = make_resident_id(sequence=43)
    seed_card(sandbox, "boc", resident_id, social_security_enabled=False)
    result = banks.enable_card({"resident_id": resident_id}, job_call())
    assert (result["bank"], result["social_security_enabled"]) == ("boc", True)
    assert sandbox.admin["icbc"].ledger() == [] and sandbox.admin["ccb"].ledger() == []


def test_card_status_of_someone_without_a_card_is_card_not_found(banks: BankConnector) -> None:
    with pytest.raises(BusinessError) as refused:
        banks.card_status({"resident_id": make_resident_id(sequence=45), "bank": "icbc"}, job_call())
    assert refused.value.code == "CARD_NOT_FOUND"
