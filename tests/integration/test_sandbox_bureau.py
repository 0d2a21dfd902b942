"""Sandbox bureau behaviour seen from outside: signed callbacks for transfer stages (delivered in order,
retried with backoff, bounded), the certificate document, regions without their own rules."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from connectors.bureau import BureauConnector
from connectors.signing import HEADER_MESSAGE_ID, verify
from engine.clock import MovableClock
from sandbox.testing import CallbackReceiver, RunningSandbox, start_sandbox
from tests.sandbox_fixtures import (
    NEW_EMPLOYER,
    NEW_EMPLOYER_NAME,
    job_call,
    removal_body,
    removal_params,
    seed_employee,
    signed_request,
)

pytest_plugins = ["tests.plugins.sandbox"]


@pytest.fixture
def bureau(sandbox: RunningSandbox) -> Iterator[BureauConnector]:
    connector = BureauConnector(sandbox.connector_config())
    yield connector
    connector.close()


def transfer_ready(sandbox: RunningSandbox, bureau: BureauConnector) -> str:
    """Someone who left Beijing and joined a Shanghai employer; returns the application id."""
    sandbox.set_date(date(2025, 9, 15))
    resident_id = seed_employee(sandbox, start="2018-03-01")
    bureau.stop_contribution(removal_params(resident_id, separation_date="2025-09-12"), job_call())
    sandbox.admin["bureau"].seed({"employers": [{"credit_code": NEW_EMPLOYER, "region": "310000", "name": NEW_EMPLOYER_NAME}]})
    bureau.enrol({"employer_credit_code": NEW_EMPLOYER, "region": "310000", "resident_id": resident_id, "name": "张三",
                  "employment_start_date": "2025-09-15", "contribution_base": 15000}, job_call())
    sandbox.set_date(date(2025, 9, 26))
    applied = bureau.apply_transfer({"kind": "pension", "resident_id": resident_id, "name": "张三",
                                     "from_region": "110000", "to_region": "310000", "reference": "case-7"}, job_call())
    return str(applied["application_id"])


def wait_until(probe: Callable[[], list[Any]], timeout: float = 15.0) -> list[Any]:
    """Poll ``probe`` until it returns a non-empty list (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.05)
    raise TimeoutError(f"nothing within {timeout} s")


def test_each_transfer_stage_is_announced_by_a_signed_callback_in_order(
    sandbox: RunningSandbox, bureau: BureauConnector, callback_receiver: CallbackReceiver
) -> None:
    sandbox.admin["bureau"].set_callback_url(callback_receiver.url)
    application_id = transfer_ready(sandbox, bureau)
    sandbox.set_date(date(2025, 11, 3))
    sandbox.admin["bureau"].tick()
    received = callback_receiver.wait_for(3)
    bodies = [r["json"] for r in received]
    assert [b["message"] for b in bodies] == [
        "transfer.pension.accepted", "transfer.pension.info_sheet_issued", "transfer.pension.completed"]
    assert [b["occurred_on"] for b in bodies] == ["2025-10-10", "2025-10-21", "2025-10-28"]
    assert all(b["correlation"] == {"instance_id": "instance-1"} for b in bodies)
    assert all((b["payload"]["application_id"], b["payload"]["reference"]) == (application_id, "case-7") for b in bodies)
    assert bodies[1]["payload"]["funds"]["pooled_fund"] > 0
    secret = sandbox.servers.adapters()["callback"]["secret"]
    for item in received:
        assert item["headers"][HEADER_MESSAGE_ID] == item["json"]["message_id"]
        assert verify({"bureau": secret}, "POST", "/api/v1/messages", item["headers"], item["body"]) == "bureau"
        assert "110105" not in item["body"].decode() or "********" in item["body"].decode()
    assert len({b["message_id"] for b in bodies}) == 3


def test_a_failed_callback_is_retried_until_it_is_delivered(
    sandbox: RunningSandbox, bureau: BureauConnector, callback_receiver: CallbackReceiver
) -> None:
    sandbox.admin["bureau"].set_callback_url(callback_receiver.url)
    application_id = transfer_ready(sandbox, bureau)
    callback_receiver.fail_next(2)
    sandbox.set_date(date(2025, 10, 10))
    received = callback_receiver.wait_for(1, timeout=20)
    assert received[0]["json"]["message"] == "transfer.pension.accepted"
    # the receiver records a callback just before the sandbox hears its answer
    state = wait_until(lambda: [c for c in sandbox.admin["bureau"].callbacks() if c["status"] != "pending"])
    assert [(c["message"], c["status"], c["attempts"]) for c in state] == [("transfer.pension.accepted", "delivered", 3)]
    assert state[0]["body"]["payload"]["application_id"] == application_id


def test_callback_retries_are_bounded(tmp_path: Path) -> None:
    receiver = CallbackReceiver()
    clock = MovableClock(tmp_path / "clock.json")
    running = start_sandbox(tmp_path / "data", clock, callback_url=receiver.url, callback_max_attempts=2,
                            callback_backoff_seconds=0.05, tick_seconds=0.05)
    try:
        receiver.fail_next(10)
        bureau = BureauConnector(running.connector_config())
        transfer_ready(running, bureau)
        bureau.close()
        running.set_date(date(2025, 10, 10))
        for _ in range(4):
            running.admin["bureau"].tick()
        callback = wait_until(lambda: [c for c in running.admin["bureau"].callbacks() if c["status"] != "pending"])[0]
        assert (callback["status"], callback["attempts"], callback["last_error"]) == ("failed", 2, "HTTP 503")
        assert receiver.received == []
    finally:
        running.stop()
        receiver.stop()


def test_transfer_status_queries_advance_stages_without_waiting_for_the_tick(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    application_id = transfer_ready(sandbox, bureau)
    sandbox.set_date(date(2025, 10, 21))
    response = signed_request(sandbox, "bureau", "GET", f"/v1/transfers/{application_id}")
    assert response.json()["stage"] == "info_sheet_issued"
    assert response.json()["next_stage"] == {"stage": "completed", "deadline": "2025-11-11"}


def test_the_certificate_is_an_a4_page_with_a_red_seal_that_ocr_can_read(sandbox: RunningSandbox) -> None:
    import pytesseract

    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox, start="2019-07-01", name="王小明")
    signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(resident_id), key="r1")
    response = signed_request(sandbox, "bureau", "POST", "/v1/certificates",
                              {"resident_id": resident_id, "region": "110000", "format": "png"}, key="c1")
    assert response.status_code == 201
    image = Image.open(io.BytesIO(base64.b64decode(response.json()["document"]["data_base64"]))).convert("RGB")
    assert image.size == (1240, 1754)
    red = sum(1 for r, g, b in image.getdata() if r > 150 and g < 90 and b < 90)
    assert red > 5000
    text = pytesseract.image_to_string(image, lang="chi_sim+eng").replace(" ", "")
    assert "参保缴费" in text
    assert resident_id in text
    assert "缴费起始年月" in text


def test_a_region_without_its_own_rules_uses_the_default_filing_window(sandbox: RunningSandbox) -> None:
    sandbox.set_date(date(2025, 3, 21))
    resident_id = seed_employee(sandbox, region="650100")
    response = signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(resident_id, region="650100"), key="k")
    error = response.json()["error"]
    assert (error["code"], error["details"]["window_end_day"], error["details"]["next_window_opens"]) == (
        "OUTSIDE_FILING_WINDOW", 20, "2025-04-01")


def test_bad_seed_data_is_refused_and_changes_nothing(sandbox: RunningSandbox) -> None:
    from sandbox.admin import AdminError

    with pytest.raises(AdminError) as refused:
        sandbox.admin["bureau"].seed({"employers": [{"credit_code": "91110108551385082Q", "region": "110000", "name": "甲"},
                                                    {"credit_code": "bad", "region": "110000", "name": "乙"}]})
    assert refused.value.status == 400
    assert refused.value.error["details"]["errors"][0]["field"] == "employers[1].credit_code"
    response = signed_request(sandbox, "bureau", "POST", "/v1/enrolments",
                              {"employer_credit_code": "91110108551385082Q", "region": "110000",
                               "resident_id": "11010519491231002X", "name": "丙",
                               "employment_start_date": "2025-03-01", "contribution_base": 10000}, key="e1")
    assert response.json()["error"]["code"] == "EMPLOYER_NOT_REGISTERED", response.json()
