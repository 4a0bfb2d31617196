"""quarterly reviews: one per technician per quarter, linked to its planner item, with the
manager's notes and the tech's review of the service manager

Revision ID: 0019_reviews
Revises: 0017_training
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

from mspboard.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0019_reviews"
down_revision = "0017_training"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "quarterly_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("tech_id", sa.Integer(), nullable=False),
        sa.Column("quarter_start", sa.Date(), nullable=False),
        sa.Column("schedule_item_id", sa.Integer(), nullable=True),
        sa.Column("held_at", UTCDateTime(), nullable=True),
        sa.Column("held_by_id", sa.Integer(), nullable=True),
        sa.Column("manager_notes", sa.Text(), nullable=False),
        sa.Column("manager_helps", sa.Text(), nullable=False),
        sa.Column("manager_hinders", sa.Text(), nullable=False),
        sa.Column("manager_review_at", UTCDateTime(), nullable=True),
        sa.Column("manager_review_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(held_at IS NULL AND held_by_id IS NULL) "
            "OR (held_at IS NOT NULL AND held_by_id IS NOT NULL)",
            name=op.f("ck_quarterly_reviews_held_by_someone"),
        ),
        sa.CheckConstraint(
            "(manager_review_at IS NULL AND manager_review_by_id IS NULL) "
            "OR (manager_review_at IS NOT NULL AND manager_review_by_id IS NOT NULL)",
            name=op.f("ck_quarterly_reviews_manager_review_attributed"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_quarterly_reviews_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_quarterly_reviews_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["held_by_id"], ["users.id"], name=op.f("fk_quarterly_reviews_held_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["manager_review_by_id"],
            ["users.id"],
            name=op.f("fk_quarterly_reviews_manager_review_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["schedule_item_id"],
            ["schedule_items.id"],
            name=op.f("fk_quarterly_reviews_schedule_item_id_schedule_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tech_id"], ["users.id"], name=op.f("fk_quarterly_reviews_tech_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarterly_reviews")),
        sa.UniqueConstraint("schedule_item_id", name=op.f("uq_quarterly_reviews_schedule_item_id")),
        sa.UniqueConstraint(
            "tech_id", "quarter_start", name=op.f("uq_quarterly_reviews_tech_id_quarter_start")
        ),
    )
    with op.batch_alter_table("quarterly_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quarterly_reviews_quarter_start"), ["quarter_start"], unique=False
        )


def downgrade():
    with op.batch_alter_table("quarterly_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarterly_reviews_quarter_start"))

    op.drop_table("quarterly_reviews")
