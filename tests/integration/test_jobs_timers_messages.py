"""Service-task jobs, retries, incidents, error boundaries, timers on the movable clock, and messages."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.db.models import InstanceStatus
from engine.errors import IncidentNotFound
from engine.tasks import InboxFilter
from tests.support.engines import bpmn, make_engine
from tests.support.ledger import Ledger, ledger_operators

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def ledger(tmp_path):
    return Ledger(tmp_path / "ledger.db")


@pytest.fixture
def engine(engine_env, ledger):
    eng = make_engine(engine_env, ledger_operators(ledger))
    yield eng
    eng.dispose()


def open_elements(engine, iid):
    return [t.element_id for t in engine.tasks.list(InboxFilter(instance_id=iid))]


def test_a_service_task_waits_as_a_job_and_the_worker_completes_it_with_the_result(engine, ledger):
    engine.deploy(bpmn("pay_only.bpmn"))
    iid = engine.start("pay_only", {"amount": 42})
    assert engine.instances.get(iid).status == InstanceStatus.RUNNING
    assert ledger.effects() == []

    assert engine.run_jobs() == 1

    assert engine.instances.get(iid).status == InstanceStatus.COMPLETED
    data = engine.instances.data(iid)
    assert data["payment"]["paid"] == 42 and data["done"] is True
    assert [(e[1], e[2]) for e in ledger.effects()] == [(iid, 42)]


def test_a_business_error_takes_the_error_boundary_with_its_code(engine, ledger):
    engine.deploy(bpmn("service.bpmn"))
    ledger.set("refuse", 1)
    iid = engine.start("service_flow", {"amount": 5})
    engine.run_jobs()
    assert open_elements(engine, iid) == ["handle_refusal"]
    with engine.db.reading() as uow:
        errors = [h.details for h in engine.history.read(uow.session, iid) if h.event == "business_error"]
    assert [e["code"] for e in errors] == ["ARREARS"]
    assert engine.jobs.incidents() == []


def test_technical_failures_are_retried_with_backoff_and_then_take_the_service_unavailable_boundary(engine, ledger):
    engine.deploy(bpmn("service.bpmn"))
    ledger.set("down", 1)
    iid = engine.start("service_flow", {"amount": 5})
    for _ in range(10):
        engine.run_jobs()
        engine.clock.advance(timedelta(minutes=5))
    assert open_elements(engine, iid) == ["handle_outage"]
    with engine.db.reading() as uow:
        events = [h.event for h in engine.history.read(uow.session, iid)]
    assert events.count("job_retry_scheduled") == engine.settings.default_retries
    assert "service_unavailable" in events


def test_spent_retries_without_a_boundary_open_an_incident_whose_retry_is_a_new_attempt(engine, ledger, tmp_path):
    engine.deploy(bpmn("pay_only.bpmn"))
    ops = engine.operators
    original = ops.get("test.pay").func
    keys = []

    def failing(params, call):
        keys.append(call.idempotency_key)
        if len(keys) <= 4:
            raise ConnectionError("connection refused")
        return original(params, call)

    object.__setattr__(ops.get("test.pay"), "func", failing)
    iid = engine.start("pay_only", {"amount": 3})
    for _ in range(6):
        engine.run_jobs()
        engine.clock.advance(timedelta(minutes=5))
    incidents = engine.jobs.incidents()
    assert [i.instance_id for i in incidents] == [iid]
    assert "connection refused" in incidents[0].error
    assert len(set(keys)) == 1  # every retry of one logical call carries the same key

    engine.jobs.retry_incident(incidents[0].id, "ops")
    engine.run_jobs()
    assert engine.instances.get(iid).status == InstanceStatus.COMPLETED
    assert len(set(keys)) == 2  # the operator's retry is a new attempt
    assert engine.jobs.incidents() == []
    with pytest.raises(IncidentNotFound):
        engine.jobs.retry_incident(incidents[0].id, "ops")


def test_a_45_working_day_timer_across_national_day_fires_only_when_the_clock_passes_it(engine):
    engine.deploy(bpmn("deadline.bpmn"))
    applied = date(2024, 9, 20)
    engine.clock.set_offset(datetime(2024, 9, 20, 10, tzinfo=SHANGHAI) - datetime.now(SHANGHAI))
    iid = engine.start("deadline", {"applied_on": applied.isoformat()})
    due = engine.calendar.add_workdays(applied, 45)
    # 45 working days from 2024-09-20, skipping National Day (Oct 1-7) and counting the make-up
    # workdays (Sep 29, Oct 12): later than 45 plain weekdays would be.
    assert due > date(2024, 11, 22)

    engine.clock.set_offset(datetime.combine(due - timedelta(days=1), datetime.min.time(), SHANGHAI) - datetime.now(SHANGHAI))
    engine.run_jobs()
    assert "escalate" not in open_elements(engine, iid)
    with engine.db.reading() as uow:
        steps = [h.element_id for h in engine.history.read(uow.session, iid) if h.event == "step_completed"]
    assert "remind" in steps  # the non-interrupting reminder fired and the task stayed open
    assert open_elements(engine, iid) == ["wait_for_bureau"]

    engine.clock.set_offset(datetime.combine(due + timedelta(days=1), datetime.min.time(), SHANGHAI) - datetime.now(SHANGHAI))
    engine.run_jobs()
    assert open_elements(engine, iid) == ["escalate"]


def test_a_message_is_delivered_once_by_id_and_kept_until_an_instance_waits_for_it(engine):
    engine.deploy(bpmn("callback.bpmn"))
    early = engine.messages.receive("transfer.accepted", {"business_key": "T-2"}, {"letter": "L-2"}, "msg-2")
    assert early.status == "kept"

    iid = engine.start("callback", {}, business_key="T-1")
    first = engine.messages.receive("transfer.accepted", {"business_key": "T-1"}, {"letter": "L-1"}, "msg-1")
    again = engine.messages.receive("transfer.accepted", {"business_key": "T-1"}, {"letter": "L-1"}, "msg-1")
    assert (first.status, first.instance_id) == ("delivered", iid)
    assert again.status == "duplicate"
    assert open_elements(engine, iid) == ["confirm"]

    later = engine.start("callback", {}, business_key="T-2")
    assert open_elements(engine, later) == ["confirm"]


def test_a_recurring_scan_runs_once_per_slot_across_workers(engine_env, ledger):
    runs = []
    first, second = make_engine(engine_env), make_engine(engine_env)
    for eng in (first, second):
        eng.jobs.add_scan("sla", timedelta(hours=1), lambda now, eng=eng: runs.append(eng))
    first.run_jobs("w1")
    second.run_jobs("w2")
    assert len(runs) == 1
    first.clock.advance(timedelta(hours=1))
    second.run_jobs("w2")
    first.run_jobs("w1")
    assert len(runs) == 2
    first.dispose()
    second.dispose()


def test_timers_survive_a_restart_of_the_engine(engine_env, ledger):
    first = make_engine(engine_env)
    first.deploy(bpmn("deadline.bpmn"))
    iid = first.start("deadline", {"applied_on": first.clock.now().date().isoformat()})
    first.dispose()
    first.clock.advance(timedelta(days=4))
    restarted = make_engine(engine_env)
    restarted.run_jobs()
    with restarted.db.reading() as uow:
        steps = [h.element_id for h in restarted.history.read(uow.session, iid) if h.event == "step_completed"]
    assert "remind" in steps
    restarted.dispose()


def test_a_kept_message_expires_after_its_time(engine_env, ledger):
    eng = make_engine({**engine_env, "SHEBAO_MESSAGE_TTL_SECONDS": "3600"})
    eng.deploy(bpmn("callback.bpmn"))
    assert eng.messages.receive("transfer.accepted", {"business_key": "T-9"}, {}, "msg-9").status == "kept"
    eng.clock.advance(timedelta(hours=2))
    iid = eng.start("callback", {}, business_key="T-9")
    assert open_elements(eng, iid) == []  # still waiting: the kept message had expired
    eng.dispose()


def test_a_service_task_s_own_retry_setting_replaces_the_default(engine, ledger):
    source = bpmn("pay_only.bpmn")["pay_only.bpmn"].replace(
        b"</spiffworkflow:parameters>", b'</spiffworkflow:parameters><spiffworkflow:retry retries="1" backoff_base="30" />'
    )
    engine.deploy({"pay_only.bpmn": source})
    calls = []

    def down(params, call):
        calls.append(call.attempt)
        raise ConnectionError("down")

    object.__setattr__(engine.operators.get("test.pay"), "func", down)
    iid = engine.start("pay_only", {"amount": 1})
    engine.run_jobs()
    engine.clock.advance(timedelta(seconds=10))  # less than the task's 30 s backoff (jitter ≥ 0.5)
    engine.run_jobs()
    assert calls == [1]
    engine.clock.advance(timedelta(minutes=2))
    engine.run_jobs()
    assert calls == [1, 2]  # one retry, then the incident
    assert [i.instance_id for i in engine.jobs.incidents()] == [iid]
