"""the shop's clock (12 or 24 hours) and locale for amounts, and the managers and admins who
keep a time card of their own

Revision ID: 0012_shop_formats
Revises: 0011_maintenance
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_shop_formats"
down_revision = "0011_maintenance"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("clock_hours", sa.Integer(), server_default="24", nullable=False)
        )
        batch_op.add_column(
            sa.Column("locale", sa.String(length=16), server_default="en_US", nullable=False)
        )
        batch_op.create_check_constraint("clock_hours_valid", "clock_hours IN (12, 24)")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("keeps_time_card", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("keeps_time_card")
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.drop_constraint("clock_hours_valid", type_="check")
        batch_op.drop_column("locale")
        batch_op.drop_column("clock_hours")
