"""The policy pack (workflows/policies/) deployed and evaluated by the real engine on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from casework.divisions import PROVINCES  # casework's own table, written independently of the pack's
from casework.expressions import FUNCTIONS
from engine.tasks import InboxFilter
from tests.support.engines import make_engine
from tests.support.processes import POLICIES, policy_pack, policy_pack_generator

CASE_TYPES = ("transfer", "enrolment", "stop_contribution", "card")
# The national rules of DOMAIN.md: stage -> (working days, calendar days)
NATIONAL_SLA = {
    "pension_acceptance": (15, None), "pension_funds": (15, None), "pension_completion": (15, None),
    "medical_outgoing": (10, None), "medical_incoming": (5, None), "separation_handover": (None, 15),
    "enrolment": (None, 30),
}  # fmt: skip
NATIONAL_MATERIALS = {
    "transfer": {"id_card", "contribution_certificate", "transfer_application", "labour_contract"},
    "enrolment": {"id_card", "labour_contract"},
    "stop_contribution": {"separation_certificate", "removal_form"},
    "card": {"photo"},
}


def pack_with(tmp_path: Path, extra: dict[str, list[str]], edits: dict[str, tuple[str, str]] | None = None) -> dict[str, bytes]:
    """The pack built from a copy of the source tables, as a designer changes them: ``extra`` CSV lines
    added at the top of a table, ``edits`` replacing a text in a table."""
    source = tmp_path / "source"
    shutil.copytree(POLICIES / "source", source)
    for name, (old, new) in (edits or {}).items():
        text = (source / f"{name}.csv").read_text(encoding="utf-8")
        assert old in text
        (source / f"{name}.csv").write_text(text.replace(old, new), encoding="utf-8")
    for name, lines in extra.items():
        header, *rows = (source / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        (source / f"{name}.csv").write_text("\n".join([header, *lines, *rows]) + "\n", encoding="utf-8")
    return policy_pack_generator().build(source)


def _task(n: int, decision: str, pre: str, post: str) -> str:
    return (
        f'<bpmn:businessRuleTask id="ask_{n}" name="{decision}"><bpmn:extensionElements>'
        f"<spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId>"
        f"<spiffworkflow:preScript>{pre}</spiffworkflow:preScript>"
        f"<spiffworkflow:postScript>{post}</spiffworkflow:postScript>"
        "</bpmn:extensionElements></bpmn:businessRuleTask>"
    )


def probe_bpmn(*, wait_first: bool = False) -> dict[str, bytes]:
    """A process that asks every decision (every case type and stage) the way docs/policy-pack.md shows."""
    tasks = []
    for case_type in CASE_TYPES:
        tasks.append(("policy_materials", f'case_type = "{case_type}"',
                      "materials[case_type] = [dict(m) for m in policy_materials]\n"
                      "warnings = add_warnings(warnings, unverified_rule_warnings("
                      '"policy_materials", region, [m["verified"] for m in policy_materials]))'))
    for stage in NATIONAL_SLA:
        tasks.append(("policy_sla", f'sla_stage = "{stage}"',
                      "sla[sla_stage] = dict(policy_sla)\n"
                      'warnings = add_warnings(warnings, unverified_rule_warnings("policy_sla", region, '
                      'policy_sla["verified"]))'))
    for decision in ("policy_base_bounds", "policy_filing_window", "policy_card"):
        tasks.append((decision, "asked = asked + 1",
                      f'warnings = add_warnings(warnings, unverified_rule_warnings("{decision}", region, '
                      f'{decision}["verified"]))'))
    nodes = ['<bpmn:userTask id="wait" name="Wait" />'] if wait_first else []
    nodes += [_task(n, *t) for n, t in enumerate(tasks)]
    ids = ["start", *(["wait"] if wait_first else []), *(f"ask_{n}" for n in range(len(tasks))), "end"]
    flows = [f'<bpmn:sequenceFlow id="f{n}" sourceRef="{a}" targetRef="{b}" />' for n, (a, b) in enumerate(pairwise(ids))]
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="probe_defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="policy_probe" name="Policy probe" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane_hr" name="HR">{"".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)}</bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" />{"".join(nodes)}<bpmn:endEvent id="end" />{"".join(flows)}
  </bpmn:process>
</bpmn:definitions>"""
    return {"policy_probe.bpmn": xml.encode("utf-8")}


@pytest.fixture
def engine(engine_env):
    eng = make_engine(engine_env, functions=FUNCTIONS)
    yield eng
    eng.dispose()


@pytest.fixture
def probe(engine):
    """Start the probe for a region, date and person category; returns the answers."""
    engine.deploy(policy_pack())
    engine.deploy(probe_bpmn())

    def run(region: Any, case_date: str | None = "2025-08-01", person_category: str = "employee") -> dict[str, Any]:
        iid = engine.start("policy_probe", _start_data(region, case_date, person_category))
        return engine.instances.data(iid)

    return run


def _start_data(region: Any, case_date: str | None, person_category: str = "employee") -> dict[str, Any]:
    return {"region": region, "case_date": case_date, "person_category": person_category,
            "materials": {}, "sla": {}, "warnings": [], "asked": 0}


def _unverified(data: dict[str, Any]) -> set[str]:
    return {w["params"]["decision"] for w in data["warnings"] if w["code"] == "UNVERIFIED_LOCAL_RULE"}


def test_the_pack_deploys_without_warnings_and_an_unchanged_redeploy_adds_nothing(engine):
    first = engine.deploy(policy_pack())
    assert first.warnings == []
    assert sorted((d["decision_id"], d["version"]) for d in first.decisions) == [
        ("policy_base_bounds", 1), ("policy_card", 1), ("policy_filing_window", 1), ("policy_materials", 1),
        ("policy_sla", 1),
    ]
    again = engine.deploy(policy_pack())
    assert again.decisions == [] and sorted(again.unchanged) == sorted(d["decision_id"] for d in first.decisions)


def test_a_place_with_local_figures_gets_its_own_row_marked_unverified(probe):
    data = probe("110105", "2025-08-01")  # Beijing, Chaoyang district
    assert data["policy_base_bounds"] == {
        "base_lower": 7162, "base_upper": 35811, "source": "DOMAIN.md example [?]", "verified": False,
        "level": "province", "rule_region": "110000",
    }
    assert "policy_base_bounds" in _unverified(data)
    assert data["sla"]["pension_acceptance"]["verified"] is True
    assert "policy_sla" not in _unverified(data)


def test_a_province_without_local_figures_answers_with_the_national_rule_and_no_bounds(probe):
    data = probe("130102", "2025-08-01")  # Hebei, Shijiazhuang
    bounds = data["policy_base_bounds"]
    assert (bounds["base_lower"], bounds["base_upper"]) == (None, None)
    assert (bounds["verified"], bounds["level"], bounds["rule_region"]) == (False, "national", "130000")
    assert bounds["source"] == "国办发〔2019〕13号"
    assert {"policy_base_bounds", "policy_filing_window", "policy_card", "policy_materials"} <= _unverified(data)
    assert data["sla"]["medical_outgoing"]["sla_workdays"] == 10


def test_base_bounds_are_selected_by_region_and_case_date(probe):
    cases = [
        ("110000", "2025-07-01", (7162, 35811)),
        ("110000", "2025-06-30", (6821, 35283)),
        ("110000", "2024-07-01", (6821, 35283)),
        ("110000", "2024-06-30", (None, None)),
        ("110000", "2025-06-30T23:00:00+08:00", (6821, 35283)),  # a date-time selects by its day
        ("310101", "2026-03-02", (7384, 36921)),
        ("440300", "2025-01-15", (4492, 27501)),
        ("320100", "2024-12-31", (4879, 24396)),
        ("410300", "2024-05-01", (3756, 18780)),
        ("340100", "2024-05-01", (4227, 21133)),
        ("510100", "2024-05-01", (4511, 22555)),
        ("370200", "2024-05-01", (4416, 22078)),
        ("410300", None, (3756, 18780)),  # no case date: today, after Henan's row began
    ]
    for region, case_date, bounds in cases:
        answer = probe(region, case_date)["policy_base_bounds"]
        assert (answer["base_lower"], answer["base_upper"]) == bounds, (region, case_date)
        assert answer["verified"] is False


def test_every_one_of_the_31_provinces_has_its_own_rows_for_the_national_rules(probe):
    for code, name in PROVINCES.items():
        data = probe(f"{code}0100", "2025-08-01")
        own = f"{code}0000"
        for stage, (workdays, days) in NATIONAL_SLA.items():
            answer = data["sla"][stage]
            assert (answer["rule_region"], answer["sla_workdays"], answer["sla_days"]) == (own, workdays, days), name
            assert (answer["verified"], answer["level"]) == (True, "national"), name
        card = data["policy_card"]
        assert (card["rule_region"], card["photo_width"], card["photo_height"]) == (own, 358, 441), name
        assert (card["photo_min_kb"], card["photo_max_kb"], card["photo_min_age"]) == (14, 40, 7), name
        window = data["policy_filing_window"]
        assert window["rule_region"] == own and 1 <= window["window_first_day"] <= window["window_last_day"] <= 31, name
        assert window["removal_takes_effect"] in ("same_month", "next_month") and window["verified"] is False, name
        assert data["policy_base_bounds"]["rule_region"] == own, name
        for case_type, needed in NATIONAL_MATERIALS.items():
            rows = data["materials"][case_type]
            assert {m["rule_region"] for m in rows} == {own}, (name, case_type)
            assert needed <= {m["material"] for m in rows if m["required"]}, (name, case_type)


def test_migrant_workers_may_give_a_work_certificate_instead_of_a_labour_contract(probe):
    for case_type in ("transfer", "enrolment"):
        migrant = probe("440300", person_category="migrant_worker")["materials"][case_type]
        employee = probe("440300", person_category="employee")["materials"][case_type]
        alternative = [m for m in migrant if m["material"] == "work_certificate"]
        assert len(alternative) == 1 and alternative[0]["alternative_to"] == "labour_contract"
        assert alternative[0]["required"] is False
        assert "work_certificate" not in {m["material"] for m in employee}
        assert {"labour_contract"} <= {m["material"] for m in employee if m["required"]}


def test_a_region_outside_the_31_provinces_gets_the_national_rule_unverified(probe):
    data = probe("810000")  # Hong Kong: not under these rules
    assert data["sla"]["pension_acceptance"] == {
        "sla_workdays": 15, "sla_days": None, "source": "国办发〔2009〕66号", "verified": False, "level": "national",
        "rule_region": "000000",
    }
    assert {m["rule_region"] for m in data["materials"]["transfer"]} == {"000000"}
    assert "policy_sla" in _unverified(data)
    assert probe(None)["policy_base_bounds"]["rule_region"] == "000000"


def test_a_city_row_wins_over_its_province_only_in_that_city(engine, tmp_path):
    files = pack_with(tmp_path, {
        "policy_base_bounds": ["4403,2024-01-01,,5000,30000,test figure,false,Shenzhen test row"],
        "policy_materials": ["4403,card,,,,photo,true,,test source,false,Shenzhen test row"],
        "policy_sla": ["4403,medical_incoming,,,3,,test source,false,Shenzhen test row"],
    })
    engine.deploy(files)
    engine.deploy(probe_bpmn())
    shenzhen = engine.instances.data(engine.start("policy_probe", _start_data("440304", "2025-08-01")))
    guangzhou = engine.instances.data(engine.start("policy_probe", _start_data("440104", "2025-08-01")))
    assert shenzhen["policy_base_bounds"]["base_lower"] == 5000
    assert (shenzhen["policy_base_bounds"]["level"], shenzhen["policy_base_bounds"]["rule_region"]) == ("city", "440300")
    assert guangzhou["policy_base_bounds"]["base_lower"] == 4492
    photos = [m for m in shenzhen["materials"]["card"] if m["material"] == "photo"]
    assert [(m["level"], m["source"]) for m in photos] == [("city", "test source")]
    assert [m["level"] for m in guangzhou["materials"]["card"] if m["material"] == "photo"] == ["national"]
    assert shenzhen["sla"]["medical_incoming"]["sla_workdays"] == 3
    assert shenzhen["sla"]["medical_outgoing"]["sla_workdays"] == 10
    assert guangzhou["sla"]["medical_incoming"]["sla_workdays"] == 5


def test_a_newer_table_answers_running_instances_from_its_effective_date(engine, tmp_path):
    engine.deploy(policy_pack())
    engine.deploy(probe_bpmn(wait_first=True))
    after = engine.start("policy_probe", _start_data("110000", "2026-07-15"))
    before = engine.start("policy_probe", _start_data("110000", "2026-06-30"))

    newer = pack_with(
        tmp_path,
        {"policy_base_bounds": ["11,2026-07-01,,7500,37500,test figure,false,Beijing test row"]},
        {"policy_base_bounds": ("11,2025-07-01,,7162", "11,2025-07-01,2026-06-30,7162")},
    )
    result = engine.deploy(newer)
    assert [(d["decision_id"], d["version"]) for d in result.decisions] == [("policy_base_bounds", 2)]
    for iid in (after, before):
        task = engine.tasks.list(InboxFilter(instance_id=iid))[0]
        engine.complete_task(task.id, {}, "hr-1")

    assert engine.instances.data(after)["policy_base_bounds"]["base_lower"] == 7500
    assert engine.instances.data(before)["policy_base_bounds"]["base_lower"] == 7162
    with engine.db.reading() as uow:
        answered = [h.details for h in engine.history.read(uow.session, after) if h.event == "decision_evaluated"]
    assert {"decision_id": "policy_base_bounds", "version": 2} in answered
    assert {"decision_id": "policy_sla", "version": 1} in answered
