"""A full case through the HTTP API (waitress, as `shebao serve` runs it): no unmasked resident ID
or bank card number may appear in any API response body or any log line, at DEBUG level."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from openapi_core.contrib.requests import RequestsOpenAPIResponse
from openapi_core.testing import MockRequest

from tests.e2e.browser.live import LiveServer
from tests.e2e.conftest import CITY, EMPLOYER, World

RESIDENT_ID = "11010519491231002X"
CARD = "6222021234567890128"
UNMASKED_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
UNMASKED_CARD = re.compile(r"(?<![0-9A-Za-z])\d{16,19}(?![0-9A-Za-z])")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def leaks(text: str) -> list[str]:
    """Unmasked resident IDs and card numbers in ``text``."""
    return UNMASKED_RESIDENT_ID.findall(text) + UNMASKED_CARD.findall(text)


def test_the_scan_itself_finds_unmasked_and_passes_masked_numbers():
    assert leaks(f"id {RESIDENT_ID} card {CARD}") == [RESIDENT_ID, CARD]
    assert leaks("id 110105********002X card 6222 **** **** 0128 sha 0123456789abcdef0123456789012345678") == []


@pytest.fixture
def served(world: World) -> Iterator[str]:
    """The app served by waitress on a free port, as `shebao serve` does."""
    server = LiveServer(world.app, threads=2).start()
    yield server.url
    server.stop()


class Http:
    """Calls the served API as one user, validating each response and keeping each body."""

    def __init__(self, base: str, world: World, role: str, bodies: list[str]) -> None:
        self.base, self.world, self.bodies = base, world, bodies
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["Authorization"] = f"Bearer {world[role].token}"

    def __call__(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> requests.Response:
        response = self.session.request(method, self.base + "/api/v1" + path, timeout=30, **kwargs)
        if response.headers.get("Content-Type", "").startswith(("application/json", "text/")):
            self.bodies.append(response.text)
        probe = MockRequest("http://localhost", method.lower(), "/api/v1" + path.split("?")[0])
        self.world.checker.spec.validate_response(probe, RequestsOpenAPIResponse(response))
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text[:300]}"
        return response


def test_a_full_case_leaks_no_resident_id_or_card_number(world, served, caplog):
    caplog.set_level(logging.DEBUG)
    bodies: list[str] = []
    world.deploy_case()
    employee, hr, lead, admin = (Http(served, world, r, bodies) for r in ("employee", "hr", "hr_lead", "admin"))

    start = {"process_id": "api_case", "subject_person": "person-1", "employer": EMPLOYER, "city": CITY, "business_key": "scan-1",
             "data": {"person": {"name": "张三", "resident_id": RESIDENT_ID}, "note": f"card {CARD}"}}
    iid = admin("POST", "/instances", 201, json=start).json()["id"]
    task = employee("GET", "/tasks").json()["items"][0]
    # a wrong check character first: the error names fields and codes, never the value
    wrong = RESIDENT_ID[:-1] + "1"
    employee("POST", f"/tasks/{task['id']}/complete", 400, json={"data": {"name": "张三", "resident_id": wrong, "bank_card": CARD}})
    upload = employee("POST", "/files", 201, files={"file": (f"{RESIDENT_ID}.png", io.BytesIO(PNG), "image/png")}, data={"task_id": task["id"]}).json()
    data = {"name": "张三", "resident_id": RESIDENT_ID, "bank_card": CARD, "id_card": upload["ref"]}
    employee("POST", f"/tasks/{task['id']}/complete", json={"data": data})
    employee("GET", f"/instances/{iid}")
    review = hr("GET", "/tasks?risk_flag=GAP_FORECAST").json()["items"][0]
    hr("GET", f"/tasks/{review['id']}")
    hr("POST", f"/tasks/{review['id']}/claim")
    hr("GET", f"/instances/{iid}")
    hr("GET", f"/instances/{iid}/files")
    hr("GET", f"/files/{upload['id']}")
    hr("GET", f"/files/{upload['id']}/content")
    hr("POST", f"/tasks/{review['id']}/complete", json={"data": {"approved": True, "note": f"核对身份证 {RESIDENT_ID}"}})
    approve = lead("GET", "/tasks").json()["items"][0]
    lead("POST", f"/tasks/{approve['id']}/complete", json={})
    final = admin("GET", f"/instances/{iid}").json()
    admin("GET", "/instances?business_key=scan-1")
    admin("GET", "/incidents")
    assert final["status"] == "completed"
    assert final["data"]["resident_id"] == "110105********002X"

    found = []
    for body in bodies:
        found += [("response", hit) for hit in leaks(body)]
    for record in caplog.records:
        text = record.getMessage() + (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
        found += [(f"log {record.name}", hit) for hit in leaks(text)]
    assert not found, found
