"""Working days on the statutory calendar, with overrides and unverified years."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engine.evaluation import Evaluator
from engine.workdays import (
    MAX_WORKDAYS,
    MESSAGES,
    SHANGHAI,
    WorkdayArgumentError,
    WorkdayCalendar,
    covered_years,
    evaluator_functions,
    is_verified,
)

calendar = WorkdayCalendar()
FIRST_UNCOVERED = covered_years().stop


class FixedClock:
    """A clock standing still at one instant (the engine's Clock protocol)."""

    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_the_package_covers_the_recent_years():
    years = covered_years()
    assert 2024 in years and 2025 in years
    assert is_verified(2024)
    assert not is_verified(FIRST_UNCOVERED)
    assert not is_verified(2099)


def test_national_day_2024_is_off_and_its_makeup_weekend_days_are_workdays():
    assert not any(calendar.is_workday(d) for d in days(date(2024, 10, 1), date(2024, 10, 7)))
    assert calendar.is_workday(date(2024, 9, 29))  # a Sunday, made up
    assert calendar.is_workday(date(2024, 10, 12))  # a Saturday, made up
    assert not calendar.is_workday(date(2024, 9, 28))  # an ordinary Saturday
    assert calendar.is_workday(date(2024, 10, 8))


def test_spring_festival_2025_is_off_and_its_makeup_weekend_days_are_workdays():
    assert not any(calendar.is_workday(d) for d in days(date(2025, 1, 28), date(2025, 2, 4)))
    assert calendar.is_workday(date(2025, 1, 26))  # Sunday
    assert calendar.is_workday(date(2025, 2, 8))  # Saturday
    assert calendar.add_workdays(date(2025, 1, 27), 1) == date(2025, 2, 5)


def test_the_start_day_does_not_count():
    assert calendar.add_workdays(date(2024, 9, 23), 1) == date(2024, 9, 24)  # Monday -> Tuesday
    assert calendar.add_workdays(date(2024, 9, 27), 1) == date(2024, 9, 29)  # Friday -> make-up Sunday
    assert calendar.add_workdays(date(2024, 9, 30), 1) == date(2024, 10, 8)  # over National Day


def test_fifteen_working_days_across_national_day_2024():
    # 23-27 Sep (5), Sun 29 Sep (6), 30 Sep (7), 8-11 Oct (11), Sat 12 Oct (12), 14-16 Oct (15)
    assert calendar.add_workdays(date(2024, 9, 20), 15) == date(2024, 10, 16)


def test_zero_and_negative_counts():
    assert calendar.add_workdays(date(2024, 10, 5), 0) == date(2024, 10, 5)
    assert calendar.add_workdays(date(2024, 10, 8), -1) == date(2024, 9, 30)
    assert calendar.add_workdays(date(2024, 10, 14), -2) == date(2024, 10, 11)


def test_a_datetime_start_counts_from_its_date_in_shanghai():
    late_utc = datetime(2024, 9, 29, 17, 0, tzinfo=UTC)  # already 30 Sep, 01:00 in Shanghai
    assert calendar.add_workdays(late_utc, 1) == date(2024, 10, 8)
    naive = datetime(2024, 9, 29, 23, 0)  # read as Shanghai wall time: still 29 Sep
    assert calendar.add_workdays(naive, 1) == date(2024, 9, 30)
    assert calendar.add_workdays("2024-09-29", 1) == date(2024, 9, 30)


def test_overrides_win_over_the_statutory_calendar():
    custom = WorkdayCalendar({date(2024, 10, 8): False, date(2024, 10, 5): True})
    assert not custom.is_workday(date(2024, 10, 8))
    assert custom.is_workday(date(2024, 10, 5))
    assert custom.add_workdays(date(2024, 9, 30), 1) == date(2024, 10, 5)
    assert custom.add_workdays(date(2024, 9, 30), 2) == date(2024, 10, 9)
    assert calendar.add_workdays(date(2024, 9, 30), 1) == date(2024, 10, 8)  # others unaffected


def test_uncovered_years_use_monday_to_friday_and_are_flagged():
    year = FIRST_UNCOVERED
    january = days(date(year, 1, 1), date(year, 1, 31))
    assert [calendar.is_workday(d) for d in january] == [d.weekday() < 5 for d in january]
    assert calendar.unverified_years(date(year - 1, 12, 1), date(year + 1, 1, 5)) == [year, year + 1]
    assert calendar.unverified_years(date(2024, 1, 1), date(2025, 12, 31)) == []
    assert WorkdayCalendar({date(year, 1, 1): False}).is_workday(date(year, 1, 1)) is False


def test_workdays_between_agrees_with_counting_day_by_day():
    custom = WorkdayCalendar(
        {date(2024, 10, 8): False, date(2025, 6, 7): True, date(FIRST_UNCOVERED, 3, 2): False}
    )
    first, last = date(2023, 12, 20), date(FIRST_UNCOVERED, 3, 10)
    expected = sum(custom.is_workday(d) for d in days(first + timedelta(days=1), last))
    assert custom.workdays_between(first, last) == expected
    assert custom.workdays_between(last, first) == -expected
    assert custom.workdays_between(first, first) == 0


@pytest.mark.parametrize("n", [0, 1, 5, 15, 45, 300])
def test_workdays_between_inverts_add_workdays(n):
    start = date(2024, 9, 20)
    assert calendar.workdays_between(start, calendar.add_workdays(start, n)) == n


def test_a_deadline_ends_at_the_last_second_of_the_working_day_in_shanghai():
    deadline = calendar.deadline_after_workdays(datetime(2024, 9, 30, 2, 0, tzinfo=UTC), 1)
    assert deadline == datetime(2024, 10, 8, 15, 59, 59, tzinfo=UTC)
    assert deadline.astimezone(SHANGHAI).isoformat() == "2024-10-08T23:59:59+08:00"


@pytest.mark.parametrize("n", [1.5, True, "3", MAX_WORKDAYS + 1, -MAX_WORKDAYS - 1])
def test_a_bad_count_gets_a_clear_error(n):
    with pytest.raises(WorkdayArgumentError) as caught:
        calendar.add_workdays(date(2024, 1, 1), n)
    assert caught.value.code == "WORKDAYS_COUNT_INVALID"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("value", ["next week", 20240101, None])
def test_a_bad_date_gets_a_clear_error(value):
    with pytest.raises(WorkdayArgumentError) as caught:
        calendar.is_workday(value)
    assert caught.value.code == "WORKDAYS_DATE_INVALID"


def test_counting_past_the_last_representable_date_gets_a_clear_error():
    with pytest.raises(WorkdayArgumentError) as caught:
        calendar.add_workdays(date(9999, 12, 1), 100)
    assert caught.value.code == "WORKDAYS_OUT_OF_CALENDAR"


@pytest.mark.parametrize("overrides", [{"2024-10-08": False}, {date(2024, 10, 8): "no"}])
def test_bad_override_rows_are_rejected(overrides):
    with pytest.raises(WorkdayArgumentError) as caught:
        WorkdayCalendar(overrides)
    assert caught.value.code == "WORKDAYS_OVERRIDE_INVALID"


def test_every_workday_code_has_chinese_and_english_text():
    for texts in MESSAGES.values():
        assert texts["zh"] and texts["en"]


def test_evaluated_expressions_get_working_day_deadlines_as_timer_dates():
    clock = FixedClock(datetime(2024, 9, 30, 1, 0, tzinfo=UTC))
    evaluator = Evaluator(evaluator_functions(calendar, clock))
    data = {"received": date(2024, 9, 20)}
    assert evaluator.evaluate("add_workdays(received, 15)", data) == "2024-10-16T23:59:59+08:00"
    assert evaluator.evaluate("add_workdays('2024-09-30', 1)", data) == "2024-10-08T23:59:59+08:00"
    assert evaluator.evaluate("workdays(1)", data) == "2024-10-08T23:59:59+08:00"
    assert evaluator.evaluate("today()", data) == date(2024, 9, 30)
    assert evaluator.evaluate("now() == stamp", {"stamp": clock.instant}) is True
    assert datetime.fromisoformat(evaluator.evaluate("workdays(1)", data)) == datetime(
        2024, 10, 8, 15, 59, 59, tzinfo=UTC
    )
