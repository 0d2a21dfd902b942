"""The warning catalogue: every contract code, checked parameters, merging without duplicates."""

from __future__ import annotations

from datetime import date

import pytest

from casework.warnings import CATALOGUE, MESSAGES, make_warning, merge_warnings, sort_by_severity

CONTRACT_CODES = {
    "GAP_FORECAST": {"gap_months", "last_paid_month", "start_month"},
    "MEDICAL_WAITING_PERIOD": {"gap_months", "max_wait_months"},
    "CONTINUITY_BROKEN": {"gap_months"},
    "BASE_CONFLICT": {"old_base", "new_base"},
    "BASE_OUT_OF_BOUNDS": {"base", "lower", "upper"},
    "DUPLICATE_CARDS": {"count", "banks"},
    "ENROLMENT_DEADLINE_AT_RISK": {"deadline"},
    "ENROLMENT_DEADLINE_MISSED": {"deadline"},
    "STAGE_OVERDUE": {"stage"},
    "UNVERIFIED_LOCAL_RULE": {"decision", "region"},
    "FILING_WINDOW_MISSED": {"next_window_opens"},
    "TEMPORARY_ACCOUNT": {"age", "hukou_province"},
    "OCR_FINDINGS": {"document", "findings"},
}


def test_the_catalogue_holds_exactly_the_contract_codes_with_their_parameters():
    assert {code: set(spec.params) for code, spec in CATALOGUE.items()} == CONTRACT_CODES
    for spec in CATALOGUE.values():
        assert spec.severity in ("info", "warning", "high")
        assert spec.consequences


def test_every_warning_and_consequence_code_has_chinese_and_english_text_with_its_parameters():
    for spec in CATALOGUE.values():
        for lang in ("zh", "en"):
            text = MESSAGES[spec.code][lang]
            for name in spec.params:
                assert "{" + name + "}" in text, (spec.code, lang, name)
            for consequence in spec.consequences:
                assert MESSAGES[consequence][lang]


def test_the_medical_waiting_period_consequence_names_the_six_month_limit():
    consequence = CATALOGUE["MEDICAL_WAITING_PERIOD"].consequences[0]
    assert "6" in MESSAGES[consequence]["zh"] and "6 months" in MESSAGES[consequence]["en"]


def test_continuity_broken_explains_continuity_based_eligibility_such_as_beijing_home_purchase():
    consequence = CATALOGUE["CONTINUITY_BROKEN"].consequences[0]
    assert "60" in MESSAGES[consequence]["en"] and "Beijing" in MESSAGES[consequence]["en"]
    assert "[L]" in MESSAGES[consequence]["zh"]


def test_a_warning_gets_its_catalogue_severity_and_normalised_parameters():
    w = make_warning("ENROLMENT_DEADLINE_MISSED", deadline=date(2026, 4, 1))
    assert w == {"code": "ENROLMENT_DEADLINE_MISSED", "severity": "high", "params": {"deadline": "2026-04-01"}}
    gap = make_warning("GAP_FORECAST", gap_months=2, last_paid_month="2025-12-31", start_month="2026-03")
    assert gap["params"]["last_paid_month"] == "2025-12"


@pytest.mark.parametrize(
    ("code", "params", "message"),
    [
        ("NO_SUCH_CODE", {}, "unknown warning code"),
        ("CONTINUITY_BROKEN", {}, "missing gap_months"),
        ("CONTINUITY_BROKEN", {"gap_months": 1, "colour": "red"}, "unexpected colour"),
        ("CONTINUITY_BROKEN", {"gap_months": -1}, "gap_months"),
        ("CONTINUITY_BROKEN", {"gap_months": "3"}, "gap_months"),
        ("BASE_CONFLICT", {"old_base": "x", "new_base": 1}, "old_base"),
        ("STAGE_OVERDUE", {"stage": ""}, "stage"),
        ("FILING_WINDOW_MISSED", {"next_window_opens": "next month"}, "next_window_opens"),
        ("DUPLICATE_CARDS", {"count": 2, "banks": "icbc"}, "banks"),
    ],
)
def test_a_bad_code_or_parameter_is_refused_naming_it(code, params, message):
    with pytest.raises(ValueError, match=message):
        make_warning(code, **params)


def test_merging_keeps_existing_items_and_adds_only_new_ones():
    a = make_warning("CONTINUITY_BROKEN", gap_months=2)
    b = make_warning("STAGE_OVERDUE", stage="社保转移中")
    merged = merge_warnings([a], [dict(a), b, b])
    assert merged == [a, b]
    assert merge_warnings(None, b) == [b]
    assert merge_warnings(merged, None) == merged


def test_the_same_code_with_other_parameters_is_a_separate_warning():
    merged = merge_warnings([], [make_warning("STAGE_OVERDUE", stage="a"), make_warning("STAGE_OVERDUE", stage="b")])
    assert len(merged) == 2


def test_merging_refuses_new_items_that_are_not_catalogue_warnings():
    with pytest.raises(ValueError, match="unknown warning code"):
        merge_warnings([], [{"code": "MADE_UP", "params": {}}])
    with pytest.raises(ValueError, match="must be a list"):
        merge_warnings("GAP_FORECAST", [])


def test_sorting_puts_high_severity_first():
    items = [make_warning("UNVERIFIED_LOCAL_RULE", decision="d", region="110000"),
             make_warning("ENROLMENT_DEADLINE_MISSED", deadline="2026-01-01"),
             make_warning("CONTINUITY_BROKEN", gap_months=1)]
    assert [i["severity"] for i in sort_by_severity(items)] == ["high", "warning", "info"]
