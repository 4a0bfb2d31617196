"""exact billing: which entries each invoice line bills, supplementary invoices for time
approved after export, why a reviewed invoice went back to proposed, and the shop's choice
on overlapping time entries and its currency

Revision ID: 0006_exact_billing
Revises: 0005_billing
Create Date: 2026-11-29

"""

import os
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

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
    _link_exported_lines_to_their_entries()
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


def _link_exported_lines_to_their_entries():
    """Invoices exported before this revision billed their week's billable entries without
    saying which: link each exported line to the billable entries of its week, client and
    SR, so that none of them is billed again as late time."""
    bind = op.get_bind()
    zone_name = bind.execute(sa.text("SELECT timezone FROM shop_settings WHERE id = 1")).scalar()
    zone = ZoneInfo(zone_name or os.environ.get("MSPBOARD_TIMEZONE") or "UTC")
    lines = bind.execute(
        sa.text(
            "SELECT l.id, l.sr_id, i.client_id, i.week_start FROM invoice_lines l "
            "JOIN proposed_invoices i ON i.id = l.invoice_id WHERE i.status = 'exported'"
        )
    ).all()
    linked: set[int] = set()
    for line_id, sr_id, client_id, week_start in lines:
        if isinstance(week_start, str):  # SQLite hands dates back as text here
            week_start = datetime.fromisoformat(week_start).date()
        start = datetime.combine(week_start, time(0), tzinfo=zone).astimezone(ZoneInfo("UTC"))
        end = datetime.combine(week_start + timedelta(days=7), time(0), tzinfo=zone).astimezone(
            ZoneInfo("UTC")
        )
        if bind.dialect.name == "sqlite":  # stored there as naive UTC
            start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
        same_sr = "sr_id IS NULL" if sr_id is None else "sr_id = :sr"
        entries = bind.execute(
            sa.text(
                "SELECT id FROM time_entries WHERE client_id = :client AND billable "
                "AND ended_at IS NOT NULL AND started_at >= :start AND started_at < :end "
                f"AND {same_sr}"
            ),
            {"client": client_id, "start": start, "end": end, "sr": sr_id},
        ).scalars()
        for entry_id in entries:
            if entry_id not in linked:
                linked.add(entry_id)
                bind.execute(
                    sa.text(
                        "INSERT INTO invoice_line_entries (line_id, entry_id) "
                        "VALUES (:line, :entry)"
                    ),
                    {"line": line_id, "entry": entry_id},
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
