"""The bureau.* operators against the sandbox bureau over real HTTP: results, business errors as BPMN
error codes, technical failures for the engine to retry, one business effect per job."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from connectors.bureau import BureauConnector
from engine.blobs import LocalBlobStore
from engine.errors import BusinessError, TechnicalError
from sandbox.testing import RunningSandbox, make_resident_id
from tests.sandbox_fixtures import (
    EMPLOYER,
    NEW_EMPLOYER,
    NEW_EMPLOYER_NAME,
    job_call,
    removal_params,
    seed_employee,
)

pytest_plugins = ["tests.plugins.sandbox"]


@pytest.fixture
def bureau(sandbox: RunningSandbox) -> Iterator[BureauConnector]:
    connector = BureauConnector(sandbox.connector_config(read_timeout=1.0))
    yield connector
    connector.close()


def removals(sandbox: RunningSandbox) -> list[dict]:
    return sandbox.admin["bureau"].ledger(effect="removal.accepted")


# -- stop contribution ----------------------------------------------------------------------------


def test_stop_contribution_files_the_removal_once_however_often_the_job_repeats(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox)
    call = job_call("job-stop-1")
    results = [bureau.stop_contribution(removal_params(resident_id), call) for _ in range(3)]
    assert results[0] == results[1] == results[2]
    assert results[0]["effective_month"] == "2025-04"  # Beijing (sandbox data): removal effective next month
    assert results[0]["last_contribution_month"] == "2025-03"
    assert [e["idempotency_key"] for e in removals(sandbox)] == ["job-stop-1"]


def test_a_removal_in_a_same_month_region_stops_the_filing_month(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox, region="310000")
    result = bureau.stop_contribution(removal_params(resident_id, region="310000"), job_call())
    assert result["effective_month"] == "2025-03"


def test_arrears_stop_the_removal_and_a_retry_succeeds_once_they_are_paid(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox, arrears=[{"period": "2025-01", "amount": 5120.0}, {"period": "2025-02", "amount": 5120.0}])
    call = job_call("job-arrears")
    with pytest.raises(BusinessError) as refused:
        bureau.stop_contribution(removal_params(resident_id), call)
    assert refused.value.code == "ARREARS"
    assert refused.value.details["months"] == ["2025-01", "2025-02"]
    assert refused.value.details["amount"] == 10240.0
    assert "欠费" in refused.value.details["service_message"]
    assert removals(sandbox) == []
    sandbox.admin["bureau"].set_arrears(EMPLOYER, "110000", [])
    result = bureau.stop_contribution(removal_params(resident_id), call)
    assert result["status"] == "accepted"
    assert [e["idempotency_key"] for e in removals(sandbox)] == ["job-arrears"]


def test_a_removal_outside_the_filing_window_says_when_the_next_one_opens(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    sandbox.set_date(date(2025, 3, 3))
    resident_id = seed_employee(sandbox, region="320500")  # Suzhou (sandbox data): days 5-25
    with pytest.raises(BusinessError) as refused:
        bureau.stop_contribution(removal_params(resident_id, region="320500", separation_date="2025-02-28"), job_call())
    assert refused.value.code == "OUTSIDE_FILING_WINDOW"
    assert refused.value.details["next_window_opens"] == "2025-03-05"
    assert (refused.value.details["window_start_day"], refused.value.details["window_end_day"]) == (5, 25)


def test_removing_someone_not_insured_with_the_employer_is_refused(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    sandbox.set_date(date(2025, 3, 10))
    seed_employee(sandbox)
    stranger = make_resident_id(sequence=998)
    with pytest.raises(BusinessError) as refused:
        bureau.stop_contribution(removal_params(stranger), job_call())
    assert refused.value.code == "NOT_INSURED"


def test_bad_parameters_are_refused_before_anything_is_sent(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    with pytest.raises(BusinessError) as refused:
        bureau.stop_contribution(
            {"employer_credit_code": "123", "region": "Beijing", "resident_id": "11010519491231002X", "separation_date": "soon"},
            job_call(),
        )
    assert refused.value.code == "INVALID_PARAMETERS"
    assert {e["parameter"] for e in refused.value.details["errors"]} == {"employer_credit_code", "region", "separation_date"}
    assert sandbox.admin["bureau"].requests() == []


# -- technical failures ---------------------------------------------------------------------------


def test_a_timeout_is_a_technical_error_and_the_engines_retry_gets_the_first_answer(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox)
    sandbox.admin["bureau"].set_faults(timeout_rate=1.0, stall_seconds=2.0, seed=3)
    call = job_call("job-timeout")
    with pytest.raises(TechnicalError) as failed:
        bureau.stop_contribution(removal_params(resident_id), call)
    assert failed.value.code == "ADAPTER_TIMEOUT"
    sandbox.admin["bureau"].set_faults()
    result = bureau.stop_contribution(removal_params(resident_id), job_call("job-timeout", attempt=2))
    assert result["status"] == "accepted"
    assert [e["idempotency_key"] for e in removals(sandbox)] == ["job-timeout"]
    assert sandbox.admin["bureau"].requests()[-1]["replayed"] is True


@pytest.mark.parametrize(("status", "code"), [(500, "ADAPTER_SERVER_ERROR"), (503, "ADAPTER_SERVER_ERROR"),
                                            (429, "ADAPTER_THROTTLED")])
def test_a_server_error_is_a_technical_error_with_no_effect(
    sandbox: RunningSandbox, bureau: BureauConnector, status: int, code: str
) -> None:
    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox)
    sandbox.admin["bureau"].set_faults(error_rate=1.0, error_statuses=[status], seed=5)
    with pytest.raises(TechnicalError) as failed:
        bureau.stop_contribution(removal_params(resident_id), job_call())
    assert failed.value.code == code
    assert removals(sandbox) == []
    # 503 and 429 are retried in the call (the connector's one quick retry); 500 is left to the engine
    assert len(sandbox.admin["bureau"].requests()) == (1 if status == 500 else 2)


def test_an_answer_slower_than_the_read_timeout_is_a_technical_error(sandbox: RunningSandbox) -> None:
    connector = BureauConnector(sandbox.connector_config(read_timeout=0.5, retries=0))
    sandbox.admin["bureau"].set_faults(latency_ms=1500, seed=1)
    with pytest.raises(TechnicalError) as failed:
        connector.contribution_history({"resident_id": make_resident_id()}, job_call())
    connector.close()
    assert failed.value.code == "ADAPTER_TIMEOUT"
    # let the slow request finish before the sandbox is reset for the next test
    deadline = time.monotonic() + 10
    while not sandbox.admin["bureau"].requests() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r["status"] for r in sandbox.admin["bureau"].requests()] == [404]  # answered, too late


def test_a_malformed_answer_is_a_technical_error(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox)
    sandbox.admin["bureau"].set_faults(malformed_rate=1.0, seed=9)
    with pytest.raises(TechnicalError) as failed:
        bureau.stop_contribution(removal_params(resident_id), job_call("job-m"))
    assert failed.value.code == "ADAPTER_MALFORMED_RESPONSE"
    assert len(removals(sandbox)) == 1


def test_a_wrong_secret_is_a_technical_error_naming_the_credentials(sandbox: RunningSandbox) -> None:
    from dataclasses import replace

    config = sandbox.connector_config()
    assert config.bureau is not None
    connector = BureauConnector(replace(config, bureau=replace(config.bureau, secret="not-the-secret")))
    with pytest.raises(TechnicalError) as failed:
        connector.contribution_history({"resident_id": make_resident_id()}, job_call())
    connector.close()
    assert failed.value.code == "ADAPTER_AUTH_FAILED"
    assert "secret" in str(failed.value)


def test_an_unreachable_bureau_is_a_technical_error(sandbox: RunningSandbox) -> None:
    import socket
    from dataclasses import replace

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = sandbox.connector_config()
    assert config.bureau is not None
    connector = BureauConnector(replace(config, bureau=replace(config.bureau, base_url=f"http://127.0.0.1:{port}")))
    with pytest.raises(TechnicalError) as failed:
        connector.contribution_history({"resident_id": make_resident_id()}, job_call())
    connector.close()
    assert failed.value.code == "ADAPTER_UNREACHABLE"


def test_an_unconfigured_bureau_is_a_technical_error_naming_the_variable() -> None:
    from connectors.config import ConnectorConfig

    with pytest.raises(TechnicalError) as failed:
        BureauConnector(ConnectorConfig()).contribution_history({"resident_id": make_resident_id()}, job_call())
    assert "SHEBAO_BUREAU_URL" in str(failed.value)


# -- enrolment ------------------------------------------------------------------------------------


def enrol_params(resident_id: str, start: str, **extra: object) -> dict:
    return {"employer_credit_code": NEW_EMPLOYER, "region": "310000", "resident_id": resident_id, "name": "张三",
            "employment_start_date": start, "contribution_base": 15000, **extra}


def register_new_employer(sandbox: RunningSandbox) -> None:
    sandbox.admin["bureau"].seed({"employers": [{"credit_code": NEW_EMPLOYER, "region": "310000", "name": NEW_EMPLOYER_NAME}]})


def test_enrolment_within_30_days_is_accepted(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    sandbox.set_date(date(2025, 3, 31))
    register_new_employer(sandbox)
    result = bureau.enrol(enrol_params(make_resident_id(sequence=11), "2025-03-01"), job_call())
    assert (result["status"], result["late"], result["deadline"]) == ("accepted", False, "2025-03-31")
    assert result["first_contribution_month"] == "2025-03"


def test_enrolment_after_30_days_is_late_unless_acknowledged(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    sandbox.set_date(date(2025, 4, 2))
    register_new_employer(sandbox)
    resident_id = make_resident_id(sequence=13)
    with pytest.raises(BusinessError) as refused:
        bureau.enrol(enrol_params(resident_id, "2025-03-01"), job_call("job-enrol"))
    assert refused.value.code == "LATE_ENROLMENT"
    assert (refused.value.details["deadline"], refused.value.details["days_late"]) == ("2025-03-31", 2)
    result = bureau.enrol(enrol_params(resident_id, "2025-03-01", late_acknowledged=True), job_call("job-enrol-2"))
    assert (result["late"], result["days_late"], result["back_pay_months"]) == (True, 2, 1)
    assert len(sandbox.admin["bureau"].ledger(effect="enrolment.accepted")) == 1


def test_enrolment_while_still_contributing_elsewhere_is_refused(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox)
    register_new_employer(sandbox)
    with pytest.raises(BusinessError) as refused:
        bureau.enrol(enrol_params(resident_id, "2025-03-05"), job_call())
    assert refused.value.code == "ACTIVE_ELSEWHERE"
    assert refused.value.details["region"] == "110000"
    bureau.stop_contribution(removal_params(resident_id), job_call())
    assert bureau.enrol(enrol_params(resident_id, "2025-03-05"), job_call())["status"] == "accepted"


def test_enrolment_with_an_unregistered_employer_is_refused(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    sandbox.set_date(date(2025, 3, 10))
    with pytest.raises(BusinessError) as refused:
        bureau.enrol(enrol_params(make_resident_id(), "2025-03-05"), job_call())
    assert refused.value.code == "EMPLOYER_NOT_REGISTERED"


# -- history and certificate ----------------------------------------------------------------------


def test_contribution_history_lists_paid_months_and_months_in_arrears(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox, start="2024-10-08", base=10000, arrears=[{"period": "2024-12", "amount": 2600}])
    result = bureau.contribution_history({"resident_id": resident_id}, job_call())
    assert [(p["period"], p["status"]) for p in result["periods"]] == [
        ("2024-10", "paid"), ("2024-11", "paid"), ("2024-12", "arrears"), ("2025-01", "paid"), ("2025-02", "paid"),
    ]
    summary = result["summary"]
    assert (summary["months_paid"], summary["months_in_arrears"], summary["last_paid_month"]) == (4, 1, "2025-02")
    assert summary["personal_account"] == 4 * 800.0
    assert result["resident_id_masked"].startswith("110105********")
    assert resident_id not in str(result)


def test_contribution_history_of_an_unknown_person_is_person_not_found(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    with pytest.raises(BusinessError) as refused:
        bureau.contribution_history({"resident_id": make_resident_id(sequence=777)}, job_call())
    assert refused.value.code == "PERSON_NOT_FOUND"


def test_the_certificate_waits_for_the_removal(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox)
    with pytest.raises(BusinessError) as refused:
        bureau.contribution_certificate({"resident_id": resident_id, "region": "110000"}, job_call())
    assert refused.value.code == "STILL_CONTRIBUTING"
    assert sandbox.admin["bureau"].ledger(effect="certificate.issued") == []


def test_the_certificate_is_saved_as_an_attachment_with_its_data(sandbox: RunningSandbox, bureau: BureauConnector, tmp_path: Path) -> None:
    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox, start="2019-07-01", base=12000)
    bureau.stop_contribution(removal_params(resident_id), job_call())
    store = LocalBlobStore(tmp_path / "blobs")
    saved: list[tuple[str, str]] = []

    def save(filename: str, content_type: str, data: bytes) -> str:
        key = store.put(data)
        saved.append((filename, content_type))
        return key

    result = bureau.contribution_certificate({"resident_id": resident_id, "region": "110000"}, job_call(save_attachment=save))
    assert (result["period_start"], result["period_end"], result["months_paid"]) == ("2019-07", "2025-02", 68)
    assert result["contribution_base"] == 12000.0
    assert result["agency"] == "北京市社会保险事业管理中心"
    assert saved == [(result["filename"], "application/pdf")]
    document = store.get(result["attachment_id"])
    assert document.startswith(b"%PDF") and len(document) == result["size"]
    assert "document" not in result


def test_the_certificate_without_an_attachment_store_still_returns_its_data(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox)
    bureau.stop_contribution(removal_params(resident_id), job_call())
    result = bureau.contribution_certificate({"resident_id": resident_id, "region": "110000", "format": "png"}, job_call())
    assert result["attachment_id"] is None
    assert result["content_type"] == "image/png"
    assert result["certificate_no"].startswith("PZ110000-20250310-")


# -- transfers ------------------------------------------------------------------------------------


def moved_employee(sandbox: RunningSandbox, bureau: BureauConnector, *, enrol_new: bool = True) -> str:
    """Someone who left a Beijing employer and (optionally) joined one in Shanghai."""
    sandbox.set_date(date(2025, 9, 15))
    resident_id = seed_employee(sandbox, start="2018-03-01", base=12000)
    bureau.stop_contribution(removal_params(resident_id, separation_date="2025-09-12"), job_call())
    if enrol_new:
        register_new_employer(sandbox)
        bureau.enrol(enrol_params(resident_id, "2025-09-15"), job_call())
    sandbox.set_date(date(2025, 9, 26))
    return resident_id


def transfer_params(resident_id: str) -> dict:
    return {"kind": "pension", "resident_id": resident_id, "name": "张三", "from_region": "110000", "to_region": "310000"}


def test_a_transfer_advances_through_the_stages_on_working_days(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    resident_id = moved_employee(sandbox, bureau)
    applied = bureau.apply_transfer(transfer_params(resident_id), job_call("job-transfer", business_key="case-42"))
    assert (applied["stage"], applied["reference"]) == ("submitted", "case-42")
    assert applied["next_stage"] == {"stage": "decision", "deadline": "2025-10-23"}  # 15 working days, over National Day
    status = {"application_id": applied["application_id"]}
    sandbox.set_date(date(2025, 10, 9))
    assert bureau.transfer_status(status, job_call())["stage"] == "submitted"
    sandbox.set_date(date(2025, 10, 10))
    accepted = bureau.transfer_status(status, job_call())
    assert accepted["stage"] == "accepted"
    assert accepted["stages"][-1]["document_no"].startswith("LXH310000")
    sandbox.set_date(date(2025, 12, 1))
    done = bureau.transfer_status(status, job_call())
    assert [(s["stage"], s["reached_on"]) for s in done["stages"]] == [
        ("submitted", "2025-09-26"), ("accepted", "2025-10-10"), ("info_sheet_issued", "2025-10-21"),
        ("completed", "2025-10-28"),
    ]
    assert done["funds"]["total"] == round(done["funds"]["personal_account"] + done["funds"]["pooled_fund"], 2)
    assert done["funds"]["months"] == 90
    effects = [e["effect"] for e in sandbox.admin["bureau"].ledger() if e["reference"] == applied["application_id"]]
    assert effects == ["transfer.applied", "transfer.accepted", "transfer.info_sheet_issued", "transfer.completed"]


def test_a_transfer_without_enrolment_at_the_new_place_is_refused(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    resident_id = moved_employee(sandbox, bureau, enrol_new=False)
    applied = bureau.apply_transfer(transfer_params(resident_id), job_call())
    sandbox.set_date(date(2025, 10, 15))
    with pytest.raises(BusinessError) as refused:
        bureau.transfer_status({"application_id": applied["application_id"]}, job_call())
    assert refused.value.code == "TRANSFER_REFUSED"
    assert refused.value.details["reason_code"] == "INCOMING_NOT_ENROLLED"
    assert refused.value.details["document_no"].startswith("BSL310000")
    quiet = bureau.transfer_status({"application_id": applied["application_id"], "fail_on_refusal": False}, job_call())
    assert quiet["refusal"]["reason_code"] == "INCOMING_NOT_ENROLLED"


def test_a_transfer_echoes_the_correlation_keys_its_callbacks_will_carry(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    resident_id = moved_employee(sandbox, bureau)
    default = bureau.apply_transfer(transfer_params(resident_id), job_call())
    assert default["correlation"] == {"instance_id": "instance-1"}
    medical = bureau.apply_transfer({**transfer_params(resident_id), "kind": "medical",
                                     "correlation": {"business_key": "case-42"}}, job_call())
    assert medical["correlation"] == {"business_key": "case-42"}
    with pytest.raises(BusinessError) as refused:
        bureau.apply_transfer({**transfer_params(resident_id), "correlation": "case-42"}, job_call())
    assert refused.value.code == "INVALID_PARAMETERS"


def test_a_second_open_transfer_of_the_same_kind_is_refused(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    resident_id = moved_employee(sandbox, bureau)
    first = bureau.apply_transfer(transfer_params(resident_id), job_call())
    with pytest.raises(BusinessError) as refused:
        bureau.apply_transfer(transfer_params(resident_id), job_call())
    assert refused.value.code == "TRANSFER_IN_PROGRESS"
    assert refused.value.details["application_id"] == first["application_id"]


def test_an_unknown_transfer_is_transfer_not_found(sandbox: RunningSandbox, bureau: BureauConnector) -> None:
    with pytest.raises(BusinessError) as refused:
        bureau.transfer_status({"application_id": "ZY20250101-DEADBEEF"}, job_call())
    assert refused.value.code == "TRANSFER_NOT_FOUND"
