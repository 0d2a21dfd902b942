"""The casework functions inside real BPMN scripts and conditions, run by the engine."""

from __future__ import annotations

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from engine.errors import EngineError
from engine.tasks import InboxFilter
from tests.integration.casework_fixtures import engine, process_xml  # noqa: F401

SCRIPT = """
gap = month_gap(last_paid_month, month_of(employment_start))
warnings = add_warnings(warnings, gap_warnings(last_paid_month, month_of(employment_start)))
warnings = add_warnings(warnings, base_warnings(contribution_base, 7162, 35811, old_base))
warnings = add_warnings(warnings, temporary_account_warnings(person, region, case_date))
temporary = needs_temporary_account(person, region, case_date)
age = age_on(person["birth_date"], case_date)
province = province_of(region)
"""

PERSON = {"person_id": "p1", "name": "张伟", "resident_id": "410302197501011238", "gender": "M",
          "birth_date": "1975-01-01", "hukou_province": "41"}


def start(engine, **data):  # noqa: F811
    engine.deploy({"gap.bpmn": process_xml("gap_check", [("script", "forecast", None, SCRIPT), ("user", "look", None, "")])})
    base = {"last_paid_month": "2025-10", "employment_start": "2026-03-02", "contribution_base": 6000,
            "old_base": 12000, "person": PERSON, "region": "110105", "case_date": "2026-03-02", "warnings": []}
    return engine.start("gap_check", {**base, **data})


def test_a_script_computes_the_gap_and_its_warnings_and_the_engine_mirrors_their_codes(engine):  # noqa: F811
    iid = start(engine)

    data = engine.instances.data(iid)
    assert (data["gap"], data["temporary"], data["age"], data["province"]) == (4, True, 51, "11")
    assert [w["code"] for w in data["warnings"]] == [
        "GAP_FORECAST", "MEDICAL_WAITING_PERIOD", "CONTINUITY_BROKEN", "BASE_OUT_OF_BOUNDS", "BASE_CONFLICT",
        "TEMPORARY_ACCOUNT",
    ]
    row = engine.instances.get(iid)
    assert "MEDICAL_WAITING_PERIOD" in row.risk_flags
    [task] = engine.tasks.list(InboxFilter(instance_id=iid))
    assert "GAP_FORECAST" in task.risk_flags


def test_running_the_script_twice_adds_no_duplicate_warnings(engine):  # noqa: F811
    iid = start(engine, warnings=[{"code": "GAP_FORECAST", "severity": "warning",
                                   "params": {"gap_months": 4, "last_paid_month": "2025-10", "start_month": "2026-03"}}])
    codes = [w["code"] for w in engine.instances.data(iid)["warnings"]]
    assert codes.count("GAP_FORECAST") == 1


def test_bad_input_stops_the_start_with_the_functions_message(engine):  # noqa: F811
    # (the engine currently lets SpiffWorkflow's exception through from a start; either is fine here)
    with pytest.raises((EngineError, WorkflowTaskException)) as err:
        start(engine, last_paid_month="last autumn")
    assert "expected a month 'YYYY-MM'" in str(err.value)
    assert engine.instances.list(process_id="gap_check") == []
