"""Pure calculations of the social-insurance rules: months, contribution gaps, continuity, base bounds,
pension minimum years and late fees (see DOMAIN.md for the rules and their sources).

Months are ``"YYYY-MM"`` text (a ``"YYYY-MM-DD"`` date, a ``date`` or ``datetime`` is read as its
month). Every function raises ``ValueError`` with a clear message for input it cannot read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

_MONTH = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")

# Pension: 15 years minimum; from 2030 six months more each year until 20 years (2039).
PENSION_BASE_MONTHS = 180
PENSION_FINAL_MONTHS = 240
PENSION_RISE_FROM_YEAR = 2030
PENSION_RISE_MONTHS_PER_YEAR = 6

# Contribution base: 60% to 300% of the provincial average wage of urban employees (国办发〔2019〕13号).
BASE_LOWER_SHARE = Decimal("0.6")
BASE_UPPER_SHARE = Decimal("3")

# Social Insurance Law art. 86: late payment fee of 0.05% per day.
LATE_FEE_DAILY_RATE = Decimal("0.0005")


def parse_month(value: Any) -> tuple[int, int]:
    """(year, month) of ``"YYYY-MM"``, ``"YYYY-MM-DD"``, a date or a datetime.

    :raises ValueError: for anything else, or a month outside 01-12.
    """
    if isinstance(value, datetime | date):
        return value.year, value.month
    if isinstance(value, str):
        match = _MONTH.fullmatch(value.strip())
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            real = 1 <= month <= 12 and year >= 1
            if real and match.group(3):
                try:
                    date(year, month, int(match.group(3)))
                except ValueError:
                    real = False
            if real:
                return year, month
    raise ValueError(f"expected a month 'YYYY-MM' (or a date 'YYYY-MM-DD'), got {value!r}")


def month_of(value: Any) -> str:
    """The ``"YYYY-MM"`` month of a date, a datetime or date text."""
    year, month = parse_month(value)
    return f"{year:04d}-{month:02d}"


def month_index(value: Any) -> int:
    """year × 12 + month: consecutive months have consecutive indexes."""
    year, month = parse_month(value)
    return year * 12 + month


def month_from_index(index: int) -> str:
    """The ``"YYYY-MM"`` month of an index made by :func:`month_index`."""
    year, month = divmod(index - 1, 12)
    return f"{year:04d}-{month + 1:02d}"


def add_months(value: Any, n: int) -> str:
    """The month ``n`` months after (or before, when negative) ``value``."""
    return month_from_index(month_index(value) + n)


def month_gap(last_paid_month: Any, start_month: Any) -> int:
    """Unpaid months between the last paid month and the first month at the new place (>= 0).

    DOMAIN.md: gap = start_idx − last_paid_idx − 1; ``2025-12`` -> ``2026-03`` is 2 (January and
    February unpaid); the next month directly is 0; an overlap is 0 too.
    """
    return max(0, month_index(start_month) - month_index(last_paid_month) - 1)


def gap_months_list(last_paid_month: Any, start_month: Any) -> list[str]:
    """The unpaid months themselves, oldest first (empty when there is no gap)."""
    first = month_index(last_paid_month) + 1
    return [month_from_index(i) for i in range(first, month_index(start_month))]


def continuous_months(paid_months: Iterable[Any], application_month: Any) -> int:
    """How many months, going back from the month before the application, are paid without a break."""
    paid = {month_index(m) for m in paid_months}
    index = month_index(application_month) - 1
    count = 0
    while index in paid:
        count += 1
        index -= 1
    return count


def is_continuous(paid_months: Iterable[Any], application_month: Any, n: int) -> bool:
    """Whether "continuous ``n`` months" holds: every month from the one before the application back
    ``n`` months is paid (e.g. Beijing's 60 months for a home purchase [L]).

    :raises ValueError: when ``n`` is not a whole number >= 1.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"the number of months must be a whole number >= 1, got {n!r}")
    return continuous_months(paid_months, application_month) >= n


def _decimal(name: str, value: Any, *, optional: bool = False) -> Decimal | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except ArithmeticError:
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return number


BaseStatus = Literal["below", "within", "above"]


@dataclass(frozen=True)
class BaseCheck:
    """A contribution base against a region's bounds; ``applied`` is the base the bureau would use."""

    status: BaseStatus
    base: Decimal
    lower: Decimal | None
    upper: Decimal | None
    applied: Decimal

    @property
    def within(self) -> bool:
        """True when the base is inside the bounds (an unknown bound does not count against it)."""
        return self.status == "within"


def check_base(base: Any, lower: Any, upper: Any) -> BaseCheck:
    """Compare a monthly base with the lower and upper limit (either may be None: unknown).

    :raises ValueError: for a value that is not a number >= 0, or lower above upper.
    """
    b = _decimal("base", base)
    lo = _decimal("lower", lower, optional=True)
    hi = _decimal("upper", upper, optional=True)
    assert b is not None
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"the lower limit {lo} is above the upper limit {hi}")
    if lo is not None and b < lo:
        return BaseCheck("below", b, lo, hi, lo)
    if hi is not None and b > hi:
        return BaseCheck("above", b, lo, hi, hi)
    return BaseCheck("within", b, lo, hi, b)


def base_bounds_from_average_wage(average_wage: Any) -> tuple[Decimal, Decimal]:
    """60% and 300% of an average monthly wage, rounded to whole yuan (local rounding differs [L])."""
    avg = _decimal("average wage", average_wage)
    assert avg is not None
    one = Decimal("1")
    return (avg * BASE_LOWER_SHARE).quantize(one, ROUND_HALF_UP), (avg * BASE_UPPER_SHARE).quantize(one, ROUND_HALF_UP)


def pension_minimum_months(retirement: Any) -> int:
    """Minimum contribution months for a monthly pension in the year of retirement (a year or a date).

    180 months (15 years) until 2029; from 2030 six months more each year until 240 (20 years) in 2039.

    :raises ValueError: when ``retirement`` is neither a year nor a date.
    """
    if isinstance(retirement, int) and not isinstance(retirement, bool):
        year = retirement
    else:
        year = parse_month(retirement)[0]
    if year < PENSION_RISE_FROM_YEAR:
        return PENSION_BASE_MONTHS
    rise = (year - PENSION_RISE_FROM_YEAR + 1) * PENSION_RISE_MONTHS_PER_YEAR
    return min(PENSION_FINAL_MONTHS, PENSION_BASE_MONTHS + rise)


def pension_minimum_years(retirement: Any) -> float:
    """:func:`pension_minimum_months` in years (15.0, 15.5, ... 20.0)."""
    return pension_minimum_months(retirement) / 12


def pension_shortfall_months(paid_months: int, retirement: Any) -> int:
    """Months still missing to the minimum at retirement (0 when it is met). Pension years add up
    across places and breaks: ``paid_months`` is the cumulative total.

    :raises ValueError: when ``paid_months`` is not a whole number >= 0.
    """
    if isinstance(paid_months, bool) or not isinstance(paid_months, int) or paid_months < 0:
        raise ValueError(f"paid months must be a whole number >= 0, got {paid_months!r}")
    return max(0, pension_minimum_months(retirement) - paid_months)


def late_fee(amount: Any, days: int) -> Decimal:
    """Late payment fee on ``amount`` owed for ``days`` days: 0.05% per day, rounded to the fen.

    :raises ValueError: for a negative or non-numeric amount or days.
    """
    owed = _decimal("amount", amount)
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"days must be a whole number >= 0, got {days!r}")
    assert owed is not None
    return (owed * LATE_FEE_DAILY_RATE * days).quantize(Decimal("0.01"), ROUND_HALF_UP)
