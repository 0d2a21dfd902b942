"""Sandbox data: a few regions' filing windows and removal rules, and the name of each bureau.

These figures stand in for local practice so the sandbox behaves like a real bureau; they are not
the product's policy (that lives in the DMN policy pack) and are not verified facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casework.divisions import PROVINCES


@dataclass(frozen=True)
class Region:
    """How one region's bureau handles filings."""

    code: str
    name: str
    window_start_day: int = 1
    window_end_day: int = 20
    removal_effective: str = "next_month"  # "same_month": the filing month is no longer charged
    agency: str = ""

    def in_window(self, day: date) -> bool:
        """Whether ``day`` falls in the monthly filing window."""
        return self.window_start_day <= day.day <= self.window_end_day

    def next_window_opens(self, day: date) -> date:
        """The first day of the next filing window after ``day``."""
        if day.day < self.window_start_day:
            return day.replace(day=self.window_start_day)
        year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        return date(year, month, self.window_start_day)


# The provinces are the product's own table: one list of divisions, not a copy per package.

REGIONS: dict[str, Region] = {
    r.code: r
    for r in (
        Region("110000", "北京市", 1, 20, "next_month", "北京市社会保险事业管理中心"),
        Region("310000", "上海市", 1, 15, "same_month", "上海市社会保险事业管理中心"),
        Region("440300", "深圳市", 1, 25, "same_month", "深圳市社会保险基金管理局"),
        Region("440100", "广州市", 1, 20, "next_month", "广州市社会保险基金管理中心"),
        Region("320500", "苏州市", 5, 25, "next_month", "苏州市社会保险基金管理中心"),
        Region("330100", "杭州市", 1, 20, "same_month", "杭州市社会保险管理服务中心"),
        Region("510100", "成都市", 1, 25, "next_month", "成都市社会保险事务中心"),
    )
}


def region(code: str) -> Region:
    """The rules for a 6-digit region code: the code itself, else its city, else its province, else the default."""
    for candidate in (code, code[:4] + "00", code[:2] + "0000"):
        if candidate in REGIONS:
            found = REGIONS[candidate]
            return found if candidate == code else Region(code, found.name, found.window_start_day,
                                                          found.window_end_day, found.removal_effective, found.agency)
    province = PROVINCES.get(code[:2], "")
    return Region(code, province or code, agency=f"{province}社会保险经办机构（{code}）")


def province_of(code: str) -> str:
    """The two-digit province part of a region code."""
    return code[:2]
