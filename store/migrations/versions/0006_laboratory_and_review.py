"""Laboratory results and data review.

- `samples`: an effluent sample taken at a site (routine sampling order, the bureau's spot
  check, or the operator's self-check), its laboratory and report, and the report's file;
- `sample_results`: one row per item and version — a correction is a new version with who
  and why, the earlier one kept; a result below detection keeps its text and detection limit
  and no value;
- `lab_comparisons`: the online analyser against the laboratory for the same item (比对);
- `lab_imports`: every laboratory sheet imported, by its content's hash (the same file twice
  changes nothing);
- `data_reviews`: a span of one series marked invalid (or proposed, or restored), with who,
  when and why; readings are never rewritten.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Time = sa.BigInteger  # epoch seconds


def upgrade() -> None:
    op.create_table(
        "samples",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Text, nullable=False),
        sa.Column("sampled_at", Time, nullable=False),
        sa.Column("sampled_by", sa.Text, nullable=False, server_default=""),
        sa.Column("kind", sa.Text, nullable=False),  # routine, spot_check, self_check
        sa.Column("laboratory", sa.Text, nullable=False, server_default=""),
        sa.Column("lab_cma", sa.Text, nullable=False, server_default=""),  # CMA certificate number
        sa.Column("report_no", sa.Text, nullable=False, server_default=""),
        sa.Column("report_date", sa.Text, nullable=False, server_default=""),  # YYYY-MM-DD
        sa.Column("bottles", sa.Text, nullable=False, server_default=""),  # bottle labels
        sa.Column("work_order_id", sa.Text),  # the sampling order it was taken for
        sa.Column("results_due_at", Time),  # results owed by then (routine samples)
        sa.Column("results_escalated_at", Time),
        sa.Column("file_path", sa.Text),  # the laboratory's report (PDF or photo), under data_dir
        sa.Column("file_name", sa.Text),
        sa.Column("file_type", sa.Text),
        sa.Column("file_sha256", sa.Text),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.CheckConstraint("kind IN ('routine', 'spot_check', 'self_check')", name="samples_kind"),
    )
    op.create_index("samples_site", "samples", ["site_id", "sampled_at"])
    op.create_index("samples_order", "samples", ["work_order_id"])
    op.create_table(
        "sample_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sample_id", sa.Integer, sa.ForeignKey("samples.id"), nullable=False),
        sa.Column("item", sa.Text, nullable=False),  # a metric name: cod, nh3n, …
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("shown", sa.Text, nullable=False),  # as the laboratory wrote it: 23.5, ND, <4
        sa.Column("value", sa.Float),  # NULL: below detection
        sa.Column("detection_limit", sa.Float),
        sa.Column("unit", sa.Text, nullable=False, server_default=""),
        sa.Column("method", sa.Text, nullable=False, server_default=""),
        sa.Column("entered_by", sa.Text, nullable=False),
        sa.Column("entered_at", Time, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),  # a correction's why
        sa.Column("source", sa.Text, nullable=False, server_default=""),  # console, cli, import:<sha>
        sa.Column("alert_id", sa.Integer),  # the exceedance alert this version opened or joined
        sa.UniqueConstraint("sample_id", "item", "version", name="sample_results_version"),
    )
    op.create_table(
        "lab_comparisons",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sample_id", sa.Integer, sa.ForeignKey("samples.id"), nullable=False),
        sa.Column("item", sa.Text, nullable=False),
        sa.Column("result_version", sa.Integer, nullable=False),
        sa.Column("lab_value", sa.Float, nullable=False),
        sa.Column("online_value", sa.Float, nullable=False),
        sa.Column("online_at", Time, nullable=False),
        sa.Column("difference", sa.Float, nullable=False),  # |online − lab| ÷ lab
        sa.Column("tolerance", sa.Float, nullable=False),
        sa.Column("work_order_id", sa.Text),  # the instrument check it opened
        sa.Column("at", Time, nullable=False),
        sa.UniqueConstraint("sample_id", "item", "result_version", name="lab_comparisons_version"),
    )
    op.create_table(
        "lab_imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sha256", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("stored", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("imported_by", sa.Text, nullable=False),
        sa.Column("imported_at", Time, nullable=False),
    )
    op.create_table(
        "data_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Text, nullable=False),
        sa.Column("metric", sa.Text, nullable=False),
        sa.Column("starts_at", Time, nullable=False),
        sa.Column("ends_at", Time, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("proposed_by", sa.Text, nullable=False),
        sa.Column("proposed_at", Time, nullable=False),
        sa.Column("decided_by", sa.Text),
        sa.Column("decided_at", Time),  # accepted (in force from then) or rejected
        sa.Column("restored_by", sa.Text),
        sa.Column("restored_at", Time),
        sa.Column("restore_note", sa.Text),
        sa.CheckConstraint(
            "state IN ('proposed', 'accepted', 'rejected', 'restored')", name="data_reviews_state"
        ),
    )
    op.create_index("data_reviews_site", "data_reviews", ["site_id", "metric", "starts_at"])
