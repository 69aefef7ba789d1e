"""Chat groups and webhooks beside email: an outbox row may go to a channel (`[[channels]]`)
instead of an SMTP server — its message is then the platform's JSON body — and each channel's
last success and last error are kept for the people who look after it, with how long the robot
asked to be left alone. Every request to a channel is counted (channel_sends), so no minute
takes more than it accepts; rows folded into one digest message name it (folded_into).

Revision ID: 0005
Revises: 0004
"""

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Time = sa.BigInteger  # epoch seconds


def upgrade() -> None:
    # The status check gains 'folded'. A database of the first release has it unnamed (SQLite
    # cannot name what it was not given), which the table's rebuild leaves out by itself; a
    # named one (0001's, or the server's own name on PostgreSQL) is dropped by its name.
    checks = sa.inspect(op.get_bind()).get_check_constraints("outbox")
    named = [c["name"] for c in checks if c["name"] and "status" in c["sqltext"]]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unnamed CHECK constraint", category=UserWarning)
        with op.batch_alter_table("outbox", recreate="auto") as batch:
            batch.add_column(sa.Column("channel", sa.Text))  # a [[channels]] id; NULL: email
            batch.add_column(sa.Column("folded_into", sa.Integer))  # status 'folded': the digest's row
            for name in named:
                batch.drop_constraint(name, type_="check")
            batch.create_check_constraint(
                "outbox_status", "status IN ('pending', 'sent', 'failed', 'folded')"
            )
    op.create_table(
        "channel_status",
        sa.Column("channel", sa.Text, primary_key=True),
        sa.Column("last_success_at", Time),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", Time),
        sa.Column("paused_until", Time),
    )
    op.create_table(
        "channel_sends",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("at", sa.Float, nullable=False),  # epoch seconds with their fraction
    )
    op.create_index("channel_sends_by_channel", "channel_sends", ["channel", "at"])
