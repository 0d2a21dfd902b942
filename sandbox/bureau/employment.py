"""Removal (减员) and enrolment (增员) of employees by their employer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from connectors.masking import mask_resident_id
from sandbox.bureau.contributions import add_months, month_index, month_of
from sandbox.bureau.records import active_employments, arrears_of, new_id, require_employer, upsert_person
from sandbox.errors import Refusal, invalid
from sandbox.regions import region as region_rules
from sandbox.service import Ctx
from sandbox.validation import Body

REMOVAL_REASONS = ("resignation", "dismissal", "contract_end", "retirement", "death", "other")
ENROLMENT_DEADLINE_DAYS = 30  # Social Insurance Law art. 58


def file_removal(ctx: Ctx, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Stop an employee's contributions: inside the region's filing window and with no employer arrears."""
    b = Body(data)
    credit_code = b.credit_code("employer_credit_code")
    region = b.region("region")
    resident_id = b.resident_id()
    separation_date = b.day("separation_date")
    reason = b.choice("reason", REMOVAL_REASONS, default="resignation")
    b.done()
    assert credit_code and region and resident_id and separation_date
    require_employer(ctx.tx, credit_code, region)
    if separation_date > ctx.today:
        raise Refusal("SEPARATION_IN_FUTURE", 422, separation_date=separation_date.isoformat())
    employment = ctx.tx.execute(
        "SELECT * FROM employments WHERE resident_id = ? AND credit_code = ? AND region = ? ORDER BY id DESC LIMIT 1",
        (resident_id, credit_code, region),
    ).fetchone()
    if employment is None:
        raise Refusal("NOT_INSURED", 422)
    if employment["stop_month"] is not None:
        raise Refusal("ALREADY_STOPPED", 422, effective_month=employment["stop_month"])
    if separation_date.isoformat() < employment["start_date"]:
        raise invalid([{"field": "separation_date", "reason": "before the first day of employment"}])
    rules = region_rules(region)
    if not rules.in_window(ctx.today):
        raise Refusal(
            "OUTSIDE_FILING_WINDOW",
            422,
            region=region,
            window_start_day=rules.window_start_day,
            window_end_day=rules.window_end_day,
            next_window_opens=rules.next_window_opens(ctx.today).isoformat(),
        )
    arrears = arrears_of(ctx.tx, credit_code, region)
    if arrears:
        months = [r["period"] for r in arrears]
        raise Refusal(
            "ARREARS",
            422,
            months=months,
            months_text="、".join(months),
            amount=round(sum(float(r["amount"]) for r in arrears), 2),
        )
    filing_month = month_of(ctx.today)
    stop_month = filing_month if rules.removal_effective == "same_month" else add_months(filing_month, 1)
    if month_index(stop_month) < month_index(employment["first_month"]):
        stop_month = employment["first_month"]
    removal_id = new_id("RM", ctx.today)
    ctx.tx.execute("UPDATE employments SET stop_month = ? WHERE id = ?", (stop_month, employment["id"]))
    ctx.tx.execute(
        "INSERT INTO removals (removal_id, employment_id, separation_date, filed_on, effective_month, reason)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (removal_id, employment["id"], separation_date.isoformat(), ctx.today.isoformat(), stop_month, reason),
    )
    ctx.record(
        "removal.accepted",
        subject=mask_resident_id(resident_id),
        reference=removal_id,
        employer_credit_code=credit_code,
        region=region,
        effective_month=stop_month,
    )
    return 201, {
        "removal_id": removal_id,
        "status": "accepted",
        "filed_on": ctx.today.isoformat(),
        "separation_date": separation_date.isoformat(),
        "effective_month": stop_month,
        "last_contribution_month": add_months(stop_month, -1),
        "region": region,
    }


def file_enrolment(ctx: Ctx, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Enrol a new employee, within 30 days of the first day of employment unless lateness is acknowledged."""
    b = Body(data)
    credit_code = b.credit_code("employer_credit_code")
    region = b.region("region")
    resident_id = b.resident_id()
    name = b.text("name", max_length=50)
    start = b.day("employment_start_date")
    base = b.amount("contribution_base")
    late_acknowledged = b.flag("late_acknowledged")
    b.done()
    assert credit_code and region and resident_id and name and start and base
    require_employer(ctx.tx, credit_code, region)
    if start > ctx.today + timedelta(days=31):
        raise invalid([{"field": "employment_start_date", "reason": "more than 31 days ahead"}])
    for row in active_employments(ctx.tx, resident_id):
        if row["credit_code"] == credit_code and row["region"] == region:
            raise Refusal("ALREADY_ENROLLED", 422)
        raise Refusal("ACTIVE_ELSEWHERE", 422, region=row["region"])
    deadline = start + timedelta(days=ENROLMENT_DEADLINE_DAYS)
    days_late = max(0, (ctx.today - deadline).days)
    if days_late and not late_acknowledged:
        raise Refusal(
            "LATE_ENROLMENT",
            422,
            employment_start_date=start.isoformat(),
            deadline=deadline.isoformat(),
            days_late=days_late,
        )
    upsert_person(ctx.tx, resident_id, name)
    first_month = month_of(start)
    cursor = ctx.tx.execute(
        "INSERT INTO employments (resident_id, credit_code, region, start_date, first_month, base, source)"
        " VALUES (?, ?, ?, ?, ?, ?, 'enrolment')",
        (resident_id, credit_code, region, start.isoformat(), first_month, base),
    )
    enrolment_id = new_id("EN", ctx.today)
    ctx.tx.execute(
        "INSERT INTO enrolments (enrolment_id, employment_id, filed_on, late, days_late) VALUES (?, ?, ?, ?, ?)",
        (enrolment_id, cursor.lastrowid, ctx.today.isoformat(), 1 if days_late else 0, days_late),
    )
    ctx.record(
        "enrolment.accepted",
        subject=mask_resident_id(resident_id),
        reference=enrolment_id,
        employer_credit_code=credit_code,
        region=region,
        first_contribution_month=first_month,
        late=bool(days_late),
    )
    return 201, {
        "enrolment_id": enrolment_id,
        "status": "accepted",
        "filed_on": ctx.today.isoformat(),
        "first_contribution_month": first_month,
        "deadline": deadline.isoformat(),
        "late": bool(days_late),
        "days_late": days_late,
        "back_pay_months": max(0, month_index(month_of(ctx.today)) - month_index(first_month)),
        "region": region,
    }
