"""A bank service: its routes and its admin seeding of existing cards."""

from __future__ import annotations

from datetime import date
from typing import Any

from sandbox.bank import cards
from sandbox.bank.store import card_number, next_number, view
from sandbox.errors import invalid
from sandbox.service import Ctx, ServiceApp, ServiceRuntime
from sandbox.validation import Body

SEED_STATUSES = ("accepted", "in_production", "ready", "issued", "loss_temporary", "loss_formal", "cancelled")


class BankService:
    """One partner bank as a Flask app."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime
        self.api = ServiceApp(runtime)
        self.flask = self.api.flask
        api = self.api
        api.read("/v1/cards/query", methods=("POST",))(cards.query)
        api.effect("/v1/applications")(cards.apply)
        api.read("/v1/applications/<application_id>")(cards.progress)
        api.effect("/v1/cards/issue")(cards.issue)
        api.effect("/v1/cards/enable-social-security")(cards.enable_social_security)
        api.effect("/v1/cards/activate-bank-function")(cards.activate_bank_function)
        api.effect("/v1/cards/report-loss")(cards.report_loss)
        api.effect("/v1/cards/lift-loss")(cards.lift_loss)
        api.effect("/v1/cards/replace")(cards.replace)
        api.effect("/v1/cards/cancel")(cards.cancel)
        api.admin("/admin/seed", methods=("POST",))(seed)


def seed(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """Add existing cards (``POST /admin/seed``): ``{"cards": [{"resident_id", "name", "region", "status",
    "social_security_enabled", "bank_function_activated", "issued_on", "valid_until"}]}``."""
    items = data.get("cards") or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise invalid([{"field": "cards", "reason": "must be a list of objects"}])
    created = []
    for index, item in enumerate(items):
        b = Body(item)
        resident_id = b.resident_id()
        name = b.text("name", max_length=50)
        region = b.region("region")
        status = b.choice("status", SEED_STATUSES, default="issued")
        issued_on = b.day("issued_on", required=False)
        valid_until = b.day("valid_until", required=False)
        ss_enabled = b.flag("social_security_enabled", default=status != "accepted")
        bank_active = b.flag("bank_function_activated")
        if b.errors:
            raise invalid([{"field": f"cards[{index}].{e['field']}", "reason": e["reason"]} for e in b.errors])
        assert resident_id and name and region and status
        issued = issued_on or ctx.today
        serial = next_number(ctx.tx, "card")
        card_id = f"{ctx.runtime.code.upper()}-C{serial:08d}"
        in_use = status not in ("accepted", "in_production", "ready")
        ctx.tx.execute(
            "INSERT INTO cards (card_id, card_number, resident_id, name, region, status, application_id, channel,"
            " applied_on, in_production_on, ready_on, issued_on, valid_until, ss_enabled_on, bank_activated_on,"
            " loss_reported_on, cancelled_on, cancel_reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'individual', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                card_id,
                card_number(ctx.runtime.options["bin"], 100_000_000 + serial),
                resident_id,
                name,
                region,
                status,
                f"{ctx.runtime.code.upper()}-A{issued:%Y%m%d}{serial:06d}",
                issued.isoformat(),
                issued.isoformat(),
                issued.isoformat() if in_use else _far(issued),
                issued.isoformat() if in_use else None,
                (valid_until or issued.replace(year=issued.year + 10)).isoformat() if in_use else None,
                issued.isoformat() if in_use and ss_enabled else None,
                issued.isoformat() if in_use and bank_active else None,
                issued.isoformat() if status.startswith("loss_") else None,
                issued.isoformat() if status == "cancelled" else None,
                "other" if status == "cancelled" else None,
            ),
        )
        row = ctx.tx.execute("SELECT * FROM cards WHERE card_id = ?", (card_id,)).fetchone()
        created.append(view(row, ctx.runtime.code))
    return {"cards": created}


def _far(day: date) -> str:
    """A ready date far enough ahead that a seeded card in production stays there."""
    return day.replace(year=day.year + 1).isoformat()
