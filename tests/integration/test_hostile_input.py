"""Hostile or broken definitions are refused with file, line and reason and store nothing; a runaway
script is stopped without harming the worker."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.db.models import DecisionDefinition, DefinitionFile, Deployment, InstanceStatus, ProcessDefinition
from engine.errors import InvalidDefinition
from tests.support.engines import bpmn, make_engine
from tests.support.ledger import Ledger, ledger_operators

GOOD = bpmn("pay_only.bpmn")["pay_only.bpmn"]

HOSTILE = {
    "external entity": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<d>&x;</d>',
    "entity expansion bomb": (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]>\n<lolz>&lol3;</lolz>'
    ),
    "broken xml": b'<?xml version="1.0"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">\n<bpmn:process id="p">\n</bpmn:definitions>',
    "oversized file": GOOD.replace(b"</bpmn:definitions>", b"<!--" + b"x" * 3_000_000 + b"-->\n</bpmn:definitions>"),
    "unknown operator": GOOD.replace(b'id="test.pay"', b'id="bureau.no_such_call"'),
}


@pytest.fixture
def engine(engine_env, tmp_path):
    eng = make_engine(engine_env, ledger_operators(Ledger(tmp_path / "ledger.db")))
    yield eng
    eng.dispose()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_and_broken_bpmn_is_refused_with_file_and_reason_and_nothing_is_stored(engine, case):
    with pytest.raises(InvalidDefinition) as err:
        engine.deploy({"evil.bpmn": HOSTILE[case], "good.dmn": bpmn("filing_window_20.dmn")["filing_window_20.dmn"]})
    problems = err.value.params.get("errors") or [err.value.as_dict()["details"]]
    assert any(p.get("file") == "evil.bpmn" for p in problems), problems
    assert all(p.get("message") or p.get("code") for p in problems)
    if case == "unknown operator":
        assert any(p.get("code") == "UNKNOWN_OPERATOR" and p.get("line") for p in problems), problems
    if case == "broken xml":
        assert any(p.get("line") for p in problems), problems
    with engine.db.reading() as uow:
        for model in (Deployment, ProcessDefinition, DecisionDefinition, DefinitionFile):
            assert uow.session.scalar(select(func.count()).select_from(model)) == 0


def test_a_runaway_script_after_a_service_call_opens_an_incident_and_the_worker_carries_on(engine):
    engine.deploy(bpmn("runaway_script.bpmn"))
    engine.deploy(bpmn("pay_only.bpmn"))
    bad = engine.start("runaway", {"amount": 1})
    good = engine.start("pay_only", {"amount": 2})
    engine.run_jobs()
    for _ in range(5):
        engine.clock.advance(__import__("datetime").timedelta(hours=2))
        engine.run_jobs()
    assert engine.instances.get(good).status == InstanceStatus.COMPLETED
    incidents = [i for i in engine.jobs.incidents() if i.instance_id == bad]
    assert len(incidents) == 1
    assert "EvaluationLimitExceeded" in incidents[0].error or "limit" in incidents[0].error.lower()
