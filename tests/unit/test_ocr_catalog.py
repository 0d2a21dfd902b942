"""The texts of the reader's findings: every code in both languages, parameters translated."""

from __future__ import annotations

import pytest

from connectors.ocr.catalog import CATALOG, message
from connectors.ocr.doctypes import FIELD_KINDS, missing_code


def test_every_finding_code_has_a_chinese_and_an_english_text() -> None:
    for code, texts in CATALOG.items():
        assert texts["zh"].strip() and texts["en"].strip(), code


def test_every_field_has_a_missing_code() -> None:
    for name in FIELD_KINDS:
        assert missing_code(name) in CATALOG


def test_a_missing_separation_date_reads_as_the_issue_puts_it() -> None:
    params = {"document": "separation_certificate"}
    assert message("SEPARATION_DATE_MISSING", params) == "离职证明未注明离职日期"
    assert message("SEPARATION_DATE_MISSING", params, "en") == "The separation certificate does not state the separation date"


def test_field_parameters_are_translated_into_field_names() -> None:
    params = {"earlier": "entry_date", "later": "separation_date", "earlier_value": "2024-05-01", "later_value": "2023-01-01"}
    assert message("DATES_OUT_OF_ORDER", params) == "离职日期（2023-01-01）早于入职日期（2024-05-01）"


def test_check_character_reasons_use_the_identifier_texts() -> None:
    params = {"value": "110105********0021", "reason": "RESIDENT_ID_CHECK_CHARACTER", "reason_params": {"expected": "X", "got": "1"}}
    text = message("ID_NUMBER_INVALID", params)
    assert "110105********0021" in text and "校验码不符" in text and "X" in text


def test_an_unknown_code_is_shown_with_its_parameters_rather_than_hidden() -> None:
    assert message("SOMETHING_NEW", {"a": 1}) == "SOMETHING_NEW {'a': 1}"


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        message("SEAL_MISSING", {}, "fr")
