"""Operational state: alerts, work orders, rule state and the email outbox.

It lives in the same SQLite file as the readings (one file to back up), on a connection of
its own: the ingest writer process commits readings while the scheduler works here, and WAL
lets both go on. Whatever the readings backend becomes, this state stays relational.

Every state change is a row in a transitions table (old state, new state, reason, actor,
time): the audit trail a regulator can read.
"""

import sqlite3
from pathlib import Path

from .files import private_database

SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY,
    site_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    metric TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,              -- exceedance, operations or data_quality
    severity TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('firing', 'acknowledged', 'resolved')),
    opened_at INTEGER NOT NULL,
    since INTEGER NOT NULL,          -- when the condition began (reading time)
    last_seen INTEGER NOT NULL,      -- newest evidence of the condition (reading time)
    value REAL,
    peak REAL,
    detail TEXT NOT NULL DEFAULT '{}',  -- JSON: limit, standard, grade, temperature note, ...
    clear_since INTEGER,             -- first reading time the condition was clear, if it is
    resolved_at INTEGER,
    notified_at INTEGER,
    thread_id TEXT,                  -- Message-ID of the first email: replies thread under it
    muted_by INTEGER,                -- maintenance window it opened in: recorded, not emailed
    bureau_notified_at INTEGER       -- an unplanned stop reported to the bureau
);
-- One open alert per (site, rule, metric): the database says so, not the code.
CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_open ON alerts (site_id, rule, metric)
    WHERE state != 'resolved';
CREATE INDEX IF NOT EXISTS alerts_site ON alerts (site_id, opened_at);

CREATE TABLE IF NOT EXISTS alert_transitions (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id),
    old_state TEXT,
    new_state TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_transitions_alert ON alert_transitions (alert_id);

-- Per (site, metric): the newest reading time already evaluated and the rules' memory
-- (consecutive counts, when a run of stuck or zero values began), so a restart resumes.
CREATE TABLE IF NOT EXISTS series_state (
    site_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    watermark INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (site_id, metric)
);

-- Closed local days already judged, with how many readings the day held then: a later count
-- that differs means late data, and the day is judged again.
CREATE TABLE IF NOT EXISTS day_checks (
    site_id TEXT NOT NULL,
    day TEXT NOT NULL,               -- local date, YYYY-MM-DD
    readings INTEGER NOT NULL,
    checked_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, day)
);
CREATE TABLE IF NOT EXISTS day_results (
    site_id TEXT NOT NULL,
    day TEXT NOT NULL,
    rule TEXT NOT NULL,
    metric TEXT NOT NULL,
    value REAL,                      -- daily mean, maximum sample or volume
    limit_value REAL,
    valid_samples INTEGER NOT NULL,
    expected_samples INTEGER NOT NULL,
    status TEXT NOT NULL,            -- over, clear or invalid (too few valid samples)
    detail TEXT NOT NULL DEFAULT '{}',
    checked_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, day, rule, metric)
);

CREATE TABLE IF NOT EXISTS work_orders (
    id TEXT PRIMARY KEY,             -- WO-YYYYMM-NNNN
    site_id TEXT NOT NULL,
    kind TEXT NOT NULL,              -- fault_repair, exceedance_investigation, comms_restore, ...
    origin TEXT NOT NULL,            -- alert, schedule or manual
    priority TEXT NOT NULL,
    contractor TEXT NOT NULL,
    alert_id INTEGER REFERENCES alerts (id),  -- the alert that opened it; others: work_order_alerts
    state TEXT NOT NULL,             -- open, acknowledged, resolved, closed, reopened, cancelled
    summary TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    acknowledge_by INTEGER NOT NULL,
    repair_by INTEGER NOT NULL,
    closed_at INTEGER,
    thread_id TEXT,
    fault TEXT NOT NULL DEFAULT '',  -- rule:metric of its alert: the same fault joins or reopens it
    due_at INTEGER,                  -- routine orders: end of the period the visit is due in
    deadlines_from INTEGER,          -- when the deadlines started: opening, or the last reopening
    acknowledged_at INTEGER,
    resolved_at INTEGER,
    cancelled_at INTEGER,
    visited_at INTEGER,              -- routine orders: when the contractor says they were there
    checklist TEXT,                  -- routine orders: JSON {question: answer}
    ack_reminded_at INTEGER,         -- each reminder and escalation happens once per deadline
    repair_reminded_at INTEGER,
    ack_escalated_at INTEGER,
    repair_escalated_at INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS work_orders_one_per_alert ON work_orders (alert_id)
    WHERE alert_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS work_order_transitions (
    id INTEGER PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    old_state TEXT,
    new_state TEXT NOT NULL,
    note TEXT NOT NULL,
    actor TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS work_order_transitions_order ON work_order_transitions (work_order_id);
-- Alerts a work order covers: the one that opened it and any that it absorbed later.
CREATE TABLE IF NOT EXISTS work_order_alerts (
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    alert_id INTEGER NOT NULL REFERENCES alerts (id),
    linked_at INTEGER NOT NULL,
    PRIMARY KEY (work_order_id, alert_id)
);
CREATE INDEX IF NOT EXISTS work_order_alerts_alert ON work_order_alerts (alert_id);
CREATE TABLE IF NOT EXISTS work_order_attachments (
    id INTEGER PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    path TEXT NOT NULL,              -- relative to the data folder
    original_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL
);
-- Every signed link that went out by email: one order, one action, used at most once.
CREATE TABLE IF NOT EXISTS work_order_links (
    nonce TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    action TEXT NOT NULL,            -- acknowledge or done
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE TABLE IF NOT EXISTS maintenance_windows (
    id INTEGER PRIMARY KEY,
    site_id TEXT NOT NULL,
    kind TEXT NOT NULL,              -- planned_stop, maintenance or calibration
    starts_at INTEGER NOT NULL,
    ends_at INTEGER,                 -- NULL: until someone ends it
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    ended_by TEXT
);
CREATE INDEX IF NOT EXISTS maintenance_windows_site ON maintenance_windows (site_id, starts_at);
-- Daily digests already sent, per contractor and local day.
CREATE TABLE IF NOT EXISTS digests (
    contractor TEXT NOT NULL,
    day TEXT NOT NULL,
    orders INTEGER NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (contractor, day)
);

-- Monthly reports as generated and sent: version 1 on the 1st, 2, 3, … when late readings
-- change a month already sent. Each version's files stay in its folder.
CREATE TABLE IF NOT EXISTS reports (
    month TEXT NOT NULL,             -- YYYY-MM
    version INTEGER NOT NULL,
    generated_at INTEGER NOT NULL,
    folder TEXT NOT NULL,            -- relative to the data folder
    fingerprint TEXT NOT NULL,       -- JSON {site: readings received for the month}
    changes INTEGER NOT NULL DEFAULT 0,  -- figures that changed from the version before
    PRIMARY KEY (month, version)
);

-- When each scheduled job first ran: the monthly report is sent for months that ended after it,
-- so a new deployment does not email last month's report of data it never saw.
CREATE TABLE IF NOT EXISTS job_starts (
    job TEXT PRIMARY KEY,
    started_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL DEFAULT '',    -- alert or work order the email is about
    recipients TEXT NOT NULL,        -- JSON list: the SMTP envelope
    subject TEXT NOT NULL,
    message BLOB NOT NULL,           -- the whole RFC 5322 message, rendered once
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    created_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_until INTEGER,
    sent_at INTEGER,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
"""


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection to the state tables, created when missing. Autocommit: callers use
    `transaction()` for anything that spans statements."""
    path = Path(path)
    private_database(path)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    _add_columns(db)
    db.executescript(SCHEMA + INDEXES)
    return db


# Indexes on columns a database from an earlier version gains in _add_columns.
INDEXES = """
-- The SLA sweep and every listing look only at orders still in play, by deadline.
CREATE INDEX IF NOT EXISTS work_orders_state ON work_orders (state, repair_by);
CREATE INDEX IF NOT EXISTS work_orders_fault ON work_orders (site_id, fault);
CREATE UNIQUE INDEX IF NOT EXISTS work_orders_one_per_due ON work_orders (site_id, kind, due_at)
    WHERE due_at IS NOT NULL;
"""


def _add_columns(db: sqlite3.Connection) -> None:
    """Bring a database written by an earlier version up to SCHEMA: new columns are added
    (with their defaults), nothing is dropped or rewritten."""
    for table in ("alerts", "work_orders"):
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if not have:
            continue  # a new database: SCHEMA creates it whole
        body = SCHEMA[SCHEMA.index(f"CREATE TABLE IF NOT EXISTS {table} (") :]
        body = body[body.index("(") + 1 : body.index("\n);")]
        for line in body.splitlines():
            words = line.split("--")[0].strip().rstrip(",").split()
            if (
                words
                and words[0] not in have
                and words[0].isidentifier()
                and words[0].upper() not in ("PRIMARY", "UNIQUE")
            ):
                db.execute(f"ALTER TABLE {table} ADD COLUMN {' '.join(words)}")


class transaction:
    """`with transaction(db):` BEGIN IMMEDIATE … COMMIT, or ROLLBACK on an exception.

    IMMEDIATE takes the write lock up front, so a read-then-write (claiming an email) cannot
    be interleaved with another writer's."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, *_):
        if kind is None:
            try:
                self.db.execute("COMMIT")
                return False
            except BaseException:
                if self.db.in_transaction:  # a failed COMMIT leaves the transaction open
                    self.db.execute("ROLLBACK")
                raise
        if self.db.in_transaction:  # SQLite may have rolled back already (disk full)
            self.db.execute("ROLLBACK")
        return False
