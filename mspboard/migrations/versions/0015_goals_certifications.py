"""a technician's written goals per quarter and per year with their progress notes, and the
certifications each tech holds

Revision ID: 0015_goals_certifications
Revises: 0014_shop_data
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

from mspboard.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0015_goals_certifications"
down_revision = "0014_shop_data"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("target_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('work', 'certification')", name=op.f("ck_goals_kind_valid")),
        sa.CheckConstraint("period IN ('quarter', 'year')", name=op.f("ck_goals_period_valid")),
        sa.CheckConstraint(
            "status IN ('open', 'on_track', 'at_risk', 'met', 'missed', 'dropped')",
            name=op.f("ck_goals_status_valid"),
        ),
        sa.CheckConstraint("length(title) > 0", name=op.f("ck_goals_title_not_empty")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_goals_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_goals_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_goals_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
    )
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.create_index("ix_goals_user_period", ["user_id", "period_start"], unique=False)

    op.create_table(
        "certifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("earned_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "expires_on IS NULL OR expires_on > earned_on",
            name=op.f("ck_certifications_expires_after_earned"),
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_certifications_name_not_empty")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_certifications_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_certifications_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["goals.id"],
            name=op.f("fk_certifications_goal_id_goals"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_certifications_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certifications")),
    )
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.create_index("ix_certifications_expires_on", ["expires_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_certifications_user_id"), ["user_id"], unique=False)

    op.create_table(
        "goal_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("stored_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("length(body) > 0", name=op.f("ck_goal_notes_body_not_empty")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_goal_notes_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goals.id"], name=op.f("fk_goal_notes_goal_id_goals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_notes")),
    )
    with op.batch_alter_table("goal_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_notes_goal_id"), ["goal_id"], unique=False)


def downgrade():
    with op.batch_alter_table("goal_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_notes_goal_id"))

    op.drop_table("goal_notes")
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certifications_user_id"))
        batch_op.drop_index("ix_certifications_expires_on")

    op.drop_table("certifications")
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.drop_index("ix_goals_user_period")

    op.drop_table("goals")
