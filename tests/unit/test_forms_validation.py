"""Validating form data: codes, fields and parameters a user interface relies on."""

from __future__ import annotations

import copy
import json
import string
from pathlib import Path
from typing import Any

import pytest

from casework.form_formats import register_casework_formats
from forms import Finding, Form, FormatRegistry, error, load_form, parse_form, warning

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "forms"
RESIDENT_ID = "11010519491231002X"
PHOTO = {"attachment_id": "att-1", "name": "id.jpg", "content_type": "image/jpeg", "size": 120_000}


def with_luhn_digit(prefix: str) -> str:
    """Append the Luhn check digit (independent of the code under test)."""
    for d in string.digits:
        digits = [int(c) for c in reversed(prefix + d)]
        if (sum(digits[::2]) + sum(sum(divmod(2 * x, 10)) for x in digits[1::2])) % 10 == 0:
            return prefix + d
    raise AssertionError("unreachable")


CARD = with_luhn_digit("622202123456789012")
CARD_FAILING_LUHN = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)


@pytest.fixture(scope="module")
def enrolment() -> Form:
    return load_form(
        FIXTURES,
        "enrolment-schema.json",
        "enrolment-uischema.json",
        registry=register_casework_formats(FormatRegistry()),
    )


@pytest.fixture(scope="module")
def transfer() -> Form:
    return load_form(
        FIXTURES, "transfer-2020-12-schema.json", registry=register_casework_formats(FormatRegistry())
    )


def valid_enrolment() -> dict[str, Any]:
    return {
        "employee": {
            "name": "王芳",
            "resident_id": RESIDENT_ID,
            "sex": "female",
            "mobile": "13800138000",
            "bank_card": CARD,
            "monthly_wage": 12000,
        },
        "employer": {"credit_code": "91110108551385082Q", "insured_city": "110000"},
        "start_month": "2024-07",
        "first_work_day": "2024-07-01",
        "dependants": [{"name": "王小明", "resident_id": "110105201001010010", "relation": "child"}],
        "id_card_photo": dict(PHOTO),
        "other_documents": [
            {"attachment_id": "att-2", "name": "contract.pdf", "content_type": "application/pdf", "size": 900}
        ],
    }


def changed(path: str, value: Any) -> dict[str, Any]:
    """Valid data with one value replaced (path dotted; value None deletes)."""
    data = valid_enrolment()
    *parents, last = path.split(".")
    node: Any = data
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    key: Any = int(last) if isinstance(node, list) else last
    if value is None:
        del node[key]
    else:
        node[key] = value
    return data


def codes(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.code, f.field) for f in findings]


def test_valid_data_passes_without_findings(enrolment: Form) -> None:
    result = enrolment.validate(valid_enrolment())
    assert result.ok
    assert (result.errors, result.warnings, result.notes) == ([], [], [])
    assert result.as_dict() == {"ok": True, "errors": [], "warnings": [], "notes": []}


def test_validation_does_not_change_the_data(enrolment: Form) -> None:
    data = changed("employee.resident_id", "110105194912310021")
    before = copy.deepcopy(data)
    enrolment.validate(data)
    assert data == before


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("employee.name", None, error("REQUIRED", "employee.name", property="name")),
        ("employee.name", "王", error("MIN_LENGTH", "employee.name", limit=2)),
        ("employee.name", "王" * 31, error("MAX_LENGTH", "employee.name", limit=30)),
        ("employee.name", 42, error("TYPE", "employee.name", expected=["string"])),
        ("employee.mobile", "010-1234567", error("PATTERN", "employee.mobile", pattern="^1[3-9][0-9]{9}$")),
        ("employee.monthly_wage", -1, error("MINIMUM", "employee.monthly_wage", limit=0)),
        ("employee.monthly_wage", 2_000_000, error("MAXIMUM", "employee.monthly_wage", limit=1000000)),
        ("employee.extra", "x", error("ADDITIONAL_PROPERTY", "employee.extra", property="extra")),
        ("start_month", "2024-13", error("YEAR_MONTH_INVALID", "start_month")),
        ("first_work_day", "2024-02-30", error("DATE_INVALID", "first_work_day")),
        (
            "dependants.0.relation",
            "cousin",
            error(
                "ENUM",
                "dependants.0.relation",
                allowed=["spouse", "child", "parent"],
                labels=["spouse", "child", "parent"],
            ),
        ),
        (
            "employer.insured_city",
            "440000",
            error("ENUM", "employer.insured_city", allowed=["110000", "310000"], labels=["北京", "上海"]),
        ),
        (
            "employee.sex",
            "other",
            error("ENUM", "employee.sex", allowed=["male", "female"], labels=["男", "女"]),
        ),
        ("id_card_photo", None, error("REQUIRED", "id_card_photo", property="id_card_photo")),
    ],
)
def test_each_kind_of_error_has_its_code_field_and_parameters(
    enrolment: Form, path: str, value: Any, expected: Finding
) -> None:
    result = enrolment.validate(changed(path, value))
    assert result.errors == [expected]
    assert not result.ok


def test_a_resident_id_with_a_wrong_check_character_is_an_error(enrolment: Form) -> None:
    result = enrolment.validate(changed("employee.resident_id", "110105194912310021"))
    assert result.errors == [
        error("RESIDENT_ID_CHECK_CHARACTER", "employee.resident_id", expected="X", got="1")
    ]


def test_findings_never_contain_the_submitted_number(enrolment: Form) -> None:
    result = enrolment.validate(changed("employee.resident_id", "110105194912310021"))
    assert "110105194912310021" not in json.dumps(result.as_dict())
    result = enrolment.validate(changed("employee.mobile", "110105194912310021"))
    assert "110105194912310021" not in json.dumps(result.as_dict())


def test_a_bank_card_failing_luhn_is_a_warning_not_an_error(enrolment: Form) -> None:
    result = enrolment.validate(changed("employee.bank_card", CARD_FAILING_LUHN))
    assert result.ok
    assert result.warnings == [warning("BANK_CARD_LUHN", "employee.bank_card")]


def test_a_bank_card_of_the_wrong_length_is_an_error(enrolment: Form) -> None:
    result = enrolment.validate(changed("employee.bank_card", "6222021234"))
    assert codes(result.errors) == [("BANK_CARD_LENGTH", "employee.bank_card")]


def test_a_credit_code_with_a_wrong_check_character_is_a_warning_asking_for_hr_confirmation(
    enrolment: Form,
) -> None:
    result = enrolment.validate(changed("employer.credit_code", "91110108551385082A"))
    assert result.ok
    assert result.warnings == [
        warning(
            "CREDIT_CODE_CHECK_UNCONFIRMED",
            "employer.credit_code",
            expected="Q",
            got="A",
            override_required=True,
        )
    ]


def test_a_malformed_credit_code_is_an_error(enrolment: Form) -> None:
    result = enrolment.validate(changed("employer.credit_code", "91110108551385O82Q"))
    assert codes(result.errors) == [("CREDIT_CODE_CHARACTERS", "employer.credit_code")]


def test_the_strict_credit_code_format_makes_a_wrong_check_character_an_error() -> None:
    schema = {"type": "object", "properties": {"code": {"type": "string", "format": "credit-code-strict"}}}
    form = parse_form(
        json.dumps(schema),
        filename="strict-schema.json",
        registry=register_casework_formats(FormatRegistry()),
    )
    assert codes(form.validate({"code": "91110108551385082A"}).errors) == [
        ("CREDIT_CODE_CHECK_CHARACTER", "code")
    ]


def test_an_unknown_area_code_is_a_note_that_does_not_block(enrolment: Form) -> None:
    result = enrolment.validate(changed("employee.resident_id", "990101198001010014"))
    assert result.ok
    assert codes(result.notes) == [("RESIDENT_ID_AREA_UNKNOWN", "employee.resident_id")]


def test_errors_in_arrays_of_nested_objects_give_dotted_paths_with_indexes(enrolment: Form) -> None:
    data = valid_enrolment()
    data["dependants"].append({"name": "", "resident_id": "11010520100101001"})
    data["dependants"].append({"name": "王大"})
    result = enrolment.validate(data)
    assert codes(result.errors) == [
        ("MIN_LENGTH", "dependants.1.name"),
        ("RESIDENT_ID_LENGTH", "dependants.1.resident_id"),
        ("REQUIRED", "dependants.2.resident_id"),
    ]


def test_several_missing_fields_are_each_reported_once(enrolment: Form) -> None:
    result = enrolment.validate(
        {
            "employee": {},
            "employer": {"credit_code": "91110108551385082Q"},
            "start_month": "2024-07",
            "id_card_photo": PHOTO,
        }
    )
    assert codes(result.errors) == [
        ("REQUIRED", "employee.name"),
        ("REQUIRED", "employee.resident_id"),
        ("REQUIRED", "employee.sex"),
    ]


def test_data_that_is_not_an_object_is_a_type_error_for_the_whole_form(enrolment: Form) -> None:
    assert codes(enrolment.validate([1, 2]).errors) == [("TYPE", "")]


def test_too_many_items_is_an_error_on_the_array(enrolment: Form) -> None:
    data = valid_enrolment()
    data["dependants"] = [{"name": f"家属{i}", "resident_id": RESIDENT_ID} for i in range(6)]
    assert enrolment.validate(data).errors == [error("MAX_ITEMS", "dependants", limit=5)]


def test_a_2020_12_form_follows_refs_and_reports_dotted_paths(transfer: Form) -> None:
    data = {
        "applicant": {"name": "李", "resident_id": "110105194912310021"},
        "from_city": "1101",
        "periods": [{"from": "2019-01", "to": "2023-6", "base": 0}],
    }
    result = transfer.validate(data)
    assert codes(result.errors) == [
        ("MIN_LENGTH", "applicant.name"),
        ("RESIDENT_ID_CHECK_CHARACTER", "applicant.resident_id"),
        ("PATTERN", "from_city"),
        ("YEAR_MONTH_INVALID", "periods.0.to"),
        ("EXCLUSIVE_MINIMUM", "periods.0.base"),
    ]


def test_dependent_required_fields_name_what_triggered_them(transfer: Form) -> None:
    data = {
        "applicant": {"name": "李四", "resident_id": RESIDENT_ID},
        "periods": [{"from": "2019-01", "to": "2023-06"}],
        "agent": {"name": "王芳", "resident_id": RESIDENT_ID},
    }
    assert transfer.validate(data).errors == [
        error("REQUIRED", "power_of_attorney", property="power_of_attorney", because_of="agent")
    ]


def test_an_empty_array_below_min_items_is_an_error(transfer: Form) -> None:
    data = {"applicant": {"name": "李四", "resident_id": RESIDENT_ID}, "periods": []}
    assert transfer.validate(data).errors == [error("MIN_ITEMS", "periods", limit=1)]


def test_a_warning_inside_an_alternative_does_not_turn_into_an_error() -> None:
    schema = {
        "type": "object",
        "properties": {
            "account": {"anyOf": [{"type": "string", "format": "bank-card"}, {"type": "integer"}]}
        },
    }
    form = parse_form(
        json.dumps(schema), filename="alt-schema.json", registry=register_casework_formats(FormatRegistry())
    )
    result = form.validate({"account": CARD_FAILING_LUHN})
    assert result.ok
    assert codes(result.warnings) == [("BANK_CARD_LUHN", "account")]


def test_a_custom_format_registered_by_the_caller_reports_its_own_codes() -> None:
    def even(value: Any) -> list[Finding]:
        if isinstance(value, str) and len(value) % 2:
            return [error("ODD_LENGTH", length=len(value)), warning("LOOKS_ODD")]
        return []

    registry = FormatRegistry()
    registry.register(
        "even", even, messages={"ODD_LENGTH": {"zh": "长度为 {length}", "en": "Length {length}"}}
    )
    schema = {"type": "object", "properties": {"code": {"type": "string", "format": "even"}}}
    form = parse_form(json.dumps(schema), filename="even-schema.json", registry=registry)
    result = form.validate({"code": "abc"})
    assert result.errors == [error("ODD_LENGTH", "code", length=3)]
    assert result.warnings == [warning("LOOKS_ODD", "code")]
    assert form.describe(result.errors[0], "en") == "Length 3"
    # a format leaves values of other types to the "type" keyword
    assert form.validate({"code": 12}).errors == [error("TYPE", "code", expected=["string"])]


def test_the_generic_formats_check_real_dates_times_and_addresses() -> None:
    schema = {
        "type": "object",
        "properties": {
            "d": {"type": "string", "format": "date"},
            "t": {"type": "string", "format": "date-time"},
            "e": {"type": "string", "format": "email"},
        },
    }
    form = parse_form(json.dumps(schema), filename="generic-schema.json")
    assert form.validate({"d": "2024-02-29", "t": "2024-07-01T09:00:00+08:00", "e": "hr@example.com"}).ok
    result = form.validate({"d": "2023-02-29", "t": "2024-07-01 09:00", "e": "hr@example"})
    assert codes(result.errors) == [("DATE_INVALID", "d"), ("DATE_TIME_INVALID", "t"), ("EMAIL_INVALID", "e")]


def test_registering_a_format_twice_or_the_file_format_is_refused() -> None:
    registry = FormatRegistry()
    with pytest.raises(ValueError, match="already registered"):
        registry.register("date", lambda value: [])
    with pytest.raises(ValueError, match="built into forms"):
        registry.register("file", lambda value: [])
    with pytest.raises(ValueError, match="lower-case"):
        registry.register("Resident_ID", lambda value: [])


def test_field_titles_come_from_the_schema_through_refs_and_arrays(enrolment: Form) -> None:
    assert enrolment.field_title("employee.resident_id") == "公民身份号码"
    assert enrolment.field_title("dependants.3.resident_id") == "家属身份号码"
    assert enrolment.field_title("nothing.here") is None
