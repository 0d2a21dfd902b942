"""A step that fails is an engine error naming the element; after a timer it becomes an incident."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.db.models import InstanceStatus, ProcessInstance
from engine.errors import StepFailed
from tests.support.engines import bpmn, make_engine


@pytest.fixture
def engine(engine_env):
    eng = make_engine(engine_env)
    eng.deploy(bpmn("late_failure.bpmn"))
    yield eng
    eng.dispose()


def test_a_start_whose_first_script_fails_is_refused_and_stores_nothing(engine):
    with pytest.raises(StepFailed) as caught:
        engine.start("late_failure", {"divisor": 0})
    assert caught.value.code == "STEP_FAILED"
    assert caught.value.params["element_id"] == "prepare"
    assert "division by zero" in str(caught.value)
    with engine.db.reading() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_a_script_failing_after_a_timer_retries_then_opens_one_incident_and_stops(engine):
    iid = engine.start("late_failure", {"divisor": 2})
    engine.clock.advance(timedelta(days=1, minutes=1))

    for _ in range(20):  # each pass runs what is due; backoff is short in tests
        engine.run_jobs()
        engine.clock.advance(timedelta(minutes=5))

    [incident] = engine.jobs.incidents()
    assert incident.instance_id == iid
    assert "STEP_FAILED" in incident.error or "compute" in incident.error
    row = engine.instances.get(iid)
    assert row.status == InstanceStatus.RUNNING
    assert engine.run_jobs() == 0


def test_a_failing_call_is_logged_and_kept_as_an_incident_with_personal_numbers_masked(engine_env, caplog):
    import logging

    from connectors.masking import scrub
    from engine.operators import OperatorRegistry, Parameter

    def pay(params, call):
        raise RuntimeError("bank refused card 6222021234567890128 of 11010519491231002X")

    registry = OperatorRegistry()
    registry.register("test.pay", pay, parameters=[Parameter("amount", "integer")])
    eng = make_engine(engine_env, registry, redact=scrub)
    try:
        eng.deploy(bpmn("pay_only.bpmn"))
        iid = eng.start("pay_only", {"amount": 5})
        with caplog.at_level(logging.INFO):
            for _ in range(10):
                eng.run_jobs()
                eng.clock.advance(timedelta(minutes=10))
        [incident] = [i for i in eng.jobs.incidents() if i.instance_id == iid]
        assert "6222 **** **** 0128" in incident.error and "110105********002X" in incident.error
        assert "6222021234567890128" not in caplog.text and "11010519491231002X" not in caplog.text
        assert "**** 0128" in caplog.text
    finally:
        eng.dispose()
