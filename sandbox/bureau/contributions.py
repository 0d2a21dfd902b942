"""Contribution months derived from employments: each employment is paid every month from its first
month to the month before it stopped (or before the current month); an employer's arrears make the
months they cover unpaid."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

# Sandbox contribution rates (shares of the base); real rates differ by region and year.
RATES = {
    "pension_employer": 0.16,
    "pension_personal": 0.08,
    "medical_employer": 0.09,
    "medical_personal": 0.02,
    "unemployment_employer": 0.005,
    "unemployment_personal": 0.005,
}
POOLED_FUND_SHARE = 0.12  # of the contribution wages since 1998-01 (国办发〔2009〕66号)


def month_index(month: str) -> int:
    """``YYYY-MM`` -> year × 12 + month − 1."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_at(index: int) -> str:
    """The inverse of :func:`month_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_of(day: date) -> str:
    """The ``YYYY-MM`` month of a date."""
    return f"{day.year:04d}-{day.month:02d}"


def add_months(month: str, n: int) -> str:
    """``month`` moved by ``n`` months."""
    return month_at(month_index(month) + n)


def periods(tx: sqlite3.Connection, resident_id: str, today: date, region: str | None = None) -> list[dict[str, Any]]:
    """Every contribution month of a person (up to last month), oldest first."""
    sql = (
        "SELECT e.*, COALESCE(r.name, e.credit_code) AS employer_name FROM employments e "
        "LEFT JOIN employers r ON r.credit_code = e.credit_code AND r.region = e.region WHERE e.resident_id = ?"
    )
    args: list[Any] = [resident_id]
    if region:
        sql += " AND e.region = ?"
        args.append(region)
    rows = tx.execute(sql + " ORDER BY e.first_month, e.id", args).fetchall()
    arrears = {
        (r["credit_code"], r["region"], r["period"])
        for r in tx.execute(
            "SELECT a.* FROM arrears a JOIN employments e ON e.credit_code = a.credit_code AND e.region = a.region "
            "WHERE e.resident_id = ?",
            (resident_id,),
        )
    }
    last_closed = month_index(month_of(today)) - 1
    out: list[dict[str, Any]] = []
    for row in rows:
        end = month_index(row["stop_month"]) - 1 if row["stop_month"] else last_closed
        for idx in range(month_index(row["first_month"]), min(end, last_closed) + 1):
            period = month_at(idx)
            base = float(row["base"])
            out.append(
                {
                    "period": period,
                    "region": row["region"],
                    "employer_credit_code": row["credit_code"],
                    "employer_name": row["employer_name"],
                    "base": base,
                    "status": "arrears" if (row["credit_code"], row["region"], period) in arrears else "paid",
                    **{name: round(base * rate, 2) for name, rate in RATES.items()},
                }
            )
    out.sort(key=lambda p: (p["period"], p["region"]))
    return out


def summary(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals of a list of contribution months: months paid, first and last month, account and pooled fund."""
    paid = [p for p in items if p["status"] == "paid"]
    by_region: dict[str, dict[str, Any]] = {}
    for p in paid:
        entry = by_region.setdefault(p["region"], {"region": p["region"], "first_month": p["period"], "months_paid": 0})
        entry["last_month"] = p["period"]
        entry["months_paid"] += 1
    return {
        "months_paid": len(paid),
        "months_in_arrears": len(items) - len(paid),
        "first_month": paid[0]["period"] if paid else None,
        "last_paid_month": paid[-1]["period"] if paid else None,
        "latest_base": paid[-1]["base"] if paid else None,
        "personal_account": round(sum(p["pension_personal"] for p in paid), 2),
        "pooled_fund": round(sum(p["base"] for p in paid if p["period"] >= "1998-01") * POOLED_FUND_SHARE, 2),
        "by_region": list(by_region.values()),
    }
