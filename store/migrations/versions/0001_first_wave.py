"""The first release's state tables: alerts, work orders, rule memory, reports and the outbox.

A database the first release wrote (before migrations) has these tables already, perhaps
without the columns later first-wave versions added: they are adopted as they are, the
missing columns added with their defaults, nothing dropped or rewritten.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Time = sa.BigInteger  # epoch seconds


def _tables() -> dict[str, list]:
    """Each table's columns and constraints, new objects on every call (a Column belongs to
    one table)."""
    return {
        "alerts": [
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("site_id", sa.Text, nullable=False),
            sa.Column("rule", sa.Text, nullable=False),
            sa.Column("metric", sa.Text, nullable=False, server_default=""),
            sa.Column("kind", sa.Text, nullable=False),  # exceedance, operations or data_quality
            sa.Column("severity", sa.Text, nullable=False),
            sa.Column("state", sa.Text, nullable=False),
            sa.Column("opened_at", Time, nullable=False),
            sa.Column("since", Time, nullable=False),  # when the condition began (reading time)
            sa.Column("last_seen", Time, nullable=False),  # newest evidence (reading time)
            sa.Column("value", sa.Float),
            sa.Column("peak", sa.Float),
            sa.Column("detail", sa.Text, nullable=False, server_default="{}"),  # JSON
            sa.Column("clear_since", Time),  # first reading time the condition was clear
            sa.Column("resolved_at", Time),
            sa.Column("notified_at", Time),
            sa.Column("thread_id", sa.Text),  # Message-ID of the first email
            sa.Column("muted_by", sa.Integer),  # maintenance window it opened in
            sa.Column("bureau_notified_at", Time),  # an unplanned stop reported to the bureau
            sa.CheckConstraint("state IN ('firing', 'acknowledged', 'resolved')", name="alerts_state"),
        ],
        "alert_transitions": [
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False),
            sa.Column("old_state", sa.Text),
            sa.Column("new_state", sa.Text, nullable=False),
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("actor", sa.Text, nullable=False),
            sa.Column("at", Time, nullable=False),
        ],
        # Per (site, metric): the newest reading time evaluated and the rules' memory, so a
        # restart resumes.
        "series_state": [
            sa.Column("site_id", sa.Text, primary_key=True),
            sa.Column("metric", sa.Text, primary_key=True),
            sa.Column("watermark", Time, nullable=False),
            sa.Column("state", sa.Text, nullable=False, server_default="{}"),
        ],
        # Closed local days already judged, with how many readings the day held then.
        "day_checks": [
            sa.Column("site_id", sa.Text, primary_key=True),
            sa.Column("day", sa.Text, primary_key=True),  # local date, YYYY-MM-DD
            sa.Column("readings", sa.Integer, nullable=False),
            sa.Column("checked_at", Time, nullable=False),
        ],
        "day_results": [
            sa.Column("site_id", sa.Text, primary_key=True),
            sa.Column("day", sa.Text, primary_key=True),
            sa.Column("rule", sa.Text, primary_key=True),
            sa.Column("metric", sa.Text, primary_key=True),
            sa.Column("value", sa.Float),  # daily mean, maximum sample or volume
            sa.Column("limit_value", sa.Float),
            sa.Column("valid_samples", sa.Integer, nullable=False),
            sa.Column("expected_samples", sa.Integer, nullable=False),
            sa.Column("status", sa.Text, nullable=False),  # over, clear or invalid
            sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
            sa.Column("checked_at", Time, nullable=False),
        ],
        "work_orders": [
            sa.Column("id", sa.Text, primary_key=True),  # WO-YYYYMM-NNNN
            sa.Column("site_id", sa.Text, nullable=False),
            sa.Column("kind", sa.Text, nullable=False),
            sa.Column("origin", sa.Text, nullable=False),  # alert, schedule or manual
            sa.Column("priority", sa.Text, nullable=False),
            sa.Column("contractor", sa.Text, nullable=False),
            sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id")),  # the alert that opened it
            sa.Column("state", sa.Text, nullable=False),
            sa.Column("summary", sa.Text, nullable=False),
            sa.Column("opened_at", Time, nullable=False),
            sa.Column("acknowledge_by", Time, nullable=False),
            sa.Column("repair_by", Time, nullable=False),
            sa.Column("closed_at", Time),
            sa.Column("thread_id", sa.Text),
            sa.Column("fault", sa.Text, nullable=False, server_default=""),  # rule:metric of its alert
            sa.Column("due_at", Time),  # routine orders: end of the period the visit is due in
            sa.Column("deadlines_from", Time),  # opening, or the last reopening
            sa.Column("acknowledged_at", Time),
            sa.Column("resolved_at", Time),
            sa.Column("cancelled_at", Time),
            sa.Column("visited_at", Time),
            sa.Column("checklist", sa.Text),  # routine orders: JSON {question: answer}
            sa.Column("ack_reminded_at", Time),  # each reminder and escalation once per deadline
            sa.Column("repair_reminded_at", Time),
            sa.Column("ack_escalated_at", Time),
            sa.Column("repair_escalated_at", Time),
        ],
        "work_order_transitions": [
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("work_order_id", sa.Text, sa.ForeignKey("work_orders.id"), nullable=False),
            sa.Column("old_state", sa.Text),
            sa.Column("new_state", sa.Text, nullable=False),
            sa.Column("note", sa.Text, nullable=False),
            sa.Column("actor", sa.Text, nullable=False),
            sa.Column("at", Time, nullable=False),
        ],
        # Alerts a work order covers: the one that opened it and any it absorbed later.
        "work_order_alerts": [
            sa.Column("work_order_id", sa.Text, sa.ForeignKey("work_orders.id"), primary_key=True),
            sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), primary_key=True),
            sa.Column("linked_at", Time, nullable=False),
        ],
        "work_order_attachments": [
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("work_order_id", sa.Text, sa.ForeignKey("work_orders.id"), nullable=False),
            sa.Column("path", sa.Text, nullable=False),  # relative to the data folder
            sa.Column("original_name", sa.Text, nullable=False),
            sa.Column("content_type", sa.Text, nullable=False),
            sa.Column("bytes", sa.Integer, nullable=False),
            sa.Column("sha256", sa.Text, nullable=False),
            sa.Column("uploaded_by", sa.Text, nullable=False),
            sa.Column("uploaded_at", Time, nullable=False),
        ],
        # Every signed link that went out by email: one order, one action, used at most once.
        "work_order_links": [
            sa.Column("nonce", sa.Text, primary_key=True),
            sa.Column("work_order_id", sa.Text, sa.ForeignKey("work_orders.id"), nullable=False),
            sa.Column("action", sa.Text, nullable=False),  # acknowledge or done
            sa.Column("issued_at", Time, nullable=False),
            sa.Column("expires_at", Time, nullable=False),
            sa.Column("used_at", Time),
        ],
        "maintenance_windows": [
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("site_id", sa.Text, nullable=False),
            sa.Column("kind", sa.Text, nullable=False),  # planned_stop, maintenance or calibration
            sa.Column("starts_at", Time, nullable=False),
            sa.Column("ends_at", Time),  # NULL: until someone ends it
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("created_by", sa.Text, nullable=False),
            sa.Column("created_at", Time, nullable=False),
            sa.Column("ended_by", sa.Text),
        ],
        # Daily digests already sent, per contractor and local day.
        "digests": [
            sa.Column("contractor", sa.Text, primary_key=True),
            sa.Column("day", sa.Text, primary_key=True),
            sa.Column("orders", sa.Integer, nullable=False),
            sa.Column("sent_at", Time, nullable=False),
        ],
        # Monthly reports as generated and sent: version 1 on the 1st, 2, 3, … when late
        # readings change a month already sent.
        "reports": [
            sa.Column("month", sa.Text, primary_key=True),  # YYYY-MM
            sa.Column("version", sa.Integer, primary_key=True),
            sa.Column("generated_at", Time, nullable=False),
            sa.Column("folder", sa.Text, nullable=False),  # relative to the data folder
            sa.Column("fingerprint", sa.Text, nullable=False),  # JSON {site: readings}
            sa.Column("changes", sa.Integer, nullable=False, server_default="0"),
        ],
        # When each scheduled job first ran: the monthly report is sent for months that ended
        # after it.
        "job_starts": [
            sa.Column("job", sa.Text, primary_key=True),
            sa.Column("started_at", Time, nullable=False),
        ],
        "outbox": [
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("kind", sa.Text, nullable=False),
            sa.Column("ref", sa.Text, nullable=False, server_default=""),  # alert or work order
            sa.Column("recipients", sa.Text, nullable=False),  # JSON list: the SMTP envelope
            sa.Column("subject", sa.Text, nullable=False),
            sa.Column("message", sa.LargeBinary, nullable=False),  # the whole RFC 5322 message
            sa.Column("status", sa.Text, nullable=False, server_default="pending"),
            sa.Column("created_at", Time, nullable=False),
            sa.Column("next_attempt_at", Time, nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
            sa.Column("claimed_by", sa.Text),
            sa.Column("claimed_until", Time),
            sa.Column("sent_at", Time),
            sa.Column("last_error", sa.Text),
            sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="outbox_status"),
        ],
    }


def _partial(condition: str) -> dict:
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


INDEXES = [
    # One open alert per (site, rule, metric): the database says so, not the code.
    ("alerts_one_open", "alerts", ["site_id", "rule", "metric"], True, _partial("state != 'resolved'")),
    ("alerts_site", "alerts", ["site_id", "opened_at"], False, {}),
    ("alert_transitions_alert", "alert_transitions", ["alert_id"], False, {}),
    ("work_orders_one_per_alert", "work_orders", ["alert_id"], True, _partial("alert_id IS NOT NULL")),
    # The SLA sweep and every listing look only at orders still in play, by deadline.
    ("work_orders_state", "work_orders", ["state", "repair_by"], False, {}),
    ("work_orders_fault", "work_orders", ["site_id", "fault"], False, {}),
    (
        "work_orders_one_per_due",
        "work_orders",
        ["site_id", "kind", "due_at"],
        True,
        _partial("due_at IS NOT NULL"),
    ),
    ("work_order_transitions_order", "work_order_transitions", ["work_order_id"], False, {}),
    ("work_order_alerts_alert", "work_order_alerts", ["alert_id"], False, {}),
    ("maintenance_windows_site", "maintenance_windows", ["site_id", "starts_at"], False, {}),
    ("outbox_due", "outbox", ["status", "next_attempt_at"], False, {}),
]


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())
    for name, columns in _tables().items():
        if name not in existing:
            op.create_table(name, *columns)
            continue
        have = {column["name"] for column in inspector.get_columns(name)}
        for column in columns:
            if isinstance(column, sa.Column) and column.name not in have:
                op.add_column(name, column)
    for name, table, columns, unique, where in INDEXES:
        op.create_index(name, table, columns, unique=unique, if_not_exists=True, **where)
