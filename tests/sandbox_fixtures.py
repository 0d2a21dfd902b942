"""Helpers for tests against the sandbox: seed an employer and an employee, make operator calls,
send hand-signed requests."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import requests

from connectors.signing import signed_headers
from engine.operators import OperatorCall
from sandbox.testing import RunningSandbox, make_resident_id

EMPLOYER = "91110108551385082Q"
EMPLOYER_NAME = "北京示例科技有限公司"
NEW_EMPLOYER = "91310115MA1H7XYQ3K"
NEW_EMPLOYER_NAME = "上海新东家信息技术有限公司"


def seed_employee(
    sandbox: RunningSandbox,
    *,
    region: str = "110000",
    credit_code: str = EMPLOYER,
    employer_name: str = EMPLOYER_NAME,
    start: str = "2020-01-15",
    base: float = 12000,
    resident_id: str | None = None,
    name: str = "张三",
    arrears: list[dict[str, Any]] | None = None,
) -> str:
    """Register an employer in ``region`` and an employee contributing there since ``start``; returns the ID."""
    resident_id = resident_id or make_resident_id(sequence=int(uuid.uuid4().int % 500) * 2 + 1)
    employer: dict[str, Any] = {"credit_code": credit_code, "region": region, "name": employer_name}
    if arrears is not None:
        employer["arrears"] = arrears
    sandbox.admin["bureau"].seed(
        {
            "employers": [employer],
            "persons": [
                {
                    "resident_id": resident_id,
                    "name": name,
                    "employments": [{"credit_code": credit_code, "region": region, "start_date": start, "base": base}],
                }
            ],
        }
    )
    return resident_id


def job_call(key: str | None = None, *, attempt: int = 1, save_attachment: Any = None, read_attachment: Any = None,
             business_key: str | None = None) -> OperatorCall:
    """The call an engine job would make: one idempotency key for every retry of one logical call."""
    return OperatorCall(
        idempotency_key=key or f"job-{uuid.uuid4()}",
        instance_id="instance-1",
        element_id="service_task",
        attempt=attempt,
        now=datetime.now(UTC),
        business_key=business_key,
        save_attachment=save_attachment,
        read_attachment=read_attachment,
    )


def signed_request(
    sandbox: RunningSandbox,
    service: str,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    secret: str | None = None,
    timestamp: float | None = None,
    lang: str | None = None,
) -> requests.Response:
    """A request signed like the connectors sign them (optionally with a wrong secret or an old timestamp)."""
    adapters = sandbox.servers.adapters()
    creds = adapters["bureau"] if service == "bureau" else adapters["banks"][service]
    data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = signed_headers(creds["app_key"], secret or creds["secret"], method, path, data, key, now=timestamp)
    if body is not None:
        headers["Content-Type"] = "application/json"
    if lang:
        headers["Accept-Language"] = lang
    with requests.Session() as session:
        session.trust_env = False
        return session.request(method, creds["url"] + path, data=data or None, headers=headers, timeout=10)


def removal_body(resident_id: str, *, region: str = "110000", separation_date: str = "2025-03-01") -> dict[str, Any]:
    """The JSON body of a removal request."""
    return {"employer_credit_code": EMPLOYER, "region": region, "resident_id": resident_id,
            "separation_date": separation_date}


def removal_params(resident_id: str, *, region: str = "110000", separation_date: str | date = "2025-03-01") -> dict[str, Any]:
    """The parameters of a bureau.stop_contribution service task."""
    return {"employer_credit_code": EMPLOYER, "region": region, "resident_id": resident_id,
            "separation_date": separation_date}
