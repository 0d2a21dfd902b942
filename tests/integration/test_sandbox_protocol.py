"""The adapter API's shared protocol, spoken by every sandbox service over real HTTP: signatures,
idempotency keys, error answers, fault injection."""

from __future__ import annotations

import time
from datetime import date

import pytest

from sandbox.admin import AdminError
from sandbox.testing import RunningSandbox, make_resident_id
from tests.sandbox_fixtures import removal_body, seed_employee, signed_request

pytest_plugins = ["tests.plugins.sandbox"]


@pytest.fixture
def employee(sandbox: RunningSandbox) -> str:
    sandbox.set_date(date(2025, 3, 10))
    return seed_employee(sandbox)


def test_a_request_without_signature_headers_is_refused(sandbox: RunningSandbox) -> None:
    import requests

    response = requests.post(sandbox.urls["bureau"] + "/v1/removals", json={}, timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "SIGNATURE_MISSING"


def test_a_request_signed_with_the_wrong_secret_is_refused_and_changes_nothing(sandbox: RunningSandbox, employee: str) -> None:
    response = signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(employee), key="k1", secret="wrong")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "SIGNATURE_INVALID"
    assert sandbox.admin["bureau"].ledger() == []


def test_a_stale_timestamp_is_refused(sandbox: RunningSandbox, employee: str) -> None:
    response = signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(employee), key="k1",
                              timestamp=time.time() - 3600)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "SIGNATURE_EXPIRED"


def test_a_signature_does_not_cover_another_idempotency_key(sandbox: RunningSandbox, employee: str) -> None:
    import requests

    from connectors.signing import signed_headers

    adapters = sandbox.servers.adapters()["bureau"]
    import json

    data = json.dumps(removal_body(employee)).encode()
    headers = signed_headers(adapters["app_key"], adapters["secret"], "POST", "/v1/removals", data, "key-a")
    headers["Idempotency-Key"] = "key-b"
    headers["Content-Type"] = "application/json"
    response = requests.post(adapters["url"] + "/v1/removals", data=data, headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "SIGNATURE_INVALID"


def test_a_business_effect_needs_an_idempotency_key(sandbox: RunningSandbox, employee: str) -> None:
    response = signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(employee))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "IDEMPOTENCY_KEY_REQUIRED"
    assert sandbox.admin["bureau"].ledger() == []


def test_a_repeat_after_success_returns_the_first_answer_with_no_second_effect(sandbox: RunningSandbox, employee: str) -> None:
    first = signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(employee), key="job-7")
    again = signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(employee), key="job-7")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    ledger = sandbox.admin["bureau"].ledger()
    assert [(e["effect"], e["idempotency_key"]) for e in ledger] == [("removal.accepted", "job-7")]


def test_concurrent_repeats_of_one_key_make_one_effect_and_get_one_answer(sandbox: RunningSandbox, employee: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(
            lambda _: signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(employee), key="job-9"),
            range(6),
        ))
    assert {a.status_code for a in answers} == {201}
    assert len({a.text for a in answers}) == 1
    assert len(sandbox.admin["bureau"].ledger()) == 1
    assert sum(1 for a in answers if "Idempotent-Replayed" in a.headers) == 5


def test_a_new_key_for_the_same_removal_is_a_second_request_and_is_refused(sandbox: RunningSandbox, employee: str) -> None:
    signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(employee), key="job-1")
    response = signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(employee), key="job-2")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "ALREADY_STOPPED"


def test_reusing_a_key_for_a_different_request_is_refused(sandbox: RunningSandbox, employee: str) -> None:
    signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(employee), key="job-1")
    other = removal_body(employee, separation_date="2025-02-28")
    response = signed_request(sandbox, "bureau", "POST", "/v1/removals", other, key="job-1")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_a_refusal_is_not_stored_so_the_same_key_succeeds_once_the_cause_is_gone(sandbox: RunningSandbox) -> None:
    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox, arrears=[{"period": "2025-01", "amount": 3456.5}])
    refused = signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(resident_id), key="job-1")
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "ARREARS"
    assert error["details"]["months"] == ["2025-01"]
    assert error["details"]["amount"] == 3456.5
    assert "欠费" in error["message"]
    sandbox.admin["bureau"].set_arrears("91110108551385082Q", "110000", [])
    accepted = signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(resident_id), key="job-1")
    assert accepted.status_code == 201
    assert len(sandbox.admin["bureau"].ledger(effect="removal.accepted")) == 1


def test_errors_come_in_chinese_by_default_and_in_english_on_request(sandbox: RunningSandbox, employee: str) -> None:
    sandbox.set_date(date(2025, 3, 25))
    zh = signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(employee), key="a")
    en = signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(employee), key="b", lang="en")
    assert zh.json()["error"]["code"] == en.json()["error"]["code"] == "OUTSIDE_FILING_WINDOW"
    assert "申报期" in zh.json()["error"]["message"]
    assert "filing window" in en.json()["error"]["message"]


def test_an_invalid_resident_id_is_refused_with_the_reason(sandbox: RunningSandbox) -> None:
    bad = make_resident_id()[:-1] + ("0" if make_resident_id()[-1] != "0" else "1")
    response = signed_request(sandbox, "bureau", "POST", "/v1/contributions/query", {"resident_id": bad})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_RESIDENT_ID"
    assert response.json()["error"]["details"]["reason"] == "check_character"


def test_missing_fields_are_listed_one_by_one(sandbox: RunningSandbox) -> None:
    response = signed_request(sandbox, "bureau", "POST", "/v1/enrolments", {"region": "11"}, key="k")
    error = response.json()["error"]
    assert response.status_code == 400
    assert error["code"] == "INVALID_REQUEST"
    fields = {e["field"] for e in error["details"]["errors"]}
    assert {"employer_credit_code", "region", "name", "employment_start_date", "contribution_base"} <= fields


def test_an_oversized_body_is_refused_and_changes_nothing(sandbox: RunningSandbox) -> None:
    body = {"resident_id": make_resident_id(), "name": "张三", "region": "110000", "photo_jpeg_base64": "A" * (6 * 1024 * 1024)}
    response = signed_request(sandbox, "icbc", "POST", "/v1/applications", body, key="big")
    assert response.status_code == 413
    assert sandbox.admin["icbc"].ledger() == []


def test_injected_errors_answer_5xx_before_anything_happens(sandbox: RunningSandbox, employee: str) -> None:
    sandbox.admin["bureau"].set_faults(error_rate=1.0, error_statuses=[503], seed=1)
    response = signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(employee), key="job-1")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert sandbox.admin["bureau"].ledger() == []
    assert [r["fault"] for r in sandbox.admin["bureau"].requests()] == ["error"]


def test_a_malformed_answer_hides_an_effect_that_did_happen(sandbox: RunningSandbox, employee: str) -> None:
    sandbox.admin["bureau"].set_faults(malformed_rate=1.0, seed=1)
    response = signed_request(sandbox, "bureau", "POST", "/v1/removals", removal_body(employee), key="job-1")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    assert len(sandbox.admin["bureau"].ledger()) == 1


def test_faults_follow_their_seed(sandbox: RunningSandbox) -> None:
    def statuses() -> list[int]:
        sandbox.admin["icbc"].set_faults(error_rate=0.5, error_statuses=[500], seed=42)
        return [
            signed_request(sandbox, "icbc", "POST", "/v1/cards/query", {"resident_id": make_resident_id()}).status_code
            for _ in range(12)
        ]

    first, second = statuses(), statuses()
    assert first == second
    assert {200, 500} == set(first)


def test_fault_settings_out_of_range_are_refused(sandbox: RunningSandbox) -> None:
    with pytest.raises(AdminError) as refused:
        sandbox.admin["ccb"].set_faults(error_rate=1.5)
    assert refused.value.status == 400
    with pytest.raises(AdminError):
        sandbox.admin["ccb"].set_faults(eror_rate=0.5)
    assert sandbox.admin["ccb"].set_faults()["error_rate"] == 0.0


def test_admin_calls_need_the_signature_too(sandbox: RunningSandbox) -> None:
    import requests

    response = requests.get(sandbox.urls["bureau"] + "/admin/ledger", timeout=10)
    assert response.status_code == 401


def test_each_service_answers_its_health_check(sandbox: RunningSandbox) -> None:
    import requests

    kinds = {code: requests.get(url + "/healthz", timeout=10).json()["kind"] for code, url in sandbox.urls.items()}
    assert kinds == {"bureau": "bureau", "icbc": "bank", "ccb": "bank", "boc": "bank"}
