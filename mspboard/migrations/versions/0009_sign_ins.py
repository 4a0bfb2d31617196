"""a record per sign-in that the cookies refer to, so a session can be ended on the server;
users.login_id, which the cookies carried before, goes

Revision ID: 0009_sign_ins
Revises: 0008_edit_versions
Create Date: 2026-12-06

Every session and remember-me cookie issued before this revision stops working: people
sign in again once.
"""

import secrets

import sqlalchemy as sa
from alembic import op

import mspboard.models.base

# revision identifiers, used by Alembic.
revision = "0009_sign_ins"
down_revision = "0008_edit_versions"
branch_labels = None
depends_on = None

END_REASONS = "'signed_out', 'password_changed', 'deactivated', 'ended_by_user', 'password_reset'"


def upgrade():
    op.create_table(
        "sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("device", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("expires_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("ended_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            f"end_reason IN ({END_REASONS})", name=op.f("ck_sign_ins_end_reason_valid")
        ),
        sa.CheckConstraint(
            "(ended_at IS NULL) = (end_reason IS NULL)",
            name=op.f("ck_sign_ins_ended_with_a_reason"),
        ),
        sa.CheckConstraint("expires_at > created_at", name=op.f("ck_sign_ins_expires_after_start")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sign_ins_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_ins")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sign_ins_token_hash")),
    )
    with op.batch_alter_table("sign_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_ins_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_login_id"), type_="unique")
        batch_op.drop_column("login_id")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("login_id", sa.String(length=64), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("login_id", sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(login_id=secrets.token_urlsafe(24))
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("login_id", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_users_login_id"), ["login_id"])
    with op.batch_alter_table("sign_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_ins_user_id"))
    op.drop_table("sign_ins")
