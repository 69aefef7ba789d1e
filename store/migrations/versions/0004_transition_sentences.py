"""What a state change says, as data: each transition row keeps, beside its English text (the
command line's), the sentence it was made from — an English template marked for the catalogue
and its values (config/i18n.py, Sentence) — so the console and the emails say it in the
reader's language. Rows written before keep only their text, and their owners read the
sentences back out of it (alerts/lifecycle.py, maintenance/work_orders/records.py).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("alert_transitions", "work_order_transitions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("said", sa.Text))  # JSON: {"s": [sentences], "n": "a person's note"}
