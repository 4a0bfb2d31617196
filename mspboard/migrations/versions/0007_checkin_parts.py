"""check-in issues keep the moment they were reported

Revision ID: 0007_checkin_parts
Revises: 0006_exact_billing
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

import mspboard.models.base

# revision identifiers, used by Alembic.
revision = "0007_checkin_parts"
down_revision = "0006_exact_billing"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("checkin_issues", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reported_at", mspboard.models.base.UTCDateTime(), nullable=True)
        )
    op.execute(
        "UPDATE checkin_issues SET reported_at = "
        "(SELECT created_at FROM checkins WHERE checkins.id = checkin_issues.checkin_id)"
    )
    with op.batch_alter_table("checkin_issues", schema=None) as batch_op:
        batch_op.alter_column(
            "reported_at", existing_type=mspboard.models.base.UTCDateTime(), nullable=False
        )


def downgrade():
    with op.batch_alter_table("checkin_issues", schema=None) as batch_op:
        batch_op.drop_column("reported_at")
