"""Lookups of employers, people and employments shared by the bureau's handlers."""

from __future__ import annotations

import secrets
import sqlite3
from datetime import date

from sandbox.errors import Refusal


def new_id(prefix: str, today: date) -> str:
    """A fresh business id such as ``RM20250312-5F3A9C21``."""
    return f"{prefix}{today:%Y%m%d}-{secrets.token_hex(4).upper()}"


def require_employer(tx: sqlite3.Connection, credit_code: str, region: str) -> sqlite3.Row:
    """The employer registered in ``region``.

    :raises Refusal: ``EMPLOYER_NOT_REGISTERED``.
    """
    row = tx.execute("SELECT * FROM employers WHERE credit_code = ? AND region = ?", (credit_code, region)).fetchone()
    if row is None:
        raise Refusal("EMPLOYER_NOT_REGISTERED", 422, region=region)
    return row


def active_employments(tx: sqlite3.Connection, resident_id: str) -> list[sqlite3.Row]:
    """The person's employments that have not been stopped."""
    return tx.execute(
        "SELECT * FROM employments WHERE resident_id = ? AND stop_month IS NULL ORDER BY id", (resident_id,)
    ).fetchall()


def upsert_person(tx: sqlite3.Connection, resident_id: str, name: str, hukou_region: str | None = None) -> None:
    """Create the person, or update the name (and hukou region when given)."""
    tx.execute(
        "INSERT INTO persons (resident_id, name, hukou_region) VALUES (?, ?, ?) "
        "ON CONFLICT (resident_id) DO UPDATE SET name = excluded.name, "
        "hukou_region = COALESCE(excluded.hukou_region, persons.hukou_region)",
        (resident_id, name, hukou_region),
    )


def arrears_of(tx: sqlite3.Connection, credit_code: str, region: str) -> list[sqlite3.Row]:
    """The employer's unpaid months in ``region``."""
    return tx.execute(
        "SELECT period, amount FROM arrears WHERE credit_code = ? AND region = ? ORDER BY period", (credit_code, region)
    ).fetchall()
