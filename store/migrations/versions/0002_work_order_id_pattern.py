"""Work-order ids by prefix on PostgreSQL: an index the next id's `LIKE 'WO-202610-%'` can use.

Under a database collation other than C, PostgreSQL's primary-key index cannot serve a LIKE
prefix, so finding the month's last number scanned every order (at 40,000 orders, the 150
routine orders a sweep may open took over a second). On SQLite the id is compared bytewise
and the month is a range of the primary key (records._next_id): nothing to add there.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX IF NOT EXISTS work_orders_id_pattern ON work_orders (id text_pattern_ops)")
