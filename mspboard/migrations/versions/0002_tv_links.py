"""tv links

Revision ID: 0002_tv_links
Revises: 0001
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

import mspboard.models.base

# revision identifiers, used by Alembic.
revision = "0002_tv_links"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "tv_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("last_used_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_tv_links_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tv_links")),
        sa.UniqueConstraint("name", name=op.f("uq_tv_links_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tv_links_token_hash")),
    )


def downgrade():

    op.drop_table("tv_links")
