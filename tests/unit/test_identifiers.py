"""Resident ID, credit code, bank card and year-month validators, masking and OCR repair."""

from __future__ import annotations

import re
import string
from datetime import date

import pytest

from casework import identifiers
from casework.identifiers import (
    describe,
    mask_bank_card,
    mask_resident_id,
    repair_credit_code,
    repair_resident_id,
    validate_bank_card,
    validate_credit_code,
    validate_resident_id,
    validate_year_month,
)

# Independent reference implementations of the check algorithms, used to build test numbers.
_RID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # ISO 7064 MOD 11-2 weights 7, 9, 10, 5, ...
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [3**i % 31 for i in range(17)]


def with_check_character(first17: str) -> str:
    """Append the GB 11643 check character to 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _RID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def with_uscc_check(first17: str) -> str:
    """Append the GB 32100 check character to 17 characters."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return first17 + _USCC_ALPHABET[(31 - total % 31) % 31]


def with_luhn_digit(prefix: str) -> str:
    """Append the Luhn check digit."""
    for d in string.digits:
        digits = [int(c) for c in reversed(prefix + d)]
        if (sum(digits[::2]) + sum(sum(divmod(2 * x, 10)) for x in digits[1::2])) % 10 == 0:
            return prefix + d
    raise AssertionError("unreachable")


def test_reference_check_helpers_agree_with_the_published_examples() -> None:
    assert with_check_character("11010519491231002") == "11010519491231002X"
    assert with_uscc_check("91110108551385082") == "91110108551385082Q"


# --- resident ID ----------------------------------------------------------------------------------


def test_the_standard_example_resident_id_is_valid_with_its_birth_date_sex_and_area() -> None:
    result = validate_resident_id("11010519491231002X")
    assert result.valid
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex == "female"
    assert result.area_code == "110105"
    assert result.area_name is not None and "朝阳区" in result.area_name
    assert result.errors == () and result.notes == ()


def test_lower_case_x_spaces_and_full_width_digits_are_normalised() -> None:
    assert validate_resident_id(" 110105 19491231 002x ").value == "11010519491231002X"
    assert validate_resident_id("１１０１０５１９４９１２３１００２Ｘ").valid


@pytest.mark.parametrize("first17", ["32010219491001001", "41030219490315002", "11010319620704003"])
def test_ids_with_older_area_codes_born_in_1949_or_later_are_valid(first17: str) -> None:
    number = with_check_character(first17)
    assert validate_resident_id(number).valid, number


def test_an_unknown_area_code_is_a_note_not_an_error() -> None:
    result = validate_resident_id(with_check_character("99010119800101001"))
    assert result.valid
    assert [n.code for n in result.notes] == ["RESIDENT_ID_AREA_UNKNOWN"]
    assert result.notes[0].params == {"area_code": "990101"}
    assert result.area_name is None


def test_an_odd_sequence_number_means_male() -> None:
    assert validate_resident_id(with_check_character("11010519800101001")).sex == "male"
    assert validate_resident_id(with_check_character("11010519800101002")).sex == "female"


def test_a_wrong_check_character_reports_expected_and_given() -> None:
    result = validate_resident_id("110105194912310021")
    assert not result.valid
    assert [(e.code, dict(e.params)) for e in result.errors] == [
        ("RESIDENT_ID_CHECK_CHARACTER", {"expected": "X", "got": "1"})
    ]
    assert result.birth_date is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1101051949123100", "RESIDENT_ID_LENGTH"),
        ("", "RESIDENT_ID_LENGTH"),
        ("110105491231002", "RESIDENT_ID_FIRST_GENERATION"),
        ("1101051949123100XX", "RESIDENT_ID_CHARACTERS"),
        ("11010519491231A02X", "RESIDENT_ID_CHARACTERS"),
    ],
)
def test_structural_problems_have_their_own_codes(value: str, code: str) -> None:
    assert [e.code for e in validate_resident_id(value).errors] == [code]


def test_character_errors_name_the_one_based_positions() -> None:
    result = validate_resident_id("11010519491231A02Y")
    assert result.errors[0].params == {"positions": [15, 18]}


def test_an_impossible_birth_date_is_an_error_even_with_a_matching_check_character() -> None:
    result = validate_resident_id(with_check_character("11010519490230002"))
    assert [e.code for e in result.errors] == ["RESIDENT_ID_BIRTH_DATE"]


def test_a_birth_date_after_today_is_an_error() -> None:
    number = with_check_character("11010520100101002")
    assert validate_resident_id(number, today=date(2030, 1, 1)).valid
    assert [e.code for e in validate_resident_id(number, today=date(2009, 12, 31)).errors] == [
        "RESIDENT_ID_BIRTH_DATE_FUTURE"
    ]


def test_a_birth_date_before_1870_is_an_error() -> None:
    result = validate_resident_id(with_check_character("11010518600101002"))
    assert [e.code for e in result.errors] == ["RESIDENT_ID_BIRTH_DATE_TOO_EARLY"]


def test_a_result_never_shows_the_full_number_in_its_repr() -> None:
    text = repr(validate_resident_id("110105194912310021"))
    assert "110105194912310021" not in text
    assert "110105********0021" in text


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "110105********002X"),
        ("11010519491231002x", "110105********002X"),
        ("1234", "****"),
    ],
)
def test_resident_ids_are_masked_keeping_area_code_and_last_four(value: str, masked: str) -> None:
    assert mask_resident_id(value) == masked


# --- credit code ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["91110108551385082Q", "91110000600037341L", "9111 0108 5513 8508 2q"])
def test_valid_credit_codes_pass(code: str) -> None:
    result = validate_credit_code(code)
    assert result.valid and result.check_character_ok


def test_a_credit_code_from_a_letter_authority_is_valid() -> None:
    # Rural collective economic organisations are registered by the agriculture authority ("N").
    assert validate_credit_code(with_uscc_check("N2110108MA0000001")).valid


def test_a_wrong_credit_code_check_character_can_be_overridden() -> None:
    result = validate_credit_code("91110108551385082A")
    assert not result.valid
    assert result.check_character_ok is False
    assert result.override_possible
    assert result.errors[0].code == "CREDIT_CODE_CHECK_CHARACTER"
    assert result.errors[0].params == {"expected": "Q", "got": "A"}


@pytest.mark.parametrize(
    ("code", "error", "params"),
    [
        ("9111010855138508Q", "CREDIT_CODE_LENGTH", {"expected": 18, "actual": 17}),
        ("91110108551385O82Q", "CREDIT_CODE_CHARACTERS", {"positions": [15]}),
        ("911101A8551385082Q", "CREDIT_CODE_CHARACTERS", {"positions": [7]}),
    ],
)
def test_malformed_credit_codes_are_errors_that_cannot_be_overridden(
    code: str, error: str, params: dict
) -> None:
    result = validate_credit_code(code)
    assert [(e.code, dict(e.params)) for e in result.errors] == [(error, params)]
    assert not result.override_possible


# --- bank card ------------------------------------------------------------------------------------


def test_a_unionpay_card_passing_luhn_is_valid_without_warnings() -> None:
    number = with_luhn_digit("622202123456789012")
    result = validate_bank_card(number)
    assert result.valid and result.unionpay and result.luhn_ok
    assert result.warnings == ()


def test_a_card_failing_luhn_is_valid_with_a_warning() -> None:
    good = with_luhn_digit("622202123456789")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    result = validate_bank_card(bad)
    assert result.valid
    assert result.luhn_ok is False
    assert [w.code for w in result.warnings] == ["BANK_CARD_LUHN"]


def test_a_card_not_starting_with_62_is_valid_but_not_unionpay() -> None:
    result = validate_bank_card(with_luhn_digit("436742123456789"))
    assert result.valid and not result.unionpay


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("622202123456789", "BANK_CARD_LENGTH"),
        ("6222-0212-3456-78AB", "BANK_CARD_CHARACTERS"),
        ("", "BANK_CARD_CHARACTERS"),
    ],
)
def test_bank_cards_of_the_wrong_shape_are_errors(value: str, code: str) -> None:
    assert [e.code for e in validate_bank_card(value).errors] == [code]


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("6222021234561234", "6222 **** **** 1234"),
        ("6222 0212 3456 1234", "6222 **** **** 1234"),
        ("6222021234567891234", "6222 **** **** *** 1234"),
    ],
)
def test_bank_cards_are_masked_keeping_first_and_last_four(value: str, masked: str) -> None:
    assert mask_bank_card(value) == masked


def test_a_card_result_never_shows_the_full_number_in_its_repr() -> None:
    number = with_luhn_digit("622202123456789012")
    assert number not in repr(validate_bank_card(number))


# --- year-month -----------------------------------------------------------------------------------


def test_year_months_need_four_digit_years_and_months_01_to_12() -> None:
    ok = validate_year_month("2024-07")
    assert ok.valid and (ok.year, ok.month) == (2024, 7)
    for bad in ("2024-7", "2024-13", "2024-00", "24-07", "2024/07"):
        assert [e.code for e in validate_year_month(bad).errors] == ["YEAR_MONTH_FORMAT"], bad


# --- OCR repair -----------------------------------------------------------------------------------


def test_letters_read_in_digit_positions_are_repaired_and_positions_named() -> None:
    result = repair_resident_id("11O1O519491231OO2x")
    assert result.code == "REPAIRED"
    assert result.value == "11010519491231002X"
    assert result.positions == (3, 5, 15, 16)


def test_lower_case_l_and_capital_i_become_one() -> None:
    result = repair_resident_id("l1010519491231002X")
    assert result.value == "11010519491231002X" and result.positions == (1,)
    assert repair_resident_id("1I010519491231002X").value == "11010519491231002X"


def test_an_already_valid_number_needs_no_repair() -> None:
    result = repair_resident_id("110105 19491231 002x")
    assert result.code == "REPAIR_NOT_NEEDED"
    assert result.value == "11010519491231002X" and result.positions == ()


def test_a_single_misread_digit_with_one_plausible_fix_is_a_guess_to_confirm() -> None:
    result = repair_resident_id("11010519491231602X")  # 0 read as 6 in the sequence number
    assert result.code == "REPAIR_GUESSED"
    assert result.value == "11010519491231002X"
    assert result.positions == (15,)


def test_a_misread_digit_with_several_plausible_fixes_is_ambiguous() -> None:
    result = repair_resident_id("11010519491231062X")
    assert result.code == "REPAIR_AMBIGUOUS"
    assert result.value is None
    assert len(result.candidates) > 1
    for candidate in result.candidates:
        assert validate_resident_id(candidate).valid
        assert sum(a != b for a, b in zip(candidate, "11010519491231062X", strict=True)) == 1


@pytest.mark.parametrize("text", ["1101051949123100", "11010519491231#02X"])
def test_text_of_the_wrong_length_or_with_unreadable_characters_is_not_repaired(text: str) -> None:
    result = repair_resident_id(text)
    assert result.code == "REPAIR_FAILED" and result.value is None


def test_repair_results_do_not_show_numbers_in_their_repr() -> None:
    assert "1101" not in repr(repair_resident_id("11O1O519491231OO2x"))


def test_credit_code_letters_outside_the_alphabet_are_repaired() -> None:
    result = repair_credit_code("9111O1O855138SO82Q")
    assert result.code == "REPAIRED"
    assert result.value == "91110108551385082Q"
    assert result.positions == (5, 7, 14, 15)


def test_a_credit_code_that_no_repair_can_fix_fails() -> None:
    assert repair_credit_code("91110108551385082").code == "REPAIR_FAILED"


# --- messages -------------------------------------------------------------------------------------


def _placeholders(template: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", template))


def test_every_message_has_chinese_and_english_with_the_same_placeholders() -> None:
    for code, texts in identifiers.MESSAGES.items():
        assert set(texts) == {"zh", "en"}, code
        assert _placeholders(texts["zh"]) == _placeholders(texts["en"]), code


def test_every_code_the_validators_report_has_a_message() -> None:
    results = [
        validate_resident_id("110105194912310021"),
        validate_resident_id("123"),
        validate_resident_id("110105491231002"),
        validate_resident_id("11010519491231A02X"),
        validate_resident_id(with_check_character("99010119800101001")),
        validate_credit_code("91110108551385082A"),
        validate_credit_code("9"),
        validate_credit_code("91110108551385O82Q"),
        validate_year_month("x"),
    ]
    codes = {i.code for r in results for i in (*r.errors, *getattr(r, "notes", ()))}
    codes |= {w.code for w in validate_bank_card("6222021234567890").warnings}
    codes |= {e.code for v in ("62", "62x") for e in validate_bank_card(v).errors}
    assert codes - set(identifiers.MESSAGES) == set()


def test_messages_are_rendered_in_chinese_by_default_and_in_english_on_request() -> None:
    params = {"expected": "X", "got": "1"}
    assert describe("RESIDENT_ID_CHECK_CHARACTER", params) == "校验码不符：应为 X，实为 1，请核对号码是否有误"
    assert describe("RESIDENT_ID_CHECK_CHARACTER", params, "en-US").startswith(
        "Check character mismatch: expected X"
    )
    assert describe("RESIDENT_ID_CHARACTERS", {"positions": [3, 5]}).startswith("第 3、5 位")


def test_an_unknown_code_is_described_by_the_code_itself() -> None:
    assert describe("NO_SUCH_CODE", {}) == "NO_SUCH_CODE"
