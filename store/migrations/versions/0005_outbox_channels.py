"""Chat groups and webhooks beside email: an outbox row may go to a channel (`[[channels]]`)
instead of an SMTP server — its message is then the platform's JSON body — and each channel's
last success and last error are kept for the people who look after it.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Time = sa.BigInteger  # epoch seconds


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("channel", sa.Text))  # a [[channels]] id; NULL: email
    op.create_table(
        "channel_status",
        sa.Column("channel", sa.Text, primary_key=True),
        sa.Column("last_success_at", Time),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", Time),
    )
