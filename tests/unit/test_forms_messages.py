"""Texts for form findings: every code forms reports has Chinese and English text."""

from __future__ import annotations

import re

from casework import identifiers
from forms import MESSAGES, Finding, FormatRegistry, describe, describe_code, error, parse_form
from forms.error_mapping import KEYWORD_CODES
from forms.messages import human_size


def _placeholders(template: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", template))


def test_every_message_has_chinese_and_english_with_the_same_placeholders() -> None:
    for code, texts in MESSAGES.items():
        assert set(texts) == {"zh", "en"}, code
        assert _placeholders(texts["zh"]) == _placeholders(texts["en"]), code


def test_every_code_mapped_from_a_json_schema_keyword_has_a_message() -> None:
    codes = {code for code, _param in KEYWORD_CODES.values()}
    codes |= {"REQUIRED", "ENUM", "ADDITIONAL_PROPERTY", "NOT_ALLOWED", "INVALID"}
    assert codes - set(MESSAGES) == set()


def test_findings_are_described_in_chinese_by_default_and_in_english_on_request() -> None:
    finding = error("MAX_LENGTH", "employee.name", limit=30)
    assert describe(finding) == "最多 30 个字符"
    assert describe(finding, "en") == "Use at most 30 characters"
    assert describe(finding, "en-GB") == "Use at most 30 characters"
    assert describe(finding, "fr") == "最多 30 个字符"


def test_type_names_and_lists_read_naturally() -> None:
    assert describe(error("TYPE", "a", expected=["string"])) == "应为文本"
    assert (
        describe(error("TYPE", "a", expected=["integer", "null"]), "en")
        == "Expected a whole number or nothing"
    )
    assert (
        describe(error("ENUM", "a", allowed=["m", "f"], labels=["男", "女"])) == "请从给定选项中选择：男、女"
    )


def test_byte_counts_are_shown_in_readable_units() -> None:
    finding = error("FILE_TOO_LARGE", "photo", limit_bytes=2 * 1024 * 1024, size_bytes=3_500_000)
    assert describe(finding, "en") == "The file is too large: 3.3 MB; the limit is 2 MB"
    assert human_size(40 * 1024) == "40 KB"
    assert human_size(512) == "512 B"


def test_a_missing_parameter_stays_visible_instead_of_failing() -> None:
    assert describe(Finding("MAX_LENGTH", "x")) == "最多 {limit} 个字符"


def test_an_unknown_code_is_described_by_the_code_itself() -> None:
    assert describe_code("SOMETHING_NEW", {"a": 1}) == "SOMETHING_NEW"


def test_a_form_describes_the_codes_of_its_registered_formats() -> None:
    from casework.form_formats import register_casework_formats

    registry = register_casework_formats(FormatRegistry())
    form = parse_form(
        '{"type": "object", "properties": {"id": {"type": "string", "format": "resident-id"}}}',
        filename="id-schema.json",
        registry=registry,
    )
    finding = form.validate({"id": "110105194912310021"}).errors[0]
    assert form.describe(finding) == identifiers.describe(finding.code, finding.params)
    assert form.describe(finding, "en").startswith("Check character mismatch: expected X, got 1")
    assert describe(finding) == "RESIDENT_ID_CHECK_CHARACTER"  # forms alone does not know the domain's codes
