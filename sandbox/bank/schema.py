"""A bank's tables (sandbox data)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (
    card_id TEXT PRIMARY KEY,
    card_number TEXT NOT NULL UNIQUE,
    resident_id TEXT NOT NULL,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    status TEXT NOT NULL,
    status_before_loss TEXT,
    application_id TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    applied_on TEXT NOT NULL,
    in_production_on TEXT NOT NULL,
    ready_on TEXT NOT NULL,
    issued_on TEXT,
    valid_until TEXT,
    ss_enabled_on TEXT,
    bank_activated_on TEXT,
    loss_reported_on TEXT,
    replaces TEXT,
    replaced_by TEXT,
    replacement_reason TEXT,
    cancelled_on TEXT,
    cancel_reason TEXT,
    photo_sha256 TEXT
);
CREATE INDEX IF NOT EXISTS cards_by_person ON cards (resident_id);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
