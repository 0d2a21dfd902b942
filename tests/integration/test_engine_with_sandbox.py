"""Service tasks through the engine's job executor against the sandbox bureau over real HTTP:
business errors reach BPMN error boundaries, technical failures are retried by the engine, and each
job's business effect appears once in the bureau's ledger."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from connectors.registry import register_connectors
from engine.db.models import InstanceStatus
from engine.operators import OperatorRegistry
from engine.tasks import InboxFilter
from sandbox.testing import RunningSandbox
from tests.sandbox_fixtures import EMPLOYER, seed_employee
from tests.support.engines import bpmn, make_engine

pytest_plugins = ["tests.plugins.sandbox"]


@pytest.fixture
def engine(engine_env, sandbox: RunningSandbox):
    registry = OperatorRegistry()
    register_connectors(registry, sandbox.connector_config(read_timeout=1.0))
    eng = make_engine({**engine_env, "SHEBAO_JOB_BACKOFF_SECONDS": "60"}, registry)
    eng.deploy(bpmn("stop_contribution.bpmn"))
    yield eng
    eng.dispose()


def start_case(engine, resident_id):
    return engine.start(
        "stop_test",
        {"employer": EMPLOYER, "region": "110000", "resident_id": resident_id, "separation_date": "2025-03-05"},
    )


def open_elements(engine, iid):
    return [t.element_id for t in engine.tasks.list(InboxFilter(instance_id=iid))]


def removals(sandbox):
    return sandbox.admin["bureau"].ledger(effect="removal.accepted")


def test_arrears_take_the_boundary_and_the_removal_succeeds_once_they_are_cleared(engine, sandbox):
    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox, arrears=[{"period": "2025-02", "amount": 5120.0}])
    iid = start_case(engine, resident_id)

    engine.run_jobs()
    assert open_elements(engine, iid) == ["clear_arrears"]
    assert removals(sandbox) == []

    sandbox.admin["bureau"].set_arrears(EMPLOYER, "110000", [])
    engine.complete_task(engine.tasks.list(InboxFilter(instance_id=iid))[0].id, {}, "hr")
    engine.run_jobs()
    assert open_elements(engine, iid) == ["confirm"]
    assert engine.instances.data(iid)["removal"]["status"] == "accepted"
    assert len(removals(sandbox)) == 1


def test_server_errors_are_retried_by_the_engine_and_the_effect_appears_once(engine, sandbox):
    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox)
    sandbox.admin["bureau"].set_faults(error_rate=1.0)
    iid = start_case(engine, resident_id)
    engine.run_jobs()
    engine.clock.advance(timedelta(minutes=10))
    engine.run_jobs()
    assert open_elements(engine, iid) == []  # still retrying

    sandbox.admin["bureau"].set_faults()
    engine.clock.advance(timedelta(minutes=10))
    engine.run_jobs()
    assert open_elements(engine, iid) == ["confirm"]
    with engine.db.reading() as uow:
        retries = [h for h in engine.history.read(uow.session, iid) if h.event == "job_retry_scheduled"]
    assert len(retries) == 2
    assert len(removals(sandbox)) == 1


def test_a_bureau_that_keeps_timing_out_leads_to_the_service_unavailable_boundary(engine, sandbox):
    sandbox.set_date(date(2025, 3, 10))
    resident_id = seed_employee(sandbox)
    sandbox.admin["bureau"].set_faults(timeout_rate=1.0, stall_seconds=3.0)
    iid = start_case(engine, resident_id)
    for _ in range(engine.settings.default_retries + 1):
        engine.run_jobs()
        engine.clock.advance(timedelta(minutes=30))
    sandbox.admin["bureau"].set_faults()
    assert open_elements(engine, iid) == ["handle_outage"]
    assert engine.instances.get(iid).status == InstanceStatus.RUNNING
