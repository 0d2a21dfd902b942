"""The bureau's tables (sandbox data; the shared idempotency, ledger and log tables come from sandbox.db)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS employers (
    credit_code TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (credit_code, region)
);
CREATE TABLE IF NOT EXISTS arrears (
    credit_code TEXT NOT NULL,
    region TEXT NOT NULL,
    period TEXT NOT NULL,
    amount REAL NOT NULL,
    PRIMARY KEY (credit_code, region, period)
);
CREATE TABLE IF NOT EXISTS persons (
    resident_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hukou_region TEXT,
    pension_in_payment INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS employments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id TEXT NOT NULL REFERENCES persons (resident_id),
    credit_code TEXT NOT NULL,
    region TEXT NOT NULL,
    start_date TEXT NOT NULL,
    first_month TEXT NOT NULL,
    stop_month TEXT,
    base REAL NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS employments_by_person ON employments (resident_id);
CREATE TABLE IF NOT EXISTS removals (
    removal_id TEXT PRIMARY KEY,
    employment_id INTEGER NOT NULL REFERENCES employments (id),
    separation_date TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    effective_month TEXT NOT NULL,
    reason TEXT
);
CREATE TABLE IF NOT EXISTS enrolments (
    enrolment_id TEXT PRIMARY KEY,
    employment_id INTEGER NOT NULL REFERENCES employments (id),
    filed_on TEXT NOT NULL,
    late INTEGER NOT NULL,
    days_late INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS certificates (
    certificate_no TEXT PRIMARY KEY,
    resident_id TEXT NOT NULL,
    region TEXT NOT NULL,
    issued_on TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS transfers (
    application_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    resident_id TEXT NOT NULL,
    name TEXT NOT NULL,
    from_region TEXT NOT NULL,
    to_region TEXT NOT NULL,
    reference TEXT,
    correlation TEXT NOT NULL DEFAULT '{}',
    applied_on TEXT NOT NULL,
    stage TEXT NOT NULL,
    outcome TEXT NOT NULL,
    funds TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS transfer_stages (
    application_id TEXT NOT NULL REFERENCES transfers (application_id),
    stage TEXT NOT NULL,
    reached_on TEXT NOT NULL,
    deadline TEXT,
    document_no TEXT,
    PRIMARY KEY (application_id, stage)
);
CREATE TABLE IF NOT EXISTS callbacks (
    message_id TEXT PRIMARY KEY,
    message TEXT NOT NULL,
    application_id TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    delivered_at TEXT
);
"""
