"""Cards of one bank: numbering, the lazily advancing production status, and the JSON shape."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from stdnum import luhn

from connectors.masking import mask_card_number
from sandbox.errors import Refusal

VALID_STATUSES = ("accepted", "in_production", "ready", "issued", "loss_temporary", "loss_formal")
CLOSED_STATUSES = ("replaced", "cancelled", "expired")


def next_number(tx: sqlite3.Connection, name: str) -> int:
    """The next value of a counter (1, 2, ...)."""
    tx.execute(
        "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1", (name,)
    )
    return int(tx.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()["value"])


def card_number(bin_prefix: str, serial: int) -> str:
    """A 19-digit UnionPay-style number: the bank's BIN, a 12-digit serial, a Luhn digit."""
    body = f"{bin_prefix}{serial:012d}"
    return body + luhn.calc_check_digit(body)


def refresh(tx: sqlite3.Connection, row: sqlite3.Row, today: date) -> sqlite3.Row:
    """Bring a card's time-driven status (production, expiry) up to ``today``; returns the current row."""
    status = row["status"]
    new = status
    if status in ("accepted", "in_production"):
        if today.isoformat() >= row["ready_on"]:
            new = "ready"
        elif today.isoformat() >= row["in_production_on"]:
            new = "in_production"
    elif status in ("issued", "loss_temporary", "loss_formal") and row["valid_until"] and today.isoformat() > row["valid_until"]:
        new = "expired"
    if new == status:
        return row
    tx.execute("UPDATE cards SET status = ? WHERE card_id = ?", (new, row["card_id"]))
    return tx.execute("SELECT * FROM cards WHERE card_id = ?", (row["card_id"],)).fetchone()


def cards_of(tx: sqlite3.Connection, resident_id: str, today: date) -> list[sqlite3.Row]:
    """The person's cards at this bank, oldest first, refreshed."""
    rows = tx.execute(
        "SELECT * FROM cards WHERE resident_id = ? ORDER BY applied_on, rowid", (resident_id,)
    ).fetchall()
    return [refresh(tx, r, today) for r in rows]


def resolve(tx: sqlite3.Connection, resident_id: str, card_id: str | None, today: date) -> sqlite3.Row:
    """The card an action is about: ``card_id`` if given, else the person's newest card still in use.

    :raises Refusal: ``CARD_NOT_FOUND``.
    """
    cards = cards_of(tx, resident_id, today)
    if card_id:
        for row in cards:
            if row["card_id"] == card_id:
                return row
        raise Refusal("CARD_NOT_FOUND", 404)
    current = [r for r in cards if r["status"] not in ("replaced", "cancelled")]
    if not current:
        raise Refusal("CARD_NOT_FOUND", 404)
    return current[-1]


def view(row: sqlite3.Row, bank_code: str) -> dict[str, Any]:
    """The JSON shape of a card (the number masked)."""
    return {
        "bank": bank_code,
        "card_id": row["card_id"],
        "card_number_masked": mask_card_number(row["card_number"]),
        "card_number_last4": row["card_number"][-4:],
        "status": row["status"],
        "valid": row["status"] in VALID_STATUSES,
        "social_security_enabled": row["ss_enabled_on"] is not None,
        "bank_function_activated": row["bank_activated_on"] is not None,
        "region": row["region"],
        "application_id": row["application_id"],
        "channel": row["channel"],
        "applied_on": row["applied_on"],
        "expected_ready_on": row["ready_on"],
        "issued_on": row["issued_on"],
        "valid_until": row["valid_until"],
        "loss_reported_on": row["loss_reported_on"],
        "replaces": row["replaces"],
        "replaced_by": row["replaced_by"],
        "cancelled_on": row["cancelled_on"],
        "cancel_reason": row["cancel_reason"],
    }
