"""Test and demo data for the bureau: employers (with arrears), people and their employments."""

from __future__ import annotations

from typing import Any

from sandbox.bureau.contributions import month_of
from sandbox.bureau.records import upsert_person
from sandbox.errors import invalid
from sandbox.service import Ctx
from sandbox.validation import Body


def seed(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """Add or update employers, arrears, people and employments (``POST /admin/seed``).

    Body: ``{"employers": [{"credit_code", "region", "name", "arrears": [{"period", "amount"}]}],
    "persons": [{"resident_id", "name", "hukou_region", "pension_in_payment", "employments":
    [{"credit_code", "region", "start_date", "base", "stop_month"}]}]}``; ``arrears``, when given,
    replaces the employer's arrears in that region.
    """
    counts = {"employers": 0, "persons": 0, "employments": 0}
    for index, item in enumerate(_list(data, "employers")):
        b = Body(item)
        credit_code, region, name = b.credit_code("credit_code"), b.region("region"), b.text("name", max_length=100)
        _done(b, f"employers[{index}]")
        ctx.tx.execute(
            "INSERT INTO employers (credit_code, region, name) VALUES (?, ?, ?) "
            "ON CONFLICT (credit_code, region) DO UPDATE SET name = excluded.name",
            (credit_code, region, name),
        )
        if "arrears" in item:
            set_arrears(ctx, {"credit_code": credit_code, "region": region, "arrears": item["arrears"]})
        counts["employers"] += 1
    for index, item in enumerate(_list(data, "persons")):
        b = Body(item)
        resident_id = b.resident_id()
        name = b.text("name", max_length=50)
        hukou = b.region("hukou_region", required=False)
        pension = b.flag("pension_in_payment")
        _done(b, f"persons[{index}]")
        assert resident_id and name
        upsert_person(ctx.tx, resident_id, name, hukou)
        ctx.tx.execute("UPDATE persons SET pension_in_payment = ? WHERE resident_id = ?", (int(pension), resident_id))
        counts["persons"] += 1
        for j, job in enumerate(item.get("employments") or []):
            e = Body(job)
            credit_code, region = e.credit_code("credit_code"), e.region("region")
            start, base = e.day("start_date"), e.amount("base")
            stop_month = e.month("stop_month", required=False)
            _done(e, f"persons[{index}].employments[{j}]")
            assert start
            ctx.tx.execute(
                "INSERT INTO employments (resident_id, credit_code, region, start_date, first_month, stop_month, base, source)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'seed')",
                (resident_id, credit_code, region, start.isoformat(), month_of(start), stop_month, base),
            )
            counts["employments"] += 1
    return {"seeded": counts}


def set_arrears(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """Replace an employer's arrears in a region (``PUT /admin/arrears``; an empty list clears them)."""
    b = Body(data)
    credit_code, region = b.credit_code("credit_code"), b.region("region")
    _done(b, "")
    rows = []
    for index, item in enumerate(_list(data, "arrears")):
        a = Body(item)
        period, amount = a.month("period"), a.amount("amount")
        _done(a, f"arrears[{index}]")
        rows.append((credit_code, region, period, amount))
    ctx.tx.execute("DELETE FROM arrears WHERE credit_code = ? AND region = ?", (credit_code, region))
    ctx.tx.executemany("INSERT INTO arrears (credit_code, region, period, amount) VALUES (?, ?, ?, ?)", rows)
    return {"credit_code": credit_code, "region": region, "arrears": [{"period": r[2], "amount": r[3]} for r in rows]}


def _list(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise invalid([{"field": name, "reason": "must be a list of objects"}])
    return value


def _done(b: Body, where: str) -> None:
    if b.errors:
        raise invalid([{"field": f"{where}.{e['field']}" if where else e["field"], "reason": e["reason"]} for e in b.errors])
