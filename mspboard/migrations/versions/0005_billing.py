"""billing and calendar feeds

Revision ID: 0005_billing
Revises: 0004_idle_alert
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

import mspboard.models.base

# revision identifiers, used by Alembic.
revision = "0005_billing"
down_revision = "0004_idle_alert"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.CheckConstraint("scope IN ('mine', 'team')", name=op.f("ck_calendar_feeds_scope_valid")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_calendar_feeds_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_feeds_user_id"), ["user_id"], unique=False)

    op.create_table(
        "proposed_invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("reviewed_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("exported_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.Column("exported_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('proposed', 'reviewed', 'exported')",
            name=op.f("ck_proposed_invoices_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_proposed_invoices_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["exported_by_id"], ["users.id"], name=op.f("fk_proposed_invoices_exported_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"], name=op.f("fk_proposed_invoices_reviewed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposed_invoices")),
        sa.UniqueConstraint(
            "client_id", "week_start", name=op.f("uq_proposed_invoices_client_id_week_start")
        ),
    )
    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("sr_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=240), nullable=False),
        sa.Column("logged_minutes", sa.Integer(), nullable=False),
        sa.Column("billed_minutes", sa.Integer(), nullable=True),
        sa.Column("rate_cents", sa.Integer(), nullable=False),
        sa.Column("written_off", sa.Boolean(), nullable=False),
        sa.Column("write_off_reason", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reviewed_minutes", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "NOT written_off OR write_off_reason <> ''",
            name=op.f("ck_invoice_lines_write_off_has_reason"),
        ),
        sa.CheckConstraint(
            "billed_minutes IS NULL OR billed_minutes >= 0",
            name=op.f("ck_invoice_lines_billed_not_negative"),
        ),
        sa.CheckConstraint(
            "logged_minutes >= 0", name=op.f("ck_invoice_lines_logged_not_negative")
        ),
        sa.CheckConstraint("rate_cents >= 0", name=op.f("ck_invoice_lines_rate_not_negative")),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["proposed_invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_proposed_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sr_id"], ["service_requests.id"], name=op.f("fk_invoice_lines_sr_id_service_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
        sa.UniqueConstraint("invoice_id", "sr_id", name=op.f("uq_invoice_lines_invoice_id_sr_id")),
    )
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_lines_invoice_id"), ["invoice_id"], unique=False
        )

    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("billing_rounding_minutes", sa.Integer(), server_default="15", nullable=False)
        )
        batch_op.add_column(
            sa.Column("minimum_charge_minutes", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_shop_settings_rounding_valid"), "billing_rounding_minutes IN (0, 6, 15, 30)"
        )
        batch_op.create_check_constraint(
            op.f("ck_shop_settings_minimum_not_negative"), "minimum_charge_minutes >= 0"
        )


def downgrade():

    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_shop_settings_minimum_not_negative"), type_="check")
        batch_op.drop_constraint(op.f("ck_shop_settings_rounding_valid"), type_="check")
        batch_op.drop_column("minimum_charge_minutes")
        batch_op.drop_column("billing_rounding_minutes")

    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_lines_invoice_id"))

    op.drop_table("invoice_lines")
    op.drop_table("proposed_invoices")
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_user_id"))

    op.drop_table("calendar_feeds")
