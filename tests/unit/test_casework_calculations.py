"""The domain calculations with DOMAIN.md's examples: months, gaps, continuity, base bounds, pension years."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from casework import calculations as calc


def test_a_gap_counts_the_unpaid_months_between_the_last_paid_and_the_first_new_month():
    # idx = year * 12 + month; gap = start_idx - last_paid_idx - 1
    assert calc.month_gap("2025-12", "2026-03") == 2
    assert calc.gap_months_list("2025-12", "2026-03") == ["2026-01", "2026-02"]


def test_moving_straight_on_to_the_next_month_or_overlapping_is_no_gap():
    assert calc.month_gap("2025-12", "2026-01") == 0
    assert calc.month_gap("2026-02", "2026-01") == 0
    assert calc.gap_months_list("2026-02", "2026-01") == []


def test_months_are_read_from_month_text_dates_and_date_objects():
    assert calc.month_of("2026-03-15") == "2026-03"
    assert calc.month_of(date(2026, 3, 15)) == "2026-03"
    assert calc.month_index("2026-03") - calc.month_index("2025-03") == 12
    assert calc.add_months("2025-11", 3) == "2026-02"
    assert calc.add_months("2026-01", -1) == "2025-12"


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "2026-3", "March", "2026-02-30", None, 202603])
def test_an_unreadable_month_is_refused_with_a_clear_message(bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        calc.month_of(bad)


def test_continuous_months_count_back_from_the_month_before_the_application():
    paid = [calc.add_months("2026-03", -i) for i in range(1, 61)]  # 2021-03 .. 2026-02
    assert calc.continuous_months(paid, "2026-03") == 60
    assert calc.is_continuous(paid, "2026-03", 60)  # e.g. Beijing home purchase [L]
    assert not calc.is_continuous(paid, "2026-04", 60)  # March 2026 unpaid: the run is broken


def test_one_unpaid_month_breaks_continuity_even_when_the_total_is_enough():
    paid = [calc.add_months("2026-03", -i) for i in range(1, 70) if i != 5]
    assert calc.continuous_months(paid, "2026-03") == 4
    assert not calc.is_continuous(paid, "2026-03", 60)


def test_continuity_needs_a_positive_number_of_months():
    with pytest.raises(ValueError, match="whole number >= 1"):
        calc.is_continuous([], "2026-03", 0)


def test_a_base_is_checked_against_the_region_bounds():
    # Beijing 2025-07 example limits [?]: 7,162 - 35,811
    assert calc.check_base(10000, 7162, 35811).status == "within"
    low = calc.check_base(5000, 7162, 35811)
    assert (low.status, low.applied) == ("below", Decimal(7162))
    high = calc.check_base("40000", 7162, 35811)
    assert (high.status, high.applied) == ("above", Decimal(35811))


def test_an_unknown_bound_is_not_held_against_the_base():
    assert calc.check_base(100, None, None).within
    assert calc.check_base(100000, 4492, None).within


@pytest.mark.parametrize(("base", "lower", "upper"), [(-1, 1, 2), ("abc", 1, 2), (True, 1, 2), (5, 10, 1)])
def test_a_bad_base_or_inverted_bounds_are_refused(base, lower, upper):
    with pytest.raises(ValueError):
        calc.check_base(base, lower, upper)


def test_bounds_are_sixty_to_three_hundred_percent_of_the_average_wage():
    assert calc.base_bounds_from_average_wage(10000) == (Decimal(6000), Decimal(30000))


def test_pension_minimum_is_fifteen_years_until_2029_then_rises_six_months_a_year_to_twenty():
    assert calc.pension_minimum_years(2029) == 15
    assert calc.pension_minimum_years(2030) == 15.5
    assert calc.pension_minimum_years(date(2031, 6, 1)) == 16
    assert calc.pension_minimum_years(2039) == 20
    assert calc.pension_minimum_years(2050) == 20
    assert calc.pension_shortfall_months(170, 2026) == 10
    assert calc.pension_shortfall_months(200, 2026) == 0


def test_the_late_fee_is_five_ten_thousandths_per_day():
    assert calc.late_fee(1000, 30) == Decimal("15.00")
    with pytest.raises(ValueError):
        calc.late_fee(1000, -1)
