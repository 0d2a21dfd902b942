"""Form data is validated against the task's deployed form before anything changes."""

from __future__ import annotations

import pytest

from engine.db.models import InstanceStatus
from engine.errors import InvalidInput
from engine.tasks import InboxFilter
from tests.support.engines import FIXTURES, make_engine
from web.bootstrap import form_validator


@pytest.fixture
def engine(engine_env):
    eng = make_engine(engine_env, validate_form=form_validator())
    folder = FIXTURES / "bpmn" / "form_task"
    eng.deploy({f"form_task/{p.name}": p.read_bytes() for p in folder.iterdir()})
    yield eng
    eng.dispose()


def test_invalid_form_data_is_refused_field_by_field_and_the_task_stays_open(engine):
    iid = engine.start("form_task", {})
    task = engine.tasks.list(InboxFilter(instance_id=iid))[0]
    before = engine.instances.get(iid).lock_version

    with pytest.raises(InvalidInput) as err:
        engine.complete_task(task.id, {"name": "张", "resident_id": "110105194912310021"}, "emp")
    codes = {(e["field"], e["code"]) for e in err.value.params["errors"]}
    assert ("name", "MIN_LENGTH") in codes
    assert ("resident_id", "RESIDENT_ID_CHECK_CHARACTER") in codes
    assert "110105194912310021" not in str(err.value.params)
    assert engine.instances.get(iid).lock_version == before

    engine.complete_task(task.id, {"name": "张三", "resident_id": "11010519491231002X"}, "emp")
    assert engine.instances.get(iid).status == InstanceStatus.COMPLETED
