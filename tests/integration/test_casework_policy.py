"""Policy lookups outside BPMN through the engine's late-bound decisions, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.policy import PolicyEvaluationFailed, PolicyLookup
from engine.errors import DefinitionNotFound, InvalidInput
from tests.integration.casework_fixtures import engine  # noqa: F401

POLICIES = Path(__file__).resolve().parents[2] / "workflows" / "policies"


def rule(n, region4, region2, since, lower, upper, verified, level):
    cells = [region4, region2, since]
    entries = "".join(f'<inputEntry id="r{n}i{i}"><text>{c}</text></inputEntry>' for i, c in enumerate(cells))
    outs = [lower, upper, '"test"', verified, f'"{level}"']
    outputs = "".join(f'<outputEntry id="r{n}o{i}"><text>{o}</text></outputEntry>' for i, o in enumerate(outs))
    return f'<rule id="r{n}">{entries}{outputs}</rule>'


def bounds_dmn(city_lower: int) -> bytes:
    inputs = "".join(
        f'<input id="in_{n}" label="{n}"><inputExpression id="ie_{n}" typeRef="string"><text>{e}</text></inputExpression></input>'
        for n, e in (("city", "str(region)[:4]"), ("province", "str(region)[:2]"), ("from", "str(case_date)[:10]"))
    )
    outputs = "".join(
        f'<output id="out_{n}" name="policy_base_bounds.{n}" />' for n in ("base_lower", "base_upper", "source", "verified", "level")
    )
    rules = (
        rule(1, '"4403"', "-", '&gt;= "2025-07-01"', city_lower, 30000, "True", "city")
        + rule(2, "-", '"44"', "-", 4492, 27501, "False", "province")
        + rule(3, "-", "-", "-", "None", "None", "False", "national")
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="bounds" namespace="test">
  <decision id="policy_base_bounds" name="bounds"><decisionTable id="t" hitPolicy="FIRST">{inputs}{outputs}{rules}</decisionTable></decision>
</definitions>""".encode()


def test_a_verified_city_row_answers_for_its_districts_from_its_effective_date(engine):  # noqa: F811
    engine.deploy({"policies/bounds.dmn": bounds_dmn(5000)})
    answer = PolicyLookup(engine).base_bounds("440305", case_date="2025-08-01")
    assert (answer.verified, answer.level, answer.warning) == (True, "city", None)
    assert answer.first["base_lower"] == 5000 and answer.version == 1


def test_before_the_city_row_applies_the_province_answers_unverified_with_a_warning(engine):  # noqa: F811
    engine.deploy({"policies/bounds.dmn": bounds_dmn(5000)})
    answer = PolicyLookup(engine).base_bounds("440305", case_date="2025-06-30")
    assert (answer.first["base_lower"], answer.verified, answer.level) == (4492, False, "province")
    assert answer.warning == {"code": "UNVERIFIED_LOCAL_RULE", "severity": "info",
                              "params": {"decision": "policy_base_bounds", "region": "440305"}}
    national = PolicyLookup(engine).base_bounds("110000", case_date="2025-08-01")
    assert (national.first["base_lower"], national.level) == (None, "national")


def test_the_newest_deployed_version_answers(engine):  # noqa: F811
    engine.deploy({"policies/bounds.dmn": bounds_dmn(5000)})
    engine.deploy({"policies/bounds.dmn": bounds_dmn(5100)})
    answer = PolicyLookup(engine).base_bounds("440300", case_date="2026-01-01")
    assert (answer.version, answer.first["base_lower"]) == (2, 5100)


def test_bad_inputs_and_unknown_decisions_are_refused(engine):  # noqa: F811
    engine.deploy({"policies/bounds.dmn": bounds_dmn(5000)})
    lookup = PolicyLookup(engine)
    with pytest.raises(InvalidInput) as err:
        lookup.base_bounds("4403")
    assert err.value.code == "DIVISION_CODE_INVALID"
    with pytest.raises(InvalidInput) as err:
        lookup.base_bounds("440300", case_date="soon")
    assert err.value.code == "CASE_DATE_INVALID"
    with pytest.raises(DefinitionNotFound):
        lookup.card("440300")


def test_a_table_reading_an_input_that_was_not_given_fails_with_a_clear_error(engine):  # noqa: F811
    engine.deploy({"policies/bounds.dmn": bounds_dmn(5000).replace(b"str(region)[:4]", b"str(sla_stage)")})
    with pytest.raises(PolicyEvaluationFailed) as err:
        PolicyLookup(engine).base_bounds("440300")
    assert err.value.code == "POLICY_EVALUATION_FAILED" and "sla_stage" in str(err.value)


@pytest.mark.skipif(not POLICIES.is_dir(), reason="the policy pack is not in this tree")
def test_the_shipped_policy_pack_gives_a_materials_checklist_and_base_bounds(engine):  # noqa: F811
    engine.deploy({f"policies/{p.name}": p.read_bytes() for p in POLICIES.glob("*.dmn")})
    lookup = PolicyLookup(engine)

    materials = lookup.materials("transfer", "440300", person_category="migrant_worker", case_date="2026-03-02")
    assert materials.rows and all(isinstance(r["material"], str) and isinstance(r["verified"], bool) for r in materials.rows)
    assert "id_card" in {r["material"] for r in materials.rows}
    bounds = lookup.base_bounds("110105", case_date="2025-08-01")
    assert bounds.first["base_lower"] == 7162 and bounds.level in ("city", "province", "national")
