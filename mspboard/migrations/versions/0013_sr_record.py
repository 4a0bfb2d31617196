"""the SR's working record: notes and resolutions on an SR, a client's contacts, and the
contact who asked for an SR

Revision ID: 0013_sr_record
Revises: 0012_shop_formats
Create Date: 2026-12-07

"""

import sqlalchemy as sa
from alembic import op

from mspboard.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0013_sr_record"
down_revision = "0012_shop_formats"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "client_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_client_contacts_version_positive")),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_client_contacts_name_not_empty")),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_client_contacts_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_contacts")),
    )
    with op.batch_alter_table("client_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_contacts_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "sr_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("sr_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("written_at", UTCDateTime(), nullable=False),
        sa.Column("edited_at", UTCDateTime(), nullable=True),
        sa.Column("uuid", sa.String(length=36), nullable=True),
        sa.CheckConstraint("version >= 1", name=op.f("ck_sr_notes_version_positive")),
        sa.CheckConstraint("length(body) > 0", name=op.f("ck_sr_notes_body_not_empty")),
        sa.CheckConstraint("kind IN ('note', 'resolution')", name=op.f("ck_sr_notes_kind_valid")),
        sa.ForeignKeyConstraint(
            ["sr_id"],
            ["service_requests.id"],
            name=op.f("fk_sr_notes_sr_id_service_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_sr_notes_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sr_notes")),
        sa.UniqueConstraint("uuid", name=op.f("uq_sr_notes_uuid")),
    )
    with op.batch_alter_table("sr_notes", schema=None) as batch_op:
        batch_op.create_index("ix_sr_notes_sr_written", ["sr_id", "written_at"], unique=False)

    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requester_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_service_requests_requester_id"), ["requester_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_service_requests_requester_id_client_contacts"),
            "client_contacts",
            ["requester_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_service_requests_requester_id_client_contacts"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_service_requests_requester_id"))
        batch_op.drop_column("requester_id")
    with op.batch_alter_table("sr_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_sr_notes_sr_written")
    op.drop_table("sr_notes")
    with op.batch_alter_table("client_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_contacts_client_id"))
    op.drop_table("client_contacts")
