"""A bank's card business: query, apply, progress, issue, enable, activate, loss, replace, cancel."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import sqlite3
from datetime import date
from typing import Any

from PIL import Image, UnidentifiedImageError

from connectors.masking import mask_resident_id
from sandbox.bank.store import VALID_STATUSES, card_number, cards_of, next_number, refresh, resolve, view
from sandbox.errors import Refusal
from sandbox.service import Ctx
from sandbox.validation import Body, age_on

CHANNELS = ("individual", "employer")
REPLACEMENT_REASONS = ("expired", "damaged", "data_changed", "lost")
CANCEL_REASONS = ("death", "emigration", "duplicate", "other")
PHOTO_MIN_AGE = 7  # no photo for children under 7 (local practice; sandbox value)
VALID_YEARS = 10


def query(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """Every card of the person at this bank, newest last."""
    b = Body(data)
    resident_id = b.resident_id()
    b.done()
    assert resident_id
    bank = ctx.runtime
    return {
        "bank": bank.code,
        "bank_name": bank.name,
        "resident_id_masked": mask_resident_id(resident_id),
        "cards": [view(r, bank.code) for r in cards_of(ctx.tx, resident_id, ctx.today)],
    }


def apply(ctx: Ctx, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Accept a new card application, unless this bank already has a valid card of the person in the province."""
    b = Body(data)
    resident_id = b.resident_id()
    name = b.text("name", max_length=50)
    region = b.region("region")
    channel = b.choice("channel", CHANNELS, default="individual")
    photo = b.text("photo_jpeg_base64", required=False, max_length=2_000_000)
    b.done()
    assert resident_id and name and region and channel
    duplicates = [
        r for r in cards_of(ctx.tx, resident_id, ctx.today)
        if r["status"] in VALID_STATUSES and r["region"][:2] == region[:2]
    ]
    if duplicates:
        raise Refusal("DUPLICATE_CARD", 422, bank=ctx.runtime.code,
                      cards=[view(r, ctx.runtime.code) for r in duplicates])
    photo_hash = _check_photo(photo, resident_id, ctx.today)
    row = _new_card(ctx, resident_id, name, region, channel, photo_hash, replaces=None)
    ctx.record("card.applied", subject=mask_resident_id(resident_id), reference=row["application_id"],
               card_id=row["card_id"], region=region, channel=channel)
    return 201, {"application_id": row["application_id"], **view(row, ctx.runtime.code)}


def progress(ctx: Ctx, data: dict[str, Any], application_id: str) -> dict[str, Any]:
    """Production progress of an application.

    :raises Refusal: ``CARD_NOT_FOUND`` for an unknown application.
    """
    row = ctx.tx.execute("SELECT * FROM cards WHERE application_id = ?", (application_id,)).fetchone()
    if row is None:
        raise Refusal("CARD_NOT_FOUND", 404)
    row = refresh(ctx.tx, row, ctx.today)
    reached = {"accepted": row["applied_on"]}
    order = ["accepted", "in_production", "ready", "issued"]
    if row["status"] != "accepted":
        reached["in_production"] = row["in_production_on"]
    if row["status"] not in ("accepted", "in_production"):
        reached["ready"] = row["ready_on"]
    if row["issued_on"]:
        reached["issued"] = row["issued_on"]
    planned = {"in_production": row["in_production_on"], "ready": row["ready_on"]}
    return {
        "application_id": application_id,
        **view(row, ctx.runtime.code),
        "stages": [
            {"stage": s, "reached_on": reached.get(s), "expected_on": None if s in reached else planned.get(s)}
            for s in order
        ],
    }


def issue(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """Hand a finished card to its holder (领卡)."""
    row, _ = _card(ctx, data)
    if row["status"] in ("accepted", "in_production"):
        raise Refusal("CARD_NOT_READY", 422, status=row["status"], expected_ready_on=row["ready_on"])
    if row["status"] != "ready":
        raise Refusal("CARD_STATE_INVALID", 422, status=row["status"])
    valid_until = _years_later(ctx.today, VALID_YEARS)
    ctx.tx.execute("UPDATE cards SET status = 'issued', issued_on = ?, valid_until = ? WHERE card_id = ?",
                   (ctx.today.isoformat(), valid_until.isoformat(), row["card_id"]))
    return _done(ctx, row, "card.issued")


def enable_social_security(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """Enable the card's social-security function (社保功能启用)."""
    row, _ = _card(ctx, data)
    _require_issued(row)
    if row["ss_enabled_on"]:
        raise Refusal("ALREADY_ENABLED", 422)
    ctx.tx.execute("UPDATE cards SET ss_enabled_on = ? WHERE card_id = ?", (ctx.today.isoformat(), row["card_id"]))
    return _done(ctx, row, "card.social_security_enabled")


def activate_bank_function(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """Activate the card's bank (financial) function (金融功能激活)."""
    row, _ = _card(ctx, data)
    _require_issued(row)
    if row["bank_activated_on"]:
        raise Refusal("ALREADY_ACTIVATED", 422)
    ctx.tx.execute("UPDATE cards SET bank_activated_on = ? WHERE card_id = ?", (ctx.today.isoformat(), row["card_id"]))
    return _done(ctx, row, "card.bank_function_activated")


def report_loss(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """Report the card lost: temporary (口头/临时挂失) or formal (正式挂失); temporary can become formal."""
    row, b = _card(ctx, data, extra=lambda b: b.choice("kind", ("temporary", "formal"), default="temporary"))
    kind = b.data.get("kind") or "temporary"
    status = row["status"]
    if status == "loss_formal" or (status == "loss_temporary" and kind == "temporary"):
        raise Refusal("ALREADY_REPORTED_LOST", 422, status=status)
    if status in ("accepted", "in_production", "ready"):
        raise Refusal("CARD_NOT_ISSUED", 422, status=status)
    if status not in ("issued", "loss_temporary"):
        raise Refusal("CARD_STATE_INVALID", 422, status=status)
    ctx.tx.execute(
        "UPDATE cards SET status = ?, loss_reported_on = COALESCE(loss_reported_on, ?),"
        " status_before_loss = COALESCE(status_before_loss, status) WHERE card_id = ?",
        (f"loss_{kind}", ctx.today.isoformat(), row["card_id"]),
    )
    return _done(ctx, row, "card.loss_reported", kind=kind)


def lift_loss(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """Lift a loss report; impossible once a replacement was applied for."""
    b = Body(data)
    resident_id = b.resident_id()
    card_id = b.text("card_id", required=False, max_length=40)
    b.done()
    assert resident_id
    cards = cards_of(ctx.tx, resident_id, ctx.today)
    if card_id:
        cards = [r for r in cards if r["card_id"] == card_id]
        if not cards:
            raise Refusal("CARD_NOT_FOUND", 404)
    lost = [r for r in cards if r["status"] in ("loss_temporary", "loss_formal")]
    if not lost:
        if any(r["status"] == "replaced" and r["loss_reported_on"] for r in cards):
            raise Refusal("REPLACEMENT_ALREADY_APPLIED", 422)
        if not cards:
            raise Refusal("CARD_NOT_FOUND", 404)
        raise Refusal("NOT_REPORTED_LOST", 422, status=cards[-1]["status"])
    row = lost[-1]
    ctx.tx.execute(
        "UPDATE cards SET status = 'issued', loss_reported_on = NULL, status_before_loss = NULL WHERE card_id = ?",
        (row["card_id"],),
    )
    return _done(ctx, row, "card.loss_lifted")


def replace(ctx: Ctx, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Replace a card (补卡/换卡) at this bank: the old card is retired, a new one goes into production."""
    row, b = _card(
        ctx, data,
        extra=lambda b: (b.choice("reason", REPLACEMENT_REASONS), b.text("photo_jpeg_base64", required=False, max_length=2_000_000)),
    )
    reason = str(b.data.get("reason"))
    status = row["status"]
    if status in ("accepted", "in_production", "ready"):
        raise Refusal("CARD_NOT_ISSUED", 422, status=status)
    if reason == "lost" and status not in ("loss_temporary", "loss_formal"):
        raise Refusal("LOSS_NOT_REPORTED", 422, status=status)
    if status not in ("issued", "loss_temporary", "loss_formal", "expired"):
        raise Refusal("CARD_STATE_INVALID", 422, status=status)
    photo = b.data.get("photo_jpeg_base64")
    photo_hash = _check_photo(photo, row["resident_id"], ctx.today) if photo else row["photo_sha256"]
    if photo_hash is None and age_on(row["resident_id"], ctx.today) >= PHOTO_MIN_AGE:
        raise Refusal("PHOTO_REQUIRED", 422)
    new = _new_card(ctx, row["resident_id"], row["name"], row["region"], row["channel"], photo_hash,
                    replaces=row["card_id"])
    ctx.tx.execute(
        "UPDATE cards SET status = 'replaced', replaced_by = ?, replacement_reason = ? WHERE card_id = ?",
        (new["card_id"], reason, row["card_id"]),
    )
    ctx.record("card.replaced", subject=mask_resident_id(row["resident_id"]), reference=new["application_id"],
               old_card_id=row["card_id"], card_id=new["card_id"], reason=reason)
    return 201, {"application_id": new["application_id"], "replaced_card_id": row["card_id"], **view(new, ctx.runtime.code)}


def cancel(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """Cancel a card (注销); its bank account must have been closed at a branch."""
    row, b = _card(
        ctx, data, extra=lambda b: (b.choice("reason", CANCEL_REASONS), b.flag("bank_account_closed"))
    )
    if row["status"] in ("replaced", "cancelled"):
        raise Refusal("CARD_STATE_INVALID", 422, status=row["status"])
    if row["bank_activated_on"] and b.data.get("bank_account_closed") is not True:
        raise Refusal("BANK_ACCOUNT_OPEN", 422)
    reason = str(b.data.get("reason"))
    ctx.tx.execute(
        "UPDATE cards SET status = 'cancelled', cancelled_on = ?, cancel_reason = ? WHERE card_id = ?",
        (ctx.today.isoformat(), reason, row["card_id"]),
    )
    return _done(ctx, row, "card.cancelled", reason=reason)


# -- helpers ----------------------------------------------------------------------------------------


def _card(ctx: Ctx, data: dict[str, Any], extra: Any = None) -> tuple[sqlite3.Row, Body]:
    b = Body(data)
    resident_id = b.resident_id()
    card_id = b.text("card_id", required=False, max_length=40)
    if extra is not None:
        extra(b)
    b.done()
    assert resident_id
    return resolve(ctx.tx, resident_id, card_id, ctx.today), b


def _require_issued(row: sqlite3.Row) -> None:
    if row["status"] in ("accepted", "in_production", "ready"):
        raise Refusal("CARD_NOT_ISSUED", 422, status=row["status"])
    if row["status"] != "issued":
        raise Refusal("CARD_STATE_INVALID", 422, status=row["status"])


def _done(ctx: Ctx, row: sqlite3.Row, effect: str, **data: Any) -> dict[str, Any]:
    ctx.record(effect, subject=mask_resident_id(row["resident_id"]), reference=row["card_id"], **data)
    fresh = ctx.tx.execute("SELECT * FROM cards WHERE card_id = ?", (row["card_id"],)).fetchone()
    return view(fresh, ctx.runtime.code)


def _new_card(ctx: Ctx, resident_id: str, name: str, region: str, channel: str, photo_hash: str | None,
              *, replaces: str | None) -> sqlite3.Row:
    bank = ctx.runtime
    serial = next_number(ctx.tx, "card")
    card_id = f"{bank.code.upper()}-C{serial:08d}"
    application_id = f"{bank.code.upper()}-A{ctx.today:%Y%m%d}{serial:06d}"
    number = card_number(bank.options["bin"], 100_000_000 + serial)
    calendar = bank.calendar
    in_production_on = calendar.add_workdays(ctx.today, 1)
    ready_on = calendar.add_workdays(ctx.today, int(bank.options["production_workdays"]))
    ctx.tx.execute(
        "INSERT INTO cards (card_id, card_number, resident_id, name, region, status, application_id, channel,"
        " applied_on, in_production_on, ready_on, replaces, photo_sha256)"
        " VALUES (?, ?, ?, ?, ?, 'accepted', ?, ?, ?, ?, ?, ?, ?)",
        (card_id, number, resident_id, name, region, application_id, channel, ctx.today.isoformat(),
         in_production_on.isoformat(), ready_on.isoformat(), replaces, photo_hash),
    )
    return ctx.tx.execute("SELECT * FROM cards WHERE card_id = ?", (card_id,)).fetchone()


def _check_photo(photo: str | None, resident_id: str, today: date) -> str | None:
    """The photo's SHA-256, after checking it is a decodable JPEG; None when there is none and none is needed.

    :raises Refusal: ``PHOTO_REQUIRED`` or ``PHOTO_INVALID``.
    """
    if not photo:
        if age_on(resident_id, today) >= PHOTO_MIN_AGE:
            raise Refusal("PHOTO_REQUIRED", 422)
        return None
    try:
        raw = base64.b64decode(photo, validate=True)
    except (binascii.Error, ValueError):
        raise Refusal("PHOTO_INVALID", 422, reason="not_base64") from None
    try:
        with Image.open(io.BytesIO(raw)) as img:
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise Refusal("PHOTO_INVALID", 422, reason="not_an_image") from None
    if fmt != "JPEG":
        raise Refusal("PHOTO_INVALID", 422, reason="not_jpeg") from None
    return hashlib.sha256(raw).hexdigest()


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
