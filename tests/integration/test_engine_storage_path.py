"""The engine's storage path on a real database: units of work mixing Core and ORM writes, the
optimistic version check on the instance row, inbox rows handed out detached, and the background
WAL checkpoints on SQLite."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import func, inspect, select, update

from engine.db.checkpoint import BACKSTOP_PAGES
from engine.db.models import CalendarOverride, HistoryEntry, InstanceStatus, ProcessInstance, TaskStatus
from engine.db.session import StaleInstance
from engine.errors import Conflict
from engine.statements import INSTANCES, load_instance
from engine.tasks import InboxFilter
from tests.support.engines import bpmn, make_engine


@pytest.fixture
def engine(engine_env):
    eng = make_engine(engine_env)
    eng.deploy(bpmn("lifecycle.bpmn"))
    yield eng
    eng.dispose()


def _overrides(engine) -> int:
    with engine.db.reading() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(CalendarOverride)) or 0)


def test_a_unit_of_work_commits_its_core_and_orm_writes_together(engine):
    iid = engine.start("lifecycle", {"amount": 1})
    with engine.db.unit_of_work() as uow:
        uow.connection().execute(update(INSTANCES).where(INSTANCES.c.id == iid).values(current_stage="checked"))
        uow.session.add(CalendarOverride(day=date(2030, 1, 2), is_workday=False))
        uow.commit()

    assert engine.instances.get(iid).current_stage == "checked"
    assert _overrides(engine) == 1


def test_a_unit_of_work_that_fails_leaves_neither_its_core_nor_its_orm_writes(engine):
    iid = engine.start("lifecycle", {"amount": 1})
    with pytest.raises(RuntimeError), engine.db.unit_of_work() as uow:
        uow.connection().execute(update(INSTANCES).where(INSTANCES.c.id == iid).values(current_stage="lost"))
        uow.session.add(CalendarOverride(day=date(2030, 1, 3), is_workday=False))
        uow.session.flush()
        raise RuntimeError("boom")

    assert engine.instances.get(iid).current_stage is None
    assert _overrides(engine) == 0


def test_an_advance_whose_row_changed_under_it_is_retried_and_applied_once(engine):
    iid = engine.start("lifecycle", {"amount": 1})
    attempts = []

    def act(c):
        attempts.append(c.row.lock_version)
        if len(attempts) == 1:  # another writer's version bump, as if the lock had failed
            c.connection().execute(update(INSTANCES).where(INSTANCES.c.id == iid).values(lock_version=INSTANCES.c.lock_version + 1))
        c.history.append(("checked", {}))

    engine.advancer.run(iid, "auditor", act)

    assert len(attempts) == 2
    with engine.db.reading() as uow:
        events = [h.event for h in engine.history.read(uow.session, iid)]
    assert events.count("checked") == 1
    row = engine.instances.get(iid)
    assert row.lock_version == attempts[1] + 1


def test_a_stale_version_is_reported_as_a_retryable_conflict(engine):
    iid = engine.start("lifecycle", {"amount": 1})

    def act(c):
        c.connection().execute(update(INSTANCES).where(INSTANCES.c.id == iid).values(lock_version=INSTANCES.c.lock_version + 1))

    with pytest.raises(StaleInstance) as raised:
        # every attempt meets a moved version: the retries end and the conflict surfaces
        engine.advancer.run(iid, None, act)
    assert isinstance(raised.value, Conflict) and raised.value.code == "CONFLICT"
    assert engine.instances.get(iid).status == InstanceStatus.RUNNING


def test_the_instance_row_read_for_an_advance_equals_what_the_orm_reads(engine):
    iid = engine.start("lifecycle", {"amount": 1}, business_key="k-1", subject_person="p-1")
    with engine.db.reading() as uow:
        orm = uow.session.get(ProcessInstance, iid)
        found = load_instance(uow.connection(), iid, for_update=False)
        assert found is not None
        row, loaded = found
        for key, value in loaded.items():
            assert getattr(orm, key) == value and type(getattr(orm, key)) is type(value), key
        assert row.values() == loaded


def test_listed_inbox_rows_are_detached_and_complete(engine):
    iid = engine.start("lifecycle", {"amount": 1}, subject_person="p-1")
    [task] = engine.tasks.list(InboxFilter(instance_id=iid))

    state = inspect(task)
    assert state.detached and state.identity == (task.id,)
    assert (task.element_id, task.status, task.subject_person, task.risk_flags) == ("review", TaskStatus.OPEN, "p-1", "[]")
    assert task.created_at.tzinfo is not None
    assert engine.tasks.count(InboxFilter(instance_id=iid)) == 1


def test_history_of_an_advance_is_written_with_its_state(engine):
    iid = engine.start("lifecycle", {"amount": 1})
    [task] = engine.tasks.list(InboxFilter(instance_id=iid))
    engine.complete_task(task.id, {"approved": True}, "alice")

    with engine.db.reading() as uow:
        count = uow.session.scalar(select(func.count()).select_from(HistoryEntry).where(HistoryEntry.instance_id == iid))
        events = [(h.event, h.element_id, h.actor) for h in engine.history.read(uow.session, iid)]
    assert count == len(events)
    assert events[0] == ("instance_started", None, None)
    assert ("step_completed", "review", "alice") in events
    assert events[-1] == ("instance_completed", None, "alice")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_commits_leave_checkpoints_to_a_background_thread(engine):
    checkpointer = engine.db.checkpointer
    assert checkpointer is not None
    with engine.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == BACKSTOP_PAGES

    for i in range(5):
        engine.start("lifecycle", {"amount": i})
    deadline = time.monotonic() + 30
    while checkpointer.checkpoints == 0 and time.monotonic() < deadline:
        time.sleep(0.05)

    assert checkpointer.checkpoints >= 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_disposed_engine_stops_its_checkpoint_thread_and_a_new_commit_starts_one(engine):
    engine.start("lifecycle", {"amount": 1})
    checkpointer = engine.db.checkpointer
    assert checkpointer is not None and checkpointer.running

    engine.dispose()
    assert not checkpointer.running

    engine.start("lifecycle", {"amount": 2})
    assert checkpointer.running
