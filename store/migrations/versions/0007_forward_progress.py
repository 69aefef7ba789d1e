"""Forwarding to upper platforms over HJ 212 (数据转发): how far each site's data of each kind has
gone to each platform — the last period answered (or written, where no reply is asked for) —
and that platform's state for the site: when it last answered, the last error and until when
the site rests after one. A restart resumes after `through`: nothing answered is sent again.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Time = sa.BigInteger  # epoch seconds


def upgrade() -> None:
    op.create_table(
        "forward_progress",
        sa.Column("target", sa.Text, nullable=False),  # a [[forward]] id
        sa.Column("site_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),  # realtime, hourly, daily
        sa.Column("through", Time, nullable=False),  # the last period sent and answered (its start)
        sa.Column("frames", sa.Integer, nullable=False, server_default="0"),  # answered
        sa.Column("resent", sa.Integer, nullable=False, server_default="0"),
        sa.Column("answered_at", Time),
        sa.Column("last_error", sa.Text),
        sa.Column("error_at", Time),
        sa.Column("resting_until", Time),
        sa.PrimaryKeyConstraint("target", "site_id", "kind"),
        sa.CheckConstraint("kind IN ('realtime', 'hourly', 'daily')", name="forward_progress_kind"),
    )


def downgrade() -> None:
    op.drop_table("forward_progress")
