"""Field visits a bureau can trust: the sites' plates and the contractors' check-ins.

- `plates`: each site's QR plate, numbered per site. The code is a random secret printed in the
  QR; a reissued plate retires the one before (`retired_at`), whose code then no longer counts.
- `checkins`: a contractor's 到场签到 on a work order: the plate as read, the phone's position
  (WGS-84, with its accuracy) or why there was none, the phone's clock and the server's; the
  site's position and the distance as judged when it was recorded, so a later change of the
  inventory does not rewrite a past judgement. `key` makes a phone's retries one check-in.
- `work_order_submissions`: each report a phone sent with its key (a report made without
  signal is queued on the phone and may be sent more than once): the first is recorded, a
  repeat is answered as received and changes nothing. `made_at` is the phone's clock when the
  report was made, where it was made offline.
- `work_order_attachments.taken_at`: when a photo's own EXIF says it was taken
  (DateTimeOriginal with OffsetTimeOriginal, or the service's zone), where a phone kept it.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

Time = sa.BigInteger  # epoch seconds


def upgrade() -> None:
    op.create_table(
        "plates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Text, nullable=False),
        sa.Column("serial", sa.Integer, nullable=False),  # 1, 2, … per site
        sa.Column("code", sa.Text, nullable=False, unique=True),
        sa.Column("issued_at", Time, nullable=False),
        sa.Column("issued_by", sa.Text, nullable=False),
        sa.Column("retired_at", Time),
        sa.Column("retired_by", sa.Text),
        sa.UniqueConstraint("site_id", "serial", name="plates_site_serial"),
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.Text, nullable=False, unique=True),
        sa.Column("work_order_id", sa.Text, sa.ForeignKey("work_orders.id"), nullable=False),
        sa.Column("site_id", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("plate_text", sa.Text),  # what the camera read, cut to 200 characters
        sa.Column("plate_id", sa.Integer, sa.ForeignKey("plates.id")),  # the plate it names, if any
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("accuracy_m", sa.Float),
        sa.Column("location_error", sa.Text),  # denied, unavailable, timeout, unsupported
        sa.Column("site_lon", sa.Float),  # the site's WGS-84 position when judged
        sa.Column("site_lat", sa.Float),
        sa.Column("distance_m", sa.Float),
        sa.Column("phone_at", Time),  # the phone's clock when made
        sa.Column("received_at", Time, nullable=False),  # the server's clock when it arrived
        sa.Column("offline", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("checkins_order", "checkins", ["work_order_id", "received_at"])
    op.create_table(
        "work_order_submissions",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("work_order_id", sa.Text, sa.ForeignKey("work_orders.id"), nullable=False),
        sa.Column("action", sa.Text, nullable=False),  # acknowledge, done
        sa.Column("made_at", Time),  # the phone's clock, for a report made offline
        sa.Column("received_at", Time, nullable=False),
    )
    op.add_column("work_order_attachments", sa.Column("taken_at", Time))


def downgrade() -> None:
    op.drop_column("work_order_attachments", "taken_at")
    op.drop_table("work_order_submissions")
    op.drop_index("checkins_order", "checkins")
    op.drop_table("checkins")
    op.drop_table("plates")
