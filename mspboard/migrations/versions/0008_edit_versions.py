"""every row a person edits carries a version, so a stale form cannot undo a newer save

Revision ID: 0008_edit_versions
Revises: 0007_checkin_parts
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_edit_versions"
down_revision = "0007_checkin_parts"
branch_labels = None
depends_on = None

# Table and the name of its edit-version column (schedule items already use `version` for
# the published state a tech acknowledges).
VERSIONED = {
    "service_requests": "version",
    "time_off_requests": "version",
    "proposed_invoices": "version",
    "invoice_lines": "version",
    "clients": "version",
    "users": "version",
    "shop_settings": "version",
    "schedule_items": "edit_version",
}


def upgrade():
    for table, column in VERSIONED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=False, server_default="1"))
            batch_op.create_check_constraint(
                op.f(f"ck_{table}_{column}_positive"), f"{column} >= 1"
            )


def downgrade():
    for table, column in VERSIONED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_{column}_positive"), type_="check")
            batch_op.drop_column(column)
