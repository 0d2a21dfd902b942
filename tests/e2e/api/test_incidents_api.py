"""Incidents of failed service calls through /api/v1/incidents (admin only)."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.apiclient import error_code
from tests.support.engines import bpmn


def test_an_admin_lists_an_incident_with_its_error_masked_and_retries_it(world, operator_switch):
    world.engine.deploy(bpmn("pay_only.bpmn"))
    operator_switch["fail"] = True
    iid = world.engine.start("pay_only", {"amount": 3})
    for _ in range(6):
        world.engine.run_jobs()
        world.engine.clock.advance(timedelta(minutes=5))
    page = world["admin"].json("GET", "/incidents")
    assert page["total"] == 1 and page["items"][0]["instance_id"] == iid
    error = page["items"][0]["error"]
    assert "connection refused" in error and "6222021234567890128" not in error and "6222 **** **** 0128" in error
    incident_id = page["items"][0]["id"]
    for role in ("employee", "hr", "hr_lead", "designer"):
        assert error_code(world[role].get("/incidents", 403)) == "ROLE_REQUIRED"
        assert error_code(world[role].post(f"/incidents/{incident_id}/retry", 403)) == "ROLE_REQUIRED"
    operator_switch["fail"] = False
    assert world["admin"].json("POST", f"/incidents/{incident_id}/retry", 202) == {"id": incident_id, "status": "retrying"}
    world.engine.run_jobs()
    assert world["admin"].json("GET", f"/instances/{iid}")["status"] == "completed"
    assert error_code(world["admin"].post(f"/incidents/{incident_id}/retry", 404)) == "INCIDENT_NOT_FOUND"
    assert world["admin"].json("GET", "/incidents")["total"] == 0
