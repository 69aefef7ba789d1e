"""The console's accounts: users with a role and perhaps some towns, their sessions, failed
logins (for throttling) and the audit log of every action taken through the console or the
`users` command.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Time = sa.BigInteger  # epoch seconds


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.Text, nullable=False, unique=True),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("contractor", sa.Text),  # a contractor account's company
        sa.Column("towns", sa.Text, nullable=False, server_default="[]"),  # JSON; [] = every town
        sa.Column("locale", sa.Text, nullable=False, server_default="zh-CN"),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("password_changed_at", Time, nullable=False),
        sa.CheckConstraint("role IN ('admin', 'operator', 'regulator', 'contractor')", name="users_role"),
        sa.CheckConstraint("role != 'contractor' OR contractor IS NOT NULL", name="users_contractor"),
    )
    op.create_table(
        "sessions",
        # The SHA-256 of the cookie's token: a copy of the table lets nobody in.
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("csrf", sa.Text, nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("last_seen_at", Time, nullable=False),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("sessions_user", "sessions", ["user_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("at", Time, nullable=False),
    )
    op.create_index("login_failures_user", "login_failures", ["username", "at"])
    op.create_index("login_failures_address", "login_failures", ["address", "at"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", Time, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),  # a username, or "cli:<--by>"
        sa.Column("action", sa.Text, nullable=False),  # e.g. "login", "alert.acknowledge"
        sa.Column("target", sa.Text, nullable=False, server_default=""),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("outcome", sa.Text, nullable=False, server_default="ok"),  # ok, denied, failed
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("audit_at", "audit", ["at"])
