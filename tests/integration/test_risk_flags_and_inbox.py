"""Risk flags raised by a process reach its inbox rows; inbox filters and exact counts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from engine.tasks import InboxFilter
from tests.support.engines import bpmn, make_engine


@pytest.fixture
def engine(engine_env):
    eng = make_engine(engine_env)
    eng.deploy(bpmn("flagged.bpmn"))
    yield eng
    eng.dispose()


def _start(engine, gap: int) -> str:
    return engine.start("flagged", {"gap": gap}, employer="emp1", city="110105")


def test_a_warning_raised_before_a_task_is_on_the_task_and_the_instance(engine):
    iid = _start(engine, gap=2)

    [task] = engine.tasks.list(InboxFilter(instance_id=iid))
    assert json.loads(task.risk_flags) == ["GAP_FORECAST"]
    assert json.loads(engine.instances.get(iid).risk_flags) == ["GAP_FORECAST"]
    assert engine.instances.flag_items(iid) == [{"code": "GAP_FORECAST", "params": {"gap_months": 2}}]


def test_later_warnings_add_to_the_earlier_ones(engine):
    iid = _start(engine, gap=2)
    [task] = engine.tasks.list(InboxFilter(instance_id=iid))
    engine.complete_task(task.id, {}, "hr1")

    [second] = engine.tasks.list(InboxFilter(instance_id=iid))
    assert json.loads(second.risk_flags) == ["BASE_CONFLICT", "GAP_FORECAST"]
    assert [i["code"] for i in engine.instances.flag_items(iid)] == ["GAP_FORECAST", "BASE_CONFLICT"]


def test_an_instance_without_warnings_has_no_flags(engine):
    iid = _start(engine, gap=0)
    [task] = engine.tasks.list(InboxFilter(instance_id=iid))
    assert json.loads(task.risk_flags) == []


def test_the_inbox_filters_by_group_stage_risk_and_overdue_and_counts_exactly(engine):
    flagged = [_start(engine, gap=3) for _ in range(3)]
    plain = [_start(engine, gap=0) for _ in range(2)]
    group = ("hr:emp1:110105",)

    mine = InboxFilter(groups=group)
    assert engine.tasks.count(mine) == 5
    assert len(engine.tasks.list(InboxFilter(groups=group, limit=2))) == 2
    assert engine.tasks.count(InboxFilter(groups=("hr:other:310000",))) == 0

    risky = InboxFilter(groups=group, risk_flag="GAP_FORECAST")
    assert {t.instance_id for t in engine.tasks.list(risky)} == set(flagged)
    assert engine.tasks.count(risky) == 3

    assert engine.tasks.count(InboxFilter(groups=group, stage="checking")) == 5
    assert engine.tasks.count(InboxFilter(groups=group, stage="confirming")) == 0

    now = engine.clock.now()
    assert engine.tasks.count(InboxFilter(groups=group, overdue=True, now=now)) == 0
    later = now + timedelta(hours=5)
    assert engine.tasks.count(InboxFilter(groups=group, overdue=True, now=later)) == 5

    [first] = engine.tasks.list(InboxFilter(instance_id=plain[0]))
    engine.tasks.claim(first.id, "hr1")
    assert engine.tasks.count(InboxFilter(groups=group, unclaimed_only=True)) == 4
    assert engine.tasks.count(InboxFilter(assignee="hr1")) == 1


def test_an_overdue_filter_without_the_time_is_refused(engine):
    with pytest.raises(ValueError, match="current time"):
        engine.tasks.count(InboxFilter(overdue=True))


def test_a_task_sees_its_own_data_and_the_instance_the_newest(engine):
    iid = _start(engine, gap=1)
    [task] = engine.tasks.list(InboxFilter(instance_id=iid))
    assert engine.tasks.data(task.id)["gap"] == 1
    engine.complete_task(task.id, {"note": "checked"}, "hr1")
    [second] = engine.tasks.list(InboxFilter(instance_id=iid))
    assert engine.tasks.data(second.id)["note"] == "checked"
    assert engine.instances.data(iid)["note"] == "checked"
