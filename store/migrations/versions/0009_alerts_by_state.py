"""Alerts found by state: every console page counts the firing alerts per site for its
navigation (the operator's queue), which read every alert ever opened through the index by
site; with a year's 7,500 alerts that was 2 ms of each page.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("alerts_state", "alerts", ["state", "site_id"])


def downgrade() -> None:
    op.drop_index("alerts_state", "alerts")
