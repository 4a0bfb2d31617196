"""field: what a tech saw when acknowledging a schedule item

Revision ID: 0003_field
Revises: 0002_tv_links
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_field"
down_revision = "0002_tv_links"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("schedule_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_snapshot", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("schedule_items", schema=None) as batch_op:
        batch_op.drop_column("acknowledged_snapshot")
