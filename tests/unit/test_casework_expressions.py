"""The functions BPMN scripts call, on their own (the engine runs them in tests/integration)."""

from __future__ import annotations

from datetime import date

import pytest

from casework.expressions import FUNCTIONS

f = FUNCTIONS


def codes(items):
    return [i["code"] for i in items]


def test_the_contract_names_are_all_offered():
    contract = {"month_gap", "gap_warnings", "base_warnings", "add_warnings", "age_on",
                "needs_temporary_account", "province_of", "month_of"}
    assert contract <= set(FUNCTIONS)


def test_a_two_month_gap_forecasts_a_gap_and_broken_continuity_but_no_medical_waiting_period():
    items = f["gap_warnings"]("2025-12", "2026-03")
    assert codes(items) == ["GAP_FORECAST", "CONTINUITY_BROKEN"]
    assert items[0]["params"] == {"gap_months": 2, "last_paid_month": "2025-12", "start_month": "2026-03"}


def test_a_gap_over_three_months_adds_the_medical_waiting_period_of_at_most_six_months():
    items = f["gap_warnings"]("2025-10", "2026-03-01")
    assert codes(items) == ["GAP_FORECAST", "MEDICAL_WAITING_PERIOD", "CONTINUITY_BROKEN"]
    assert items[1]["params"] == {"gap_months": 4, "max_wait_months": 6}
    assert codes(f["gap_warnings"]("2025-11", "2026-03")) == ["GAP_FORECAST", "CONTINUITY_BROKEN"]  # 3: none


def test_no_gap_or_no_earlier_coverage_gives_no_warnings():
    assert f["gap_warnings"]("2026-02", "2026-03") == []
    assert f["gap_warnings"](None, "2026-03") == []
    assert f["gap_warnings"]("", "2026-03") == []


def test_a_base_outside_the_bounds_is_flagged_with_the_bounds():
    items = f["base_warnings"](5000, 7162, 35811, None)
    assert items == [{"code": "BASE_OUT_OF_BOUNDS", "severity": "high",
                      "params": {"base": 5000, "lower": 7162, "upper": 35811}}]
    assert f["base_warnings"](8000, 7162, 35811, None) == []
    assert f["base_warnings"](8000, None, None, None) == []


def test_a_base_far_from_the_old_base_is_a_conflict_a_close_one_is_not():
    assert codes(f["base_warnings"](8000, 7162, 35811, 12000)) == ["BASE_CONFLICT"]
    assert f["base_warnings"](11000, 7162, 35811, 12000) == []
    assert codes(f["base_warnings"](11000, 7162, 35811, 12000, 0)) == ["BASE_CONFLICT"]


def test_add_warnings_merges_without_duplicates_and_accepts_a_missing_list():
    first = f["add_warnings"](None, f["gap_warnings"]("2025-12", "2026-03"))
    again = f["add_warnings"](first, f["gap_warnings"]("2025-12", "2026-03"))
    assert again == first and len(first) == 2
    more = f["add_warnings"](first, f["warning"]("STAGE_OVERDUE", {"stage": "社保转移中"}))
    assert codes(more)[-1] == "STAGE_OVERDUE"


def test_age_counts_full_years():
    assert f["age_on"]("1976-03-15", "2026-03-14") == 49
    assert f["age_on"]("1976-03-15", date(2026, 3, 15)) == 50
    with pytest.raises(ValueError, match="before the birth date"):
        f["age_on"]("2026-01-01", "2025-01-01")


def person(gender, birth, hukou):
    return {"person_id": "p1", "name": "张三", "gender": gender, "birth_date": birth, "hukou_province": hukou}


def test_a_man_of_fifty_moving_outside_his_hukou_province_needs_a_temporary_account():
    assert f["needs_temporary_account"](person("M", "1975-01-01", "41"), "440300", "2026-03-01")
    assert not f["needs_temporary_account"](person("M", "1977-01-01", "41"), "440300", "2026-03-01")  # 49
    assert not f["needs_temporary_account"](person("M", "1975-01-01", "44"), "440300", "2026-03-01")  # home


def test_a_woman_of_forty_moving_outside_her_hukou_province_needs_one_too():
    assert f["needs_temporary_account"](person("F", "1986-02-28", "41"), "310000", "2026-03-01")
    assert not f["needs_temporary_account"](person("F", "1987-01-01", "41"), "310000", "2026-03-01")
    items = f["temporary_account_warnings"](person("F", "1980-01-01", "41"), "310000", "2026-03-01")
    assert items[0]["params"] == {"age": 46, "hukou_province": "41"}


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("not a person", "mapping"),
        ({"gender": "X", "birth_date": "1970-01-01", "hukou_province": "41"}, "gender"),
        ({"gender": "M", "birth_date": "1970-01-01"}, "hukou_province"),
        ({"gender": "M", "birth_date": "1970-01-01", "hukou_province": "99"}, "hukou_province"),
        ({"gender": "M", "birth_date": "someday", "hukou_province": "41"}, "birth_date"),
    ],
)
def test_an_incomplete_person_is_refused_naming_the_field(who, message):
    with pytest.raises(ValueError, match=message):
        f["needs_temporary_account"](who, "440300", "2026-03-01")


def test_division_codes_and_months():
    assert f["province_of"]("440305") == "44"
    assert f["city_of"]("440305") == "440300"
    assert f["month_of"]("2026-03-15") == "2026-03"
    assert f["add_months"]("2025-12", 2) == "2026-02"
    with pytest.raises(ValueError, match="six digits"):
        f["province_of"]("4403")
    with pytest.raises(ValueError, match="province code"):
        f["province_of"]("990000")


def test_an_unverified_or_missing_rule_answer_warns_a_verified_one_does_not():
    assert f["unverified_rule_warnings"]("policy_base_bounds", "440300", True, "city") == []
    assert codes(f["unverified_rule_warnings"]("policy_base_bounds", "440300", False, "national")) == [
        "UNVERIFIED_LOCAL_RULE"
    ]
    assert codes(f["unverified_rule_warnings"]("policy_materials", "440300", [True, False])) == ["UNVERIFIED_LOCAL_RULE"]
    assert codes(f["unverified_rule_warnings"]("policy_card", "440300", None)) == ["UNVERIFIED_LOCAL_RULE"]
