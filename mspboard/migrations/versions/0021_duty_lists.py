"""each role's duty list (technician, service manager) with its cadence and the page that
does each duty, who ticked which duty for which period, and when the lists were last
reviewed; the standard duties are loaded by an explicit step (flask duties seed, the demo,
or the admin's button), never by the migration

Revision ID: 0021_duty_lists
Revises: 0020_year_summaries
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

import mspboard.models.base

# revision identifiers, used by Alembic.
revision = "0021_duty_lists"
down_revision = "0020_year_summaries"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "duties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("cadence", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("link", sa.String(length=64), server_default="", nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "cadence IN ('daily', 'weekly', 'monthly', 'quarterly', 'yearly')",
            name=op.f("ck_duties_cadence_valid"),
        ),
        sa.CheckConstraint(
            "role IN ('technician', 'service_manager')", name=op.f("ck_duties_role_valid")
        ),
        sa.CheckConstraint("length(title) > 0", name=op.f("ck_duties_title_not_empty")),
        sa.CheckConstraint("position >= 0", name=op.f("ck_duties_position_not_negative")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_duties_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_duties_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duties")),
    )
    with op.batch_alter_table("duties", schema=None) as batch_op:
        batch_op.create_index("ix_duties_role_position", ["role", "position"], unique=False)

    op.create_table(
        "duty_list_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"], name=op.f("fk_duty_list_reviews_reviewed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_list_reviews")),
    )
    with op.batch_alter_table("duty_list_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duty_list_reviews_reviewed_at"), ["reviewed_at"], unique=False
        )

    op.create_table(
        "duty_ticks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("duty_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("ticked_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("stored_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["duty_id"],
            ["duties.id"],
            name=op.f("fk_duty_ticks_duty_id_duties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_duty_ticks_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_ticks")),
        sa.UniqueConstraint(
            "duty_id",
            "user_id",
            "period_start",
            name=op.f("uq_duty_ticks_duty_id_user_id_period_start"),
        ),
    )
    with op.batch_alter_table("duty_ticks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duty_ticks_period_start"), ["period_start"], unique=False
        )


def downgrade():
    with op.batch_alter_table("duty_ticks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_ticks_period_start"))

    op.drop_table("duty_ticks")
    with op.batch_alter_table("duty_list_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_list_reviews_reviewed_at"))

    op.drop_table("duty_list_reviews")
    with op.batch_alter_table("duties", schema=None) as batch_op:
        batch_op.drop_index("ix_duties_role_position")

    op.drop_table("duties")
