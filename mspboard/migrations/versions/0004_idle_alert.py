"""idle alert setting

Revision ID: 0004_idle_alert
Revises: 0003_field
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_idle_alert"
down_revision = "0003_field"
branch_labels = None
depends_on = None


def upgrade():

    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("idle_alert_minutes", sa.Integer(), server_default="120", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_shop_settings_idle_alert_at_least_15"), "idle_alert_minutes >= 15"
        )


def downgrade():

    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_shop_settings_idle_alert_at_least_15"), type_="check")
        batch_op.drop_column("idle_alert_minutes")
