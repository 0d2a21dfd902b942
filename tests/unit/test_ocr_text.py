"""Parsing recognised text: dates, months, amounts, and the clean-up of recognised lines."""

from __future__ import annotations

from datetime import date

from connectors.ocr.text import clean_line, find_amounts, find_dates, find_months


def test_dates_are_read_in_the_ways_chinese_documents_write_them() -> None:
    text = "2024年6月30日 2024年06月01日 2024-07-02 2024.07.03 2024/7/4"
    assert [f.value for f in find_dates(text)] == [
        date(2024, 6, 30), date(2024, 6, 1), date(2024, 7, 2), date(2024, 7, 3), date(2024, 7, 4),
    ]


def test_a_date_wrapped_onto_the_next_line_is_still_one_date() -> None:
    assert [f.value for f in find_dates("于202\n3年3月12日离职")] == [date(2023, 3, 12)]
    assert [f.value for f in find_dates("自2019年3月1\n日入职")] == [date(2019, 3, 1)]


def test_letters_read_for_digits_inside_a_date_count_as_the_digits() -> None:
    assert [f.value for f in find_dates("2015年]月24日")] == [date(2015, 1, 24)]
    assert [f.value for f in find_dates("2O21年O5月3O日")] == [date(2021, 5, 30)]


def test_impossible_dates_are_not_dates() -> None:
    assert find_dates("2023年2月30日") == []


def test_months_are_read_alone_and_in_periods() -> None:
    assert [f.value for f in find_months("2019年03月至2024年06月")] == [date(2019, 3, 1), date(2024, 6, 1)]
    assert [f.value for f in find_months("201903-202406")] == [date(2019, 3, 1), date(2024, 6, 1)]
    assert [f.value for f in find_months("2017-08-2020-05")] == [date(2017, 8, 1), date(2020, 5, 1)]


def test_amounts_keep_their_cents_and_lose_their_thousands_commas() -> None:
    assert [f.value for f in find_amounts("缴费基数: 24,094.50元 33个月")] == [24094.5, 33.0]


def test_recognised_lines_lose_spaces_between_chinese_characters_and_full_width_forms() -> None:
    assert clean_line("姓 名 ： 张 三 （ 男 ）") == "姓名:张三(男)"
    assert clean_line("公民身份号码  1101 05") == "公民身份号码 1101 05"
