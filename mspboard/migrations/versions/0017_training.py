"""training events on the schedule (Final Friday Training and short-notice training), the
schedule items of their attendees, and time logged against them with no client

Revision ID: 0017_training
Revises: 0016_meetings
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

from mspboard.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0017_training"
down_revision = "0016_meetings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "training_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("place_or_link", sa.String(length=500), nullable=False),
        sa.Column("materials", sa.Text(), nullable=False),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_training_events_ends_after_start")),
        sa.CheckConstraint(
            "kind IN ('final_friday', 'short_notice')", name=op.f("ck_training_events_kind_valid")
        ),
        sa.CheckConstraint("length(title) > 0", name=op.f("ck_training_events_title_not_empty")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_training_events_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_training_events_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_events")),
    )
    with op.batch_alter_table("training_events", schema=None) as batch_op:
        batch_op.create_index("ix_training_events_starts_at", ["starts_at"], unique=False)

    with op.batch_alter_table("schedule_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("training_event_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_schedule_items_training_event_id"), ["training_event_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_schedule_items_training_event_id_training_events"),
            "training_events",
            ["training_event_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("training_event_id", sa.Integer(), nullable=True))
        batch_op.alter_column("client_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_time_entries_training_event_id"), ["training_event_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_time_entries_training_event_id_training_events"),
            "training_events",
            ["training_event_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            "client_or_training", "client_id IS NOT NULL OR training_event_id IS NOT NULL"
        )
        batch_op.create_check_constraint(
            "training_not_billed",
            "training_event_id IS NULL OR (client_id IS NULL AND sr_id IS NULL "
            "AND checklist_run_id IS NULL AND NOT billable)",
        )


def downgrade():
    op.execute("DELETE FROM time_entries WHERE training_event_id IS NOT NULL")
    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_time_entries_training_not_billed"), type_="check")
        batch_op.drop_constraint(op.f("ck_time_entries_client_or_training"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_time_entries_training_event_id_training_events"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_time_entries_training_event_id"))
        batch_op.alter_column("client_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("training_event_id")

    op.execute("DELETE FROM schedule_items WHERE training_event_id IS NOT NULL")
    with op.batch_alter_table("schedule_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_schedule_items_training_event_id_training_events"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_schedule_items_training_event_id"))
        batch_op.drop_column("training_event_id")

    with op.batch_alter_table("training_events", schema=None) as batch_op:
        batch_op.drop_index("ix_training_events_starts_at")

    op.drop_table("training_events")
