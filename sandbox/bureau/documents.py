"""Contribution history queries and the contribution certificate (参保缴费凭证)."""

from __future__ import annotations

import base64
from typing import Any

from connectors.masking import mask_resident_id
from sandbox.bureau.certificate import CertificateData, render
from sandbox.bureau.contributions import month_index, periods, summary
from sandbox.bureau.records import new_id
from sandbox.errors import Refusal
from sandbox.regions import region as region_rules
from sandbox.service import Ctx
from sandbox.validation import Body, is_male


def history(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """A person's contribution months (optionally one region, from/to month) with totals and current status.

    :raises Refusal: ``PERSON_NOT_FOUND``.
    """
    b = Body(data)
    resident_id = b.resident_id()
    from_month = b.month("from_month", required=False)
    to_month = b.month("to_month", required=False)
    region = b.region("region", required=False)
    b.done()
    assert resident_id
    person = ctx.tx.execute("SELECT * FROM persons WHERE resident_id = ?", (resident_id,)).fetchone()
    if person is None:
        raise Refusal("PERSON_NOT_FOUND", 404)
    items = [
        p for p in periods(ctx.tx, resident_id, ctx.today, region=region)
        if (not from_month or p["period"] >= from_month) and (not to_month or p["period"] <= to_month)
    ]
    enrolments = ctx.tx.execute(
        "SELECT e.region, e.credit_code, COALESCE(r.name, e.credit_code) AS employer_name, e.first_month, e.stop_month"
        " FROM employments e LEFT JOIN employers r ON r.credit_code = e.credit_code AND r.region = e.region"
        " WHERE e.resident_id = ? ORDER BY e.first_month, e.id",
        (resident_id,),
    ).fetchall()
    return {
        "resident_id_masked": mask_resident_id(resident_id),
        "name": person["name"],
        "as_of": ctx.today.isoformat(),
        "pension_in_payment": bool(person["pension_in_payment"]),
        "enrolments": [
            {
                "region": e["region"],
                "employer_credit_code": e["credit_code"],
                "employer_name": e["employer_name"],
                "first_month": e["first_month"],
                "stop_month": e["stop_month"],
                "status": "stopped" if e["stop_month"] else "active",
            }
            for e in enrolments
        ],
        "periods": items,
        "summary": summary(items),
    }


def issue_certificate(ctx: Ctx, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Issue the contribution certificate of the person's record in one region (after contributions stopped).

    :raises Refusal: ``PERSON_NOT_FOUND``, ``NO_RECORD_IN_REGION``, ``STILL_CONTRIBUTING``.
    """
    b = Body(data)
    resident_id = b.resident_id()
    region = b.region("region")
    fmt = b.choice("format", ("pdf", "png"), default="pdf")
    b.done()
    assert resident_id and region and fmt
    person = ctx.tx.execute("SELECT * FROM persons WHERE resident_id = ?", (resident_id,)).fetchone()
    if person is None:
        raise Refusal("PERSON_NOT_FOUND", 404)
    items = periods(ctx.tx, resident_id, ctx.today, region=region)
    if not items:
        raise Refusal("NO_RECORD_IN_REGION", 422, region=region)
    active = ctx.tx.execute(
        "SELECT 1 FROM employments WHERE resident_id = ? AND region = ? AND stop_month IS NULL", (resident_id, region)
    ).fetchone()
    if active is not None:
        raise Refusal("STILL_CONTRIBUTING", 422, region=region)
    totals = summary(items)
    paid = [p for p in items if p["status"] == "paid"]
    last = items[-1]
    rules = region_rules(region)
    certificate_no = new_id(f"PZ{region}-", ctx.today)
    cert = CertificateData(
        certificate_no=certificate_no,
        name=person["name"],
        resident_id=resident_id,
        sex="男" if is_male(resident_id) else "女",
        employer_name=last["employer_name"],
        employer_credit_code=last["employer_credit_code"],
        region_name=rules.name,
        region_code=region,
        period_start=items[0]["period"],
        period_end=last["period"],
        months_paid=totals["months_paid"],
        contribution_base=float(totals["latest_base"] or last["base"]),
        personal_account=totals["personal_account"],
        segments=tuple(_segments(paid)),
        agency=rules.agency,
        issued_on=ctx.today.isoformat(),
    )
    content, content_type, filename = render(cert, fmt)
    ctx.tx.execute(
        "INSERT INTO certificates (certificate_no, resident_id, region, issued_on) VALUES (?, ?, ?, ?)",
        (certificate_no, resident_id, region, ctx.today.isoformat()),
    )
    ctx.record("certificate.issued", subject=mask_resident_id(resident_id), reference=certificate_no,
               region=region, months_paid=totals["months_paid"])
    return 201, {
        "certificate_no": certificate_no,
        "issued_on": cert.issued_on,
        "agency": cert.agency,
        "region": region,
        "resident_id_masked": mask_resident_id(resident_id),
        "name": cert.name,
        "employer_name": cert.employer_name,
        "employer_credit_code": cert.employer_credit_code,
        "period_start": cert.period_start,
        "period_end": cert.period_end,
        "months_paid": cert.months_paid,
        "months_in_arrears": totals["months_in_arrears"],
        "contribution_base": cert.contribution_base,
        "personal_account": cert.personal_account,
        "pooled_fund": totals["pooled_fund"],
        "segments": list(cert.segments),
        "document": {
            "filename": filename,
            "content_type": content_type,
            "data_base64": base64.b64encode(content).decode("ascii"),
        },
    }


def _segments(paid: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs of consecutive paid months with the same employer and base."""
    out: list[dict[str, Any]] = []
    for p in paid:
        seg = out[-1] if out else None
        if (
            seg is not None
            and seg["employer_credit_code"] == p["employer_credit_code"]
            and seg["base"] == p["base"]
            and month_index(p["period"]) == month_index(seg["last_month"]) + 1
        ):
            seg["last_month"] = p["period"]
            seg["months"] += 1
        else:
            out.append({"first_month": p["period"], "last_month": p["period"], "employer_name": p["employer_name"],
                        "employer_credit_code": p["employer_credit_code"], "base": p["base"], "months": 1})
    return out
