"""the service manager's written review of a year: successes, fails and next year's goals

Revision ID: 0020_year_summaries
Revises: 0019_reviews
Create Date: 2026-12-07

"""

import sqlalchemy as sa
from alembic import op

from mspboard.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0020_year_summaries"
down_revision = "0019_reviews"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "year_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("successes", sa.Text(), nullable=False),
        sa.Column("fails", sa.Text(), nullable=False),
        sa.Column("next_year_goals", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "length(successes) <= 8000 AND length(fails) <= 8000"
            " AND length(next_year_goals) <= 8000",
            name=op.f("ck_year_summaries_texts_bounded"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_year_summaries_version_positive")),
        sa.CheckConstraint(
            "year BETWEEN 2000 AND 2099", name=op.f("ck_year_summaries_year_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_year_summaries_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_year_summaries")),
        sa.UniqueConstraint("year", name=op.f("uq_year_summaries_year")),
    )


def downgrade():
    op.drop_table("year_summaries")
