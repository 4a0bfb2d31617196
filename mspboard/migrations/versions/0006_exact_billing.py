"""exact billing: which entries each invoice line bills, supplementary invoices for time
approved after export, why a reviewed invoice went back to proposed, and the shop's choice
on overlapping time entries and its currency

Revision ID: 0006_exact_billing
Revises: 0005_billing
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

revision = "0006_exact_billing"
down_revision = "0005_billing"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "invoice_line_entries",
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["time_entries.id"],
            name=op.f("fk_invoice_line_entries_entry_id_time_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["invoice_lines.id"],
            name=op.f("fk_invoice_line_entries_line_id_invoice_lines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("line_id", "entry_id", name=op.f("pk_invoice_line_entries")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_invoice_line_entries_entry_id")),
    )
    with op.batch_alter_table("proposed_invoices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("supplement", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("status_reason", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("reviewed_client_rate_cents", sa.Integer(), nullable=True))
        batch_op.drop_constraint(
            batch_op.f("uq_proposed_invoices_client_id_week_start"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_proposed_invoices_client_id_week_start_supplement"),
            ["client_id", "week_start", "supplement"],
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_proposed_invoices_supplement_not_negative"), "supplement >= 0"
        )

    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "allow_overlapping_entries",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False)
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_shop_settings_currency_code"), "length(currency) = 3"
        )


def downgrade():
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_shop_settings_currency_code"), type_="check")
        batch_op.drop_column("currency")
        batch_op.drop_column("allow_overlapping_entries")

    with op.batch_alter_table("proposed_invoices", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_proposed_invoices_supplement_not_negative"), type_="check"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_proposed_invoices_client_id_week_start_supplement"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_proposed_invoices_client_id_week_start"), ["client_id", "week_start"]
        )
        batch_op.drop_column("reviewed_client_rate_cents")
        batch_op.drop_column("status_reason")
        batch_op.drop_column("supplement")

    op.drop_table("invoice_line_entries")
