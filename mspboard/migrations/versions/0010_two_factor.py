"""two-factor sign-in: each user's authenticator secret (encrypted), their one-time recovery
codes (hashed), and the shop's choice to require it of managers and admins

Revision ID: 0010_two_factor
Revises: 0009_sign_ins
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

import mspboard.models.base

# revision identifiers, used by Alembic.
revision = "0010_two_factor"
down_revision = "0009_sign_ins"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "two_factors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_encrypted", sa.String(length=255), nullable=False),
        sa.Column("enabled_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("last_step", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "last_step IS NULL OR last_step >= 0", name=op.f("ck_two_factors_step_valid")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_two_factors_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_two_factors")),
        sa.UniqueConstraint("user_id", name=op.f("uq_two_factors_user_id")),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("used_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
        sa.UniqueConstraint(
            "user_id", "code_hash", name=op.f("uq_recovery_codes_user_id_code_hash")
        ),
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_codes_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "require_two_factor_for_managers",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.drop_column("require_two_factor_for_managers")
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_codes_user_id"))
    op.drop_table("recovery_codes")
    op.drop_table("two_factors")
