"""The read API's tokens, and minute data for upper platforms.

- `api_tokens`: each account's tokens for `/api/v1/`. Only the SHA-256 of a token is kept (a
  copy of the table lets nobody in); its first characters name it in lists. A token acts as
  its account, with the account's role and towns as they are at each call; it ends at
  `expires_at` or when revoked, whichever comes first.
- `forward_progress.kind` admits `minute` (CN 2051) beside realtime, hourly and daily.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Time = sa.BigInteger  # epoch seconds
KINDS_BEFORE = "kind IN ('realtime', 'hourly', 'daily')"
KINDS = "kind IN ('realtime', 'minute', 'hourly', 'daily')"


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        sa.Column("prefix", sa.Text, nullable=False),  # the token's first characters, to tell it apart
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),  # what it is for: "省监管平台", "GIS"
        sa.Column("created_at", Time, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("expires_at", Time, nullable=False),
        sa.Column("revoked_at", Time),
        sa.Column("revoked_by", sa.Text),
        sa.Column("last_used_at", Time),
    )
    op.create_index("api_tokens_user", "api_tokens", ["user_id"])
    # SQLite cannot alter a constraint: the batch copies the table with the new one.
    with op.batch_alter_table("forward_progress", recreate="always") as batch:
        batch.drop_constraint("forward_progress_kind", type_="check")
        batch.create_check_constraint("forward_progress_kind", KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM forward_progress WHERE kind = 'minute'")
    with op.batch_alter_table("forward_progress", recreate="always") as batch:
        batch.drop_constraint("forward_progress_kind", type_="check")
        batch.create_check_constraint("forward_progress_kind", KINDS_BEFORE)
    op.drop_index("api_tokens_user", "api_tokens")
    op.drop_table("api_tokens")
