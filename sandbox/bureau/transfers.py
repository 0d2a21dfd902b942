"""Pension and medical transfer applications (转移接续) advancing through the official stages.

Stages: ``submitted`` → ``accepted`` (acceptance letter, 联系函) or ``refused`` (written refusal) →
``info_sheet_issued`` (information sheet, 信息表, and funds moved) → ``completed``. Each stage is
reached a configured number of working days after the previous one (sandbox timings) and carries its
official deadline. Stages advance lazily: when an application is read and on the service's tick.
Whether the application will be refused is decided from the records when it is submitted.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any

from connectors.masking import mask_resident_id
from sandbox.bureau.callbacks import enqueue
from sandbox.bureau.contributions import periods, summary
from sandbox.bureau.records import active_employments, new_id
from sandbox.errors import Refusal
from sandbox.messages import text
from sandbox.regions import province_of
from sandbox.service import Ctx, ServiceRuntime
from sandbox.validation import Body, age_on, is_male

KINDS = ("pension", "medical")
STAGES = ("submitted", "accepted", "refused", "info_sheet_issued", "completed")
OPEN_STAGES = ("submitted", "accepted", "info_sheet_issued")
# Official maximum working days per stage: pension 国办发〔2009〕66号 (15 each); medical
# 医保办发〔2021〕43号 (outgoing 10, incoming 5; the 5 for the acceptance step is the sandbox's choice).
DEADLINE_WORKDAYS: dict[str, dict[str, int]] = {
    "pension": {"accepted": 15, "info_sheet_issued": 15, "completed": 15},
    "medical": {"accepted": 5, "info_sheet_issued": 10, "completed": 5},
}
DOCUMENT_PREFIX = {"accepted": "LXH", "refused": "BSL", "info_sheet_issued": "XXB", "completed": "WJ"}


def apply(ctx: Ctx, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Accept a transfer application for processing (stage ``submitted``)."""
    b = Body(data)
    kind = b.choice("kind", KINDS)
    resident_id = b.resident_id()
    name = b.text("name", max_length=50)
    from_region = b.region("from_region")
    to_region = b.region("to_region")
    reference = b.text("reference", required=False, max_length=200)
    correlation = _correlation(b)
    b.done()
    assert kind and resident_id and name and from_region and to_region
    if from_region == to_region:
        raise Refusal("SAME_REGION", 422)
    person = ctx.tx.execute("SELECT * FROM persons WHERE resident_id = ?", (resident_id,)).fetchone()
    if person is None:
        raise Refusal("PERSON_NOT_FOUND", 404)
    items = periods(ctx.tx, resident_id, ctx.today, region=from_region)
    if not items:
        raise Refusal("NO_RECORD_IN_REGION", 422, region=from_region)
    open_row = ctx.tx.execute(
        f"SELECT application_id FROM transfers WHERE resident_id = ? AND kind = ? AND stage IN {OPEN_STAGES}",  # noqa: S608
        (resident_id, kind),
    ).fetchone()
    if open_row is not None:
        raise Refusal("TRANSFER_IN_PROGRESS", 422, application_id=open_row["application_id"])
    reason = _refusal_reason(ctx.tx, person, kind, from_region, to_region, items, ctx.today)
    totals = summary(items)
    funds = (
        {"personal_account": totals["personal_account"], "pooled_fund": totals["pooled_fund"],
         "total": round(totals["personal_account"] + totals["pooled_fund"], 2), "months": totals["months_paid"]}
        if kind == "pension"
        else {"personal_account": round(sum(p["medical_personal"] for p in items if p["status"] == "paid"), 2),
              "months": totals["months_paid"]}
    )
    application_id = new_id("ZY", ctx.today)
    ctx.tx.execute(
        "INSERT INTO transfers (application_id, kind, resident_id, name, from_region, to_region, reference,"
        " correlation, applied_on, stage, outcome, funds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?)",
        (application_id, kind, resident_id, name, from_region, to_region, reference,
         json.dumps(correlation or {"application_id": application_id}, ensure_ascii=False), ctx.today.isoformat(),
         json.dumps({"refusal_reason": reason}), json.dumps(funds)),
    )
    ctx.tx.execute(
        "INSERT INTO transfer_stages (application_id, stage, reached_on, deadline) VALUES (?, 'submitted', ?, NULL)",
        (application_id, ctx.today.isoformat()),
    )
    ctx.record("transfer.applied", subject=mask_resident_id(resident_id), reference=application_id,
               kind=kind, from_region=from_region, to_region=to_region)
    return 202, view(ctx.tx, ctx.runtime, application_id)


def status(ctx: Ctx, data: dict[str, Any], application_id: str) -> dict[str, Any]:
    """The application's stages so far, brought up to the current business date.

    :raises Refusal: ``TRANSFER_NOT_FOUND``.
    """
    row = ctx.tx.execute("SELECT * FROM transfers WHERE application_id = ?", (application_id,)).fetchone()
    if row is None:
        raise Refusal("TRANSFER_NOT_FOUND", 404)
    advance(ctx.tx, ctx.runtime, row, ctx.today)
    return view(ctx.tx, ctx.runtime, application_id)


def advance_all(tx: sqlite3.Connection, runtime: ServiceRuntime, today: date) -> int:
    """Advance every open application to ``today``; returns how many stages were reached."""
    rows = tx.execute(f"SELECT * FROM transfers WHERE stage IN {OPEN_STAGES}").fetchall()  # noqa: S608
    return sum(advance(tx, runtime, row, today) for row in rows)


def advance(tx: sqlite3.Connection, runtime: ServiceRuntime, row: sqlite3.Row, today: date) -> int:
    """Reach every stage that is due by ``today`` (recording it, and queueing its callback)."""
    reached = 0
    kind, stage = row["kind"], row["stage"]
    last_on = date.fromisoformat(_reached_on(tx, row["application_id"], stage))
    refusal = json.loads(row["outcome"]).get("refusal_reason")
    timings = runtime.options["transfer_workdays"][kind]
    while stage in OPEN_STAGES:
        target = _next_stage(stage, refusal)
        due = runtime.calendar.add_workdays(last_on, int(timings["accepted" if target == "refused" else target]))
        if due > today:
            break
        deadline = runtime.calendar.add_workdays(last_on, DEADLINE_WORKDAYS[kind]["accepted" if target == "refused" else target])
        office = row["from_region"] if target == "info_sheet_issued" else row["to_region"]  # who issues it
        document_no = f"{DOCUMENT_PREFIX[target]}{office}{due:%Y%m%d}{row['application_id'][-8:]}"
        tx.execute(
            "INSERT INTO transfer_stages (application_id, stage, reached_on, deadline, document_no) VALUES (?, ?, ?, ?, ?)",
            (row["application_id"], target, due.isoformat(), deadline.isoformat(), document_no),
        )
        tx.execute("UPDATE transfers SET stage = ? WHERE application_id = ?", (target, row["application_id"]))
        tx.execute(
            "INSERT INTO ledger (recorded_at, business_date, effect, subject, reference, data) VALUES (?, ?, ?, ?, ?, ?)",
            (runtime.now().isoformat(), due.isoformat(), f"transfer.{target}", mask_resident_id(row["resident_id"]),
             row["application_id"], json.dumps({"kind": kind, "document_no": document_no})),
        )
        stage, last_on = target, due
        reached += 1
        payload = _stage_payload(tx, runtime, row["application_id"], target)
        enqueue(
            tx,
            message=f"transfer.{kind}.{target}",
            application_id=row["application_id"],
            correlation=json.loads(row["correlation"]),
            payload=payload,
            occurred_on=due,
            created_at=runtime.now(),
        )
    return reached


def view(tx: sqlite3.Connection, runtime: ServiceRuntime, application_id: str) -> dict[str, Any]:
    """The JSON shape of an application."""
    row = tx.execute("SELECT * FROM transfers WHERE application_id = ?", (application_id,)).fetchone()
    stages = tx.execute(
        "SELECT stage, reached_on, deadline, document_no FROM transfer_stages WHERE application_id = ? ORDER BY reached_on,"
        " CASE stage WHEN 'submitted' THEN 0 WHEN 'accepted' THEN 1 WHEN 'refused' THEN 1 WHEN 'info_sheet_issued' THEN 2 ELSE 3 END",
        (application_id,),
    ).fetchall()
    result: dict[str, Any] = {
        "application_id": application_id,
        "kind": row["kind"],
        "stage": row["stage"],
        "resident_id_masked": mask_resident_id(row["resident_id"]),
        "from_region": row["from_region"],
        "to_region": row["to_region"],
        "reference": row["reference"],
        "correlation": json.loads(row["correlation"]),
        "applied_on": row["applied_on"],
        "stages": [dict(s) for s in stages],
        "next_stage": None,
        "refusal": None,
        "funds": None,
    }
    if row["stage"] in OPEN_STAGES:
        refusal = json.loads(row["outcome"]).get("refusal_reason")
        upcoming = _next_stage(row["stage"], refusal)
        label = "accepted" if upcoming == "refused" else upcoming
        last_on = date.fromisoformat(stages[-1]["reached_on"])
        deadline = runtime.calendar.add_workdays(last_on, DEADLINE_WORKDAYS[row["kind"]][label])
        # A pending refusal is not disclosed before it is reached: the next step is named "decision".
        result["next_stage"] = {"stage": "decision" if row["stage"] == "submitted" else upcoming,
                                "deadline": deadline.isoformat()}
    payload = _stage_payload(tx, runtime, application_id, row["stage"])
    result["refusal"] = payload.get("refusal")
    result["funds"] = payload.get("funds")
    return result


def _stage_payload(tx: sqlite3.Connection, runtime: ServiceRuntime, application_id: str, stage: str) -> dict[str, Any]:
    row = tx.execute("SELECT * FROM transfers WHERE application_id = ?", (application_id,)).fetchone()
    st = tx.execute(
        "SELECT * FROM transfer_stages WHERE application_id = ? AND stage = ?", (application_id, stage)
    ).fetchone()
    payload: dict[str, Any] = {
        "application_id": application_id,
        "kind": row["kind"],
        "reference": row["reference"],
        "stage": stage,
        "reached_on": st["reached_on"] if st else None,
        "deadline": st["deadline"] if st else None,
        "document_no": st["document_no"] if st else None,
        "resident_id_masked": mask_resident_id(row["resident_id"]),
        "from_region": row["from_region"],
        "to_region": row["to_region"],
    }
    if stage == "refused":
        code = json.loads(row["outcome"]).get("refusal_reason")
        payload["refusal"] = {"reason_code": code, "reason": text(code, "zh"), "reason_en": text(code, "en")}
    if stage in ("info_sheet_issued", "completed"):
        payload["funds"] = json.loads(row["funds"])
    return payload


def _correlation(b: Body) -> dict[str, str] | None:
    """The caller's correlation keys, echoed in every callback: at most 5 text keys and values."""
    value = b.data.get("correlation")
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or not 0 < len(value) <= 5
        or not all(isinstance(k, str) and 0 < len(k) <= 64 and isinstance(v, str) and len(v) <= 200 for k, v in value.items())
    ):
        b.errors.append({"field": "correlation", "reason": "must be an object of 1 to 5 text keys and text values"})
        return None
    return dict(value)


def _next_stage(stage: str, refusal: str | None) -> str:
    if stage == "submitted":
        return "refused" if refusal else "accepted"
    return {"accepted": "info_sheet_issued", "info_sheet_issued": "completed"}[stage]


def _reached_on(tx: sqlite3.Connection, application_id: str, stage: str) -> str:
    row = tx.execute(
        "SELECT reached_on FROM transfer_stages WHERE application_id = ? AND stage = ?", (application_id, stage)
    ).fetchone()
    return str(row["reached_on"])


def _refusal_reason(
    tx: sqlite3.Connection, person: sqlite3.Row, kind: str, from_region: str, to_region: str,
    items: list[dict[str, Any]], today: date,
) -> str | None:
    """Why the incoming place will refuse, or None: checked in the order a clerk would."""
    resident_id = person["resident_id"]
    if kind == "pension" and person["pension_in_payment"]:
        return "PENSION_IN_PAYMENT"
    active = active_employments(tx, resident_id)
    if any(e["region"] == from_region for e in active):
        return "OUTGOING_NOT_SUSPENDED"
    if not any(e["region"] == to_region for e in active):
        return "INCOMING_NOT_ENROLLED"
    if any(p["status"] == "arrears" for p in items):
        return "OUTGOING_ARREARS"
    if kind == "pension":
        hukou = person["hukou_region"] or resident_id[:6]
        limit = 50 if is_male(resident_id) else 40
        if age_on(resident_id, today) >= limit and province_of(hukou) != province_of(to_region):
            return "TEMPORARY_ACCOUNT_REQUIRED"
    return None
