"""From recognised text to a reading: type, fields, repairs and findings (no tesseract needed here)."""

from __future__ import annotations

from datetime import date

from PIL import Image

from connectors.ocr.model import CaseContext, DocumentReading
from connectors.ocr.reader import PageRead, ReaderConfig, interpret
from connectors.ocr.tesseract import OcrLine, OcrPage

TODAY = date(2025, 7, 1)
VALID_ID = "11010519491231002X"
VALID_CODE = "91110108551385082Q"
NO_SECOND_READING = ReaderConfig(second_opinions=False)


def read_text(*texts: str, context: CaseContext | None = None) -> DocumentReading:
    """The reading of a white page on which tesseract recognised ``texts``, one line each."""
    lines = tuple(OcrLine(t, (100, 100 + 50 * i, 1100, 140 + 50 * i), 90.0) for i, t in enumerate(texts))
    page = PageRead(Image.new("RGB", (1240, 1754), "white"), OcrPage(lines, 1240, 1754), 0.0)
    return interpret([page], context or CaseContext(today=TODAY), config=NO_SECOND_READING)


SEPARATION = (
    "离职证明",
    f"兹证明王晓明(身份证号码: {VALID_ID}) ,自2019年3月1日入职我单位,担任会计一职,于2024年6月30日与我单位解除劳动",
    "合同,相关离职手续已办理完毕。",
    "特此证明。",
    "北京华信科技有限公司(盖章)",
    f"统一社会信用代码: {VALID_CODE}",
    "2024年7月2日",
)


def codes(reading: DocumentReading) -> list[str]:
    return [f.code for f in reading.findings]


def test_a_separation_certificate_gives_its_fields_as_dates_and_strings() -> None:
    reading = read_text(*SEPARATION)
    assert reading.type == "separation_certificate"
    assert reading.fields == {
        "name": "王晓明",
        "id_number": VALID_ID,
        "employer": "北京华信科技有限公司",
        "credit_code": VALID_CODE,
        "entry_date": "2019-03-01",
        "separation_date": "2024-06-30",
        "issue_date": "2024-07-02",
    }


def test_a_certificate_without_separation_date_is_flagged_and_the_rest_still_read() -> None:
    text = list(SEPARATION)
    text[1] = text[1].replace("于2024年6月30日与我单位", "现已与我单位")
    reading = read_text(*text)
    assert reading.fields["separation_date"] is None
    assert reading.fields["entry_date"] == "2019-03-01"
    assert "SEPARATION_DATE_MISSING" in codes(reading)
    finding = next(f for f in reading.findings if f.code == "SEPARATION_DATE_MISSING")
    assert finding.severity == "error" and finding.params == {"document": "separation_certificate"}


def test_letters_read_for_digits_in_an_id_number_are_repaired_with_the_check_character_and_said_so() -> None:
    text = list(SEPARATION)
    text[1] = text[1].replace(VALID_ID, "11O1O5l9491231OO2X")
    reading = read_text(*text)
    assert reading.fields["id_number"] == VALID_ID
    assert [(r.field, r.positions) for r in reading.repaired] == [("id_number", (3, 5, 7, 15, 16))]
    repaired = next(f for f in reading.findings if f.code == "VALUE_REPAIRED")
    assert repaired.severity == "info" and repaired.params == {"field": "id_number", "positions": [3, 5, 7, 15, 16]}
    assert "ID_NUMBER_INVALID" not in codes(reading)


def test_a_wrong_check_character_is_reported_with_the_number_masked_and_never_silently_changed() -> None:
    text = list(SEPARATION)
    text[1] = text[1].replace(VALID_ID, "110105194912310021")
    reading = read_text(*text)
    assert reading.fields["id_number"] == "110105194912310021"
    finding = next(f for f in reading.findings if f.code == "ID_NUMBER_INVALID")
    assert finding.params["value"] == "110105********0021"
    assert finding.params["reason"] == "RESIDENT_ID_CHECK_CHARACTER"
    assert reading.repaired == []


def test_a_credit_code_with_a_letter_o_for_zero_is_repaired() -> None:
    text = list(SEPARATION)
    text[5] = "统一社会信用代码: 911101O8551385O82Q"
    reading = read_text(*text)
    assert reading.fields["credit_code"] == VALID_CODE
    assert "CREDIT_CODE_INVALID" not in codes(reading)


def test_a_wrong_credit_code_check_character_is_a_warning_a_person_can_confirm() -> None:
    text = list(SEPARATION)
    text[5] = "统一社会信用代码: 91110108551385082R"
    finding = next(f for f in read_text(*text).findings if f.code == "CREDIT_CODE_INVALID")
    assert finding.severity == "warning"


def test_leaving_before_joining_is_reported() -> None:
    text = list(SEPARATION)
    text[1] = text[1].replace("2024年6月30日", "2018年6月30日")
    finding = next(f for f in read_text(*text).findings if f.code == "DATES_OUT_OF_ORDER")
    assert finding.params["earlier"] == "entry_date" and finding.params["later"] == "separation_date"


def test_the_case_context_is_checked_and_agreeing_facts_say_nothing() -> None:
    agreeing = CaseContext(name="王晓明", id_number=VALID_ID, employer="北京华信科技有限公司", today=TODAY,
                           separation_from=date(2024, 6, 20), separation_to=date(2024, 7, 10))
    assert not [f for f in read_text(*SEPARATION, context=agreeing).findings if f.severity != "info" and f.code != "SEAL_MISSING"]
    other = CaseContext(name="王小明", id_number="110105194912310038", today=TODAY,
                        separation_from=date(2024, 8, 1), separation_to=date(2024, 9, 1), expected_type="labour_contract")
    found = {f.code: f for f in read_text(*SEPARATION, context=other).findings}
    assert found["NAME_MISMATCH"].params == {"found": "王晓明", "expected": "王小明"}
    assert found["ID_NUMBER_MISMATCH"].params == {"found": "110105********002X", "expected": "110105********0038"}
    assert found["SEPARATION_DATE_OUTSIDE_CASE"].params["value"] == "2024-06-30"
    assert found["DOCUMENT_TYPE_MISMATCH"].params == {"expected_type": "labour_contract", "found_type": "separation_certificate"}


def test_a_certificate_without_a_red_seal_is_flagged() -> None:
    assert "SEAL_MISSING" in codes(read_text(*SEPARATION))


CONTRIBUTION = (
    "社会保险参保缴费凭证",
    "姓名:李娜",
    f"公民身份号码: {VALID_ID}",
    "参保单位名称:上海恒远贸易有限公司",
    "缴费起止时间: 2019年03月至2024年06月",
    "累计缴费月数: 64个月",
    "缴费基数: 8,562.50元",
    "上海市社会保险事业管理中心",
    "2024年07月15日",
)


def test_a_contribution_certificate_gives_months_counts_and_amounts_as_such() -> None:
    reading = read_text(*CONTRIBUTION)
    assert reading.type == "contribution_certificate"
    fields = reading.fields
    assert (fields["period_start"], fields["period_end"]) == ("2019-03", "2024-06")
    assert fields["months_paid"] == 64 and fields["contribution_base"] == 8562.5
    assert fields["issuer"] == "上海市社会保险事业管理中心" and fields["issue_date"] == "2024-07-15"


def test_more_months_paid_than_the_period_holds_is_reported() -> None:
    text = [t.replace("64个月", "70个月") for t in CONTRIBUTION]
    finding = next(f for f in read_text(*text).findings if f.code == "MONTHS_PAID_EXCEED_PERIOD")
    assert finding.params == {"months_paid": 70, "period_months": 64}


def test_a_contribution_table_row_is_read_for_period_months_and_base() -> None:
    reading = read_text(
        "参保缴费凭证", "姓名:李娜", f"公民身份号码: {VALID_ID}", "险种 缴费起止年月 累计月数 缴费基数(元)",
        "基本养老保险 201903-202406 64 8562.00", "经办机构(章):上海市社会保险事业管理中心", "打印日期: 2024年7月15日",
    )
    assert (reading.fields["period_start"], reading.fields["period_end"]) == ("2019-03", "2024-06")
    assert reading.fields["months_paid"] == 64 and reading.fields["contribution_base"] == 8562.0


def test_the_id_card_front_is_checked_against_its_own_number() -> None:
    card = ("姓名王晓明", "性别女民族汉", "出生1949年12月30日", "住址北京市朝阳区建国路88号", f"公民身份号码{VALID_ID}")
    reading = read_text(*card)
    assert reading.type == "id_card_front"
    assert reading.fields == {"name": "王晓明", "sex": "female", "ethnicity": "汉", "birth_date": "1949-12-30", "id_number": VALID_ID}
    assert {"ID_BIRTH_DATE_MISMATCH"} <= set(codes(reading))
    assert "ID_SEX_MISMATCH" not in codes(reading)  # sequence 002: even, female


def test_an_open_ended_contract_needs_no_end_date_but_a_fixed_term_one_does() -> None:
    head = ("劳动合同书", "甲方(用人单位):北京华信科技有限公司", f"统一社会信用代码: {VALID_CODE}", "乙方(劳动者):王晓明",
            f"居民身份证号码: {VALID_ID}", "第一条 合同期限")
    open_ended = read_text(*head, "本合同为无固定期限劳动合同,自2021年3月1日起履行。")
    assert open_ended.fields["contract_term"] == "open_ended"
    assert open_ended.fields["contract_start"] == "2021-03-01" and open_ended.fields["contract_end"] is None
    assert not [c for c in codes(open_ended) if c.endswith("_MISSING")]
    fixed = read_text(*head, "本合同为固定期限劳动合同,自2021年3月1日起至________止,其中试用期自2021年3月1日起至2021年5月31日止。")
    assert fixed.fields["contract_end"] is None
    assert "CONTRACT_END_MISSING" in codes(fixed)


def test_text_that_is_none_of_the_four_types_is_said_to_be_unknown() -> None:
    reading = read_text("会议纪要", "今天下午三点在会议室讨论了明年的工作计划。")
    assert reading.type is None and codes(reading) == ["UNKNOWN_DOCUMENT_TYPE"]


def test_a_page_without_text_is_unreadable() -> None:
    assert codes(read_text()) == ["UNREADABLE_DOCUMENT"]


def test_a_sign_off_left_blank_is_a_missing_employer_not_the_word_seal() -> None:
    form = ("解除劳动合同证明书", "姓名王晓明", "性别女", f"身份证号码{VALID_ID}", "入职时间2019年3月1日",
            "离职时间2024年6月30日", "特此证明。", "用人单位(盖章):", "日期: 2024年7月2日")
    reading = read_text(*form)
    assert reading.fields["employer"] is None and "EMPLOYER_MISSING" in codes(reading)
    assert (reading.fields["entry_date"], reading.fields["separation_date"]) == ("2019-03-01", "2024-06-30")


def test_a_date_whose_month_is_split_by_a_line_break_is_still_read() -> None:
    text = list(SEPARATION)
    text[1] = "兹证明王晓明,自2019年3月1日入职我单位,担任会计一职,于2024年0"
    text.insert(2, "6月30日与我单位解除劳动合同。")
    assert read_text(*text).fields["separation_date"] == "2024-06-30"
