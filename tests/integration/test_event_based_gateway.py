"""An event-based gateway waits for whichever comes first: its message or its timer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.db.models import InstanceStatus
from tests.support.engines import bpmn, make_engine


@pytest.fixture
def engine(engine_env):
    eng = make_engine(engine_env)
    eng.deploy(bpmn("race.bpmn"))
    yield eng
    eng.dispose()


def completed_elements(engine, iid):
    with engine.db.reading() as uow:
        return [h.element_id for h in engine.history.read(uow.session, iid) if h.element_id]


def test_the_timer_wins_when_no_reply_comes(engine):
    iid = engine.start("race", {}, business_key="R-1")
    row = engine.instances.get(iid)
    assert row.has_timer and row.waits_for_message

    engine.clock.advance(timedelta(hours=23))
    engine.run_jobs()
    assert engine.instances.get(iid).status == InstanceStatus.RUNNING

    engine.clock.advance(timedelta(hours=2))
    engine.run_jobs()
    row = engine.instances.get(iid)
    assert row.status == InstanceStatus.COMPLETED
    assert not row.waits_for_message and not row.has_timer
    assert "end_timed_out" in completed_elements(engine, iid)
    assert engine.messages.receive("reply", {"business_key": "R-1"}, {}, "late-1").status == "kept"


def test_the_message_wins_when_it_comes_first_and_the_timer_is_dropped(engine):
    iid = engine.start("race", {}, business_key="R-2")
    delivery = engine.messages.receive("reply", {"business_key": "R-2"}, {"answer": 42}, "m-2")
    assert delivery.status == "delivered"
    row = engine.instances.get(iid)
    assert row.status == InstanceStatus.COMPLETED
    assert not row.has_timer
    assert "end_replied" in completed_elements(engine, iid)
    assert "timed_out" not in completed_elements(engine, iid)
    engine.clock.advance(timedelta(days=2))
    assert engine.run_jobs() == 0
