"""a shop's data kept safe and brought in: backup records and retention settings, saved
import mappings, one-time set-password links, and the old tool's reference on clients and SRs

Revision ID: 0014_shop_data
Revises: 0013_sr_record
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

from mspboard.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0014_shop_data"
down_revision = "0013_sr_record"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "backup_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taken_at", UTCDateTime(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("directory", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("schema_revision", sa.String(length=64), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("pruned_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_backup_records_size_not_negative")),
        sa.CheckConstraint(
            "reason IN ('daily', 'before_restore')", name=op.f("ck_backup_records_reason_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backup_records")),
    )
    with op.batch_alter_table("backup_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_backup_records_taken_at"), ["taken_at"], unique=False)

    op.create_table(
        "import_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.Column("value_maps", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_import_mappings_version_positive")),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_import_mappings_name_not_empty")),
        sa.CheckConstraint(
            "kind IN ('clients', 'contacts', 'users', 'service_requests')",
            name=op.f("ck_import_mappings_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_import_mappings_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_mappings")),
        sa.UniqueConstraint("kind", "name", name=op.f("uq_import_mappings_kind_name")),
    )

    op.create_table(
        "set_password_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_set_password_links_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_set_password_links_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_set_password_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_set_password_links_token_hash")),
    )
    with op.batch_alter_table("set_password_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_set_password_links_user_id"), ["user_id"], unique=False
        )

    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_ref", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_clients_external_ref"), ["external_ref"])
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_ref", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_service_requests_external_ref"), ["external_ref"]
        )
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("backup_keep_daily", sa.Integer(), server_default="7", nullable=False)
        )
        batch_op.add_column(
            sa.Column("backup_keep_weekly", sa.Integer(), server_default="4", nullable=False)
        )
        batch_op.create_check_constraint("keep_daily_range", "backup_keep_daily BETWEEN 1 AND 366")
        batch_op.create_check_constraint(
            "keep_weekly_range", "backup_keep_weekly BETWEEN 0 AND 520"
        )


def downgrade():
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.drop_constraint("keep_weekly_range", type_="check")
        batch_op.drop_constraint("keep_daily_range", type_="check")
        batch_op.drop_column("backup_keep_weekly")
        batch_op.drop_column("backup_keep_daily")
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_service_requests_external_ref"), type_="unique")
        batch_op.drop_column("external_ref")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_clients_external_ref"), type_="unique")
        batch_op.drop_column("external_ref")
    op.drop_table("set_password_links")
    op.drop_table("import_mappings")
    op.drop_table("backup_records")
