"""The engine end to end on a real database (SQLite and PostgreSQL): deploy, start, tasks, history."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.db.models import (
    DefinitionFile,
    Deployment,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    TaskStatus,
)
from engine.errors import DuplicateBusinessKey, InstanceStateConflict, InvalidDefinition, TaskConflict
from engine.tasks import InboxFilter
from tests.support.engines import bpmn, make_engine


@pytest.fixture
def engine(engine_env):
    eng = make_engine(engine_env)
    yield eng
    eng.dispose()


def test_a_deployed_process_runs_to_its_user_task_and_finishes_when_it_is_completed(engine):
    engine.deploy(bpmn("lifecycle.bpmn"))
    iid = engine.start("lifecycle", {"amount": 60}, business_key="case-1", actor="alice")

    tasks = engine.tasks.list(InboxFilter(instance_id=iid))
    assert [t.element_id for t in tasks] == ["review"]
    assert engine.instances.data(iid)["c"] == [120, 130, 250]

    engine.complete_task(tasks[0].id, {"approved": True}, "alice")

    row = engine.instances.get(iid)
    assert row.status == InstanceStatus.COMPLETED
    assert engine.instances.data(iid)["approved"] is True
    with engine.db.reading() as uow:
        events = [(h.event, h.element_id) for h in engine.history.read(uow.session, iid)]
    assert events[0] == ("instance_started", None)
    assert ("step_completed", "compute_a") in events
    assert ("step_completed", "review") in events
    assert events[-1] == ("instance_completed", None)


def test_an_unchanged_redeploy_adds_no_version_and_a_changed_one_adds_one(engine):
    first = engine.deploy(bpmn("lifecycle.bpmn"))
    again = engine.deploy(bpmn("lifecycle.bpmn"))
    changed = engine.deploy({"lifecycle.bpmn": bpmn("lifecycle.bpmn")["lifecycle.bpmn"].replace(b"a + 10", b"a + 11")})

    assert [p["version"] for p in first.processes] == [1]
    assert again.processes == [] and again.deployment_id is None and again.unchanged == ["lifecycle"]
    assert [p["version"] for p in changed.processes] == [2]
    with engine.db.reading() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ProcessDefinition)) == 2
        assert uow.session.scalar(select(func.count()).select_from(Deployment)) == 2


def test_a_broken_deployment_stores_nothing(engine):
    with pytest.raises(InvalidDefinition) as err:
        engine.deploy({"broken.bpmn": b"<bpmn:definitions xmlns:bpmn='x'><unclosed></bpmn:definitions>"})
    assert "broken.bpmn" in str(err.value)
    with engine.db.reading() as uow:
        for model in (Deployment, ProcessDefinition, DefinitionFile):
            assert uow.session.scalar(select(func.count()).select_from(model)) == 0


def test_state_is_stored_encrypted_and_without_the_spec(engine):
    engine.deploy(bpmn("lifecycle.bpmn"))
    iid = engine.start("lifecycle", {"amount": 1, "resident_id": "11010519491231002X"})
    with engine.db.reading() as uow:
        row = uow.session.get(ProcessInstance, iid)
        assert "11010519491231002X" not in row.state
        assert "compute_a" not in row.state
        plain = engine.cipher.decrypt_text(row.state)
    assert "11010519491231002X" in plain
    assert '"spec"' not in plain


def test_a_unique_business_key_is_refused_while_an_instance_with_it_is_active(engine):
    engine.deploy(bpmn("lifecycle.bpmn"))
    first = engine.start("lifecycle", {"amount": 1}, business_key="emp-7", unique_key=True)
    with pytest.raises(DuplicateBusinessKey):
        engine.start("lifecycle", {"amount": 1}, business_key="emp-7", unique_key=True)
    engine.instances.terminate(first)
    engine.start("lifecycle", {"amount": 1}, business_key="emp-7", unique_key=True)


def test_claiming_a_task_claimed_by_someone_else_is_a_conflict(engine):
    engine.deploy(bpmn("lifecycle.bpmn"))
    iid = engine.start("lifecycle", {"amount": 1})
    task = engine.tasks.list(InboxFilter(instance_id=iid))[0]
    engine.tasks.claim(task.id, "alice")
    with pytest.raises(TaskConflict):
        engine.tasks.claim(task.id, "bob")
    with pytest.raises(TaskConflict):
        engine.complete_task(task.id, {}, "bob")
    engine.tasks.assign(task.id, "bob", "lead")
    engine.complete_task(task.id, {}, "bob")
    assert engine.tasks.get(task.id).completed_by == "bob"


def test_completing_a_task_twice_is_a_conflict_and_changes_nothing(engine):
    engine.deploy(bpmn("lifecycle.bpmn"))
    iid = engine.start("lifecycle", {"amount": 1})
    task = engine.tasks.list(InboxFilter(instance_id=iid))[0]
    engine.complete_task(task.id, {"n": 1}, "alice")
    before = engine.instances.get(iid).lock_version
    with pytest.raises(TaskConflict):
        engine.complete_task(task.id, {"n": 2}, "alice")
    assert engine.instances.get(iid).lock_version == before
    assert engine.instances.data(iid)["n"] == 1


def test_a_suspended_instance_refuses_work_until_resumed_and_terminate_cancels_tasks(engine):
    engine.deploy(bpmn("lifecycle.bpmn"))
    iid = engine.start("lifecycle", {"amount": 1})
    task = engine.tasks.list(InboxFilter(instance_id=iid))[0]
    engine.instances.suspend(iid, "ops")
    with pytest.raises(InstanceStateConflict):
        engine.complete_task(task.id, {}, "alice")
    with pytest.raises(InstanceStateConflict):
        engine.instances.suspend(iid, "ops")
    engine.instances.resume(iid, "ops")
    engine.instances.terminate(iid, "ops")
    assert engine.instances.get(iid).status == InstanceStatus.TERMINATED
    assert engine.tasks.get(task.id).status == TaskStatus.CANCELLED
    with pytest.raises(InstanceStateConflict):
        engine.instances.resume(iid, "ops")


def test_a_running_instance_migrates_to_a_newer_version_and_finishes_there(engine):
    engine.deploy(bpmn("lifecycle.bpmn"))
    iid = engine.start("lifecycle", {"amount": 1})
    newer = bpmn("lifecycle.bpmn")["lifecycle.bpmn"].replace(b'name="Review"', b'name="Review again"')
    engine.deploy({"lifecycle.bpmn": newer})
    result = engine.instances.migrate(iid, 2, "ops")
    assert result["migrated"] is True
    row = engine.instances.get(iid)
    with engine.db.reading() as uow:
        assert uow.session.get(ProcessDefinition, row.definition_id).version == 2
    task = engine.tasks.list(InboxFilter(instance_id=iid))[0]
    engine.complete_task(task.id, {}, "alice")
    assert engine.instances.get(iid).status == InstanceStatus.COMPLETED


def test_a_business_rule_task_uses_the_newest_decision_and_history_names_its_version(engine):
    engine.deploy(bpmn("filing_window_20.dmn"))
    engine.deploy(bpmn("decision.bpmn"))
    first = engine.start("decide", {"region": "110000"})
    assert engine.instances.data(first)["last_day"] == 20

    engine.deploy(bpmn("filing_window_25.dmn"))
    second = engine.start("decide", {"region": "110000"})
    assert engine.instances.data(second)["last_day"] == 25
    with engine.db.reading() as uow:
        decisions = [h.details for h in engine.history.read(uow.session, second) if h.event == "decision_evaluated"]
    assert decisions == [{"decision_id": "filing_window", "version": 2}]


def test_history_keeps_personal_data_encrypted_and_engine_steps_readable(engine):
    from engine.db.models import HistoryEntry

    engine.deploy(bpmn("lifecycle.bpmn"))
    iid = engine.start("lifecycle", {"amount": 1})
    task = engine.tasks.list(InboxFilter(instance_id=iid))[0]
    engine.tasks.claim(task.id, "alice")
    with engine.db.reading() as uow:
        rows = {r.event: r.details for r in uow.session.scalars(select(HistoryEntry).where(HistoryEntry.instance_id == iid))}
    assert rows["step_completed"].startswith("{")
    assert not rows["task_claimed"].startswith("{")  # carries the task id: encrypted
