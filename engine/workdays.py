"""Working days on the statutory calendar of mainland China, computed in Asia/Shanghai.

A day is a working day by, in order: an operator override row for that date; the statutory
calendar of the ``chinese_calendar`` package (public holidays off, make-up workdays — 调休, often a
Saturday — on) for the years the package covers; Monday to Friday for other years, which are
*unverified* (see :func:`covered_years`, :meth:`WorkdayCalendar.unverified_years`).

Counting: ``add_workdays(start, n)`` is the n-th working day *after* the date of ``start``; the start
day itself never counts (the official reading of "within 15 working days": the day of acceptance
does not count). A working-day deadline ends at 23:59:59 Asia/Shanghai of that day.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar

from engine.clock import Clock
from engine.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Wall-clock time (Asia/Shanghai) at which a working-day deadline falls: the end of that day.
DEADLINE_TIME = time(23, 59, 59)
#: Largest working-day count accepted (about 40 years), so a typo cannot run for minutes.
MAX_WORKDAYS = 10_000

MESSAGES: dict[str, dict[str, str]] = {
    "WORKDAYS_COUNT_INVALID": {
        "zh": "工作日天数 {value} 无效：必须是 -{limit} 到 {limit} 之间的整数。",
        "en": "The number of working days {value} is invalid: it must be a whole number from -{limit} to {limit}.",
    },
    "WORKDAYS_DATE_INVALID": {
        "zh": "{value} 不是日期：请给出日期、日期时间或 ISO 8601 文本（如 2024-10-08）。",
        "en": "{value} is not a date: give a date, a datetime or ISO 8601 text (e.g. 2024-10-08).",
    },
    "WORKDAYS_OVERRIDE_INVALID": {
        "zh": "工作日调整 {date} → {value} 无效：键必须是日期，值必须是 true 或 false。",
        "en": "The working-day override {date} → {value} is invalid: keys must be dates and values true or false.",
    },
    "WORKDAYS_OUT_OF_CALENDAR": {
        "zh": "从 {start} 起算 {count} 个工作日超出了可计算的日期范围。",
        "en": "{count} working days from {start} fall outside the dates that can be computed.",
    },
}


class WorkdayArgumentError(InvalidInput, ValueError):
    """A working-day computation was given a bad date, count or override (also a ValueError)."""


def _error(code: str, **params: Any) -> WorkdayArgumentError:
    return WorkdayArgumentError(MESSAGES[code]["en"].format(**params), code=code, **params)


_HOLIDAYS: frozenset[date] = frozenset(chinese_calendar.holidays)
_MAKEUP_WORKDAYS: frozenset[date] = frozenset(chinese_calendar.workdays)
_YEARS = {d.year for d in _HOLIDAYS | _MAKEUP_WORKDAYS}
_COVERED = range(min(_YEARS), max(_YEARS) + 1)
# For counting: statutory days off that fall Monday–Friday, make-up workdays that fall on a weekend.
_WEEKDAY_HOLIDAYS = tuple(sorted(d for d in _HOLIDAYS - _MAKEUP_WORKDAYS if d.weekday() < 5))
_WEEKEND_WORKDAYS = tuple(sorted(d for d in _MAKEUP_WORKDAYS if d.weekday() >= 5))


def covered_years() -> range:
    """The years the statutory calendar covers (holidays and make-up workdays are known)."""
    return _COVERED


def is_verified(year: int) -> bool:
    """Whether ``year`` is covered by the statutory calendar (otherwise Monday–Friday is assumed)."""
    return year in _COVERED


def shanghai_date(value: date | datetime | str) -> date:
    """The calendar date of ``value`` in Asia/Shanghai.

    A date is taken as is; an aware datetime is converted; a naive datetime is read as Shanghai wall
    time; text is parsed as ISO 8601 (a date or a datetime).

    :raises WorkdayArgumentError: WORKDAYS_DATE_INVALID for anything else.
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise _error("WORKDAYS_DATE_INVALID", value=repr(value)) from None
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).date() if value.tzinfo is not None else value.date()
    if isinstance(value, date):
        return value
    raise _error("WORKDAYS_DATE_INVALID", value=repr(value))


def _check_count(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or abs(n) > MAX_WORKDAYS:
        raise _error("WORKDAYS_COUNT_INVALID", value=repr(n), limit=MAX_WORKDAYS)
    return n


def _weekdays_through(day: date) -> int:
    """How many Mondays–Fridays there are from 0001-01-01 (a Monday) through ``day``."""
    ordinal = day.toordinal()
    return 5 * (ordinal // 7) + min(ordinal % 7, 5)


def _statutory_workday(day: date) -> bool:
    if day.year in _COVERED:
        return day in _MAKEUP_WORKDAYS or (day.weekday() < 5 and day not in _HOLIDAYS)
    return day.weekday() < 5


class WorkdayCalendar:
    """The working-day calendar: statutory days, operator overrides, Monday–Friday where unverified."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        """Build the calendar; ``overrides`` maps a date to whether it is a working day.

        :raises WorkdayArgumentError: WORKDAYS_OVERRIDE_INVALID for a key that is not a date or a
            value that is not a bool.
        """
        checked: dict[date, bool] = {}
        for day, value in (overrides or {}).items():
            if not isinstance(day, date) or isinstance(day, datetime) or not isinstance(value, bool):
                raise _error("WORKDAYS_OVERRIDE_INVALID", date=repr(day), value=repr(value))
            checked[day] = value
        self.overrides: Mapping[date, bool] = MappingProxyType(checked)

    def is_workday(self, day: date | datetime | str) -> bool:
        """Whether ``day`` (its date in Asia/Shanghai) is a working day."""
        day = shanghai_date(day)
        override = self.overrides.get(day)
        return _statutory_workday(day) if override is None else override

    def add_workdays(self, start: date | datetime | str, n: int) -> date:
        """The n-th working day after the date of ``start`` (the start day never counts).

        ``n = 0`` gives the start date itself; a negative ``n`` counts back (the n-th working day before).

        :raises WorkdayArgumentError: for a bad start, a count that is not an int within ±MAX_WORKDAYS,
            or a result outside the representable dates.
        """
        day = shanghai_date(start)
        remaining = _check_count(n)
        step = timedelta(days=1 if n > 0 else -1)
        try:
            while remaining:
                day += step
                if self.is_workday(day):
                    remaining -= 1 if n > 0 else -1
        except OverflowError:
            raise _error(
                "WORKDAYS_OUT_OF_CALENDAR", start=shanghai_date(start).isoformat(), count=n
            ) from None
        return day

    def workdays_between(self, a: date | datetime | str, b: date | datetime | str) -> int:
        """How many working days d satisfy a < d <= b (negative, counted the same way, if b < a).

        So ``workdays_between(s, add_workdays(s, n)) == n``.
        """
        first, last = shanghai_date(a), shanghai_date(b)
        if last < first:
            return -self.workdays_between(last, first)
        count = _weekdays_through(last) - _weekdays_through(first)
        count -= bisect_right(_WEEKDAY_HOLIDAYS, last) - bisect_right(_WEEKDAY_HOLIDAYS, first)
        count += bisect_right(_WEEKEND_WORKDAYS, last) - bisect_right(_WEEKEND_WORKDAYS, first)
        for day, value in self.overrides.items():
            if first < day <= last and value != _statutory_workday(day):
                count += 1 if value else -1
        return count

    def unverified_years(self, a: date | datetime | str, b: date | datetime | str) -> list[int]:
        """The years from ``a`` to ``b`` (either order) where Monday–Friday was assumed."""
        first, last = sorted((shanghai_date(a), shanghai_date(b)))
        return [year for year in range(first.year, last.year + 1) if not is_verified(year)]

    def deadline_after_workdays(self, start: date | datetime | str, n: int) -> datetime:
        """The end (23:59:59 Asia/Shanghai) of the n-th working day after ``start``, as aware UTC."""
        day = self.add_workdays(start, n)
        return datetime.combine(day, DEADLINE_TIME, SHANGHAI).astimezone(UTC)


def evaluator_functions(calendar: WorkdayCalendar, clock: Clock) -> dict[str, Callable[..., Any]]:
    """The working-day and time functions offered to evaluated expressions, bound to ``clock``.

    - ``now()``: the engine clock's current time, timezone-aware UTC;
    - ``today()``: today's date in Asia/Shanghai;
    - ``add_workdays(start, n)``: the deadline n working days after ``start`` (a date, datetime or ISO
      text) as ISO 8601 text with the Shanghai offset, e.g. ``'2024-10-08T23:59:59+08:00'`` — usable
      as a timer's date expression;
    - ``workdays(n)``: ``add_workdays(now(), n)``.
    """

    def now() -> datetime:
        return clock.now()

    def today() -> date:
        return clock.now().astimezone(SHANGHAI).date()

    def add_workdays(start: date | datetime | str, n: int) -> str:
        return calendar.deadline_after_workdays(start, n).astimezone(SHANGHAI).isoformat()

    def workdays(n: int) -> str:
        return add_workdays(clock.now(), n)

    return {"now": now, "today": today, "add_workdays": add_workdays, "workdays": workdays}
