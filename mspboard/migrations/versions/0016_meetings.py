"""the Monday Morning Meeting: a meeting per Monday (draft, then held), and agenda items
that keep their order, when and by whom they were discussed with the outcome, and when they
were taken off the agenda

Revision ID: 0016_meetings
Revises: 0015_goals_certifications
Create Date: 2026-12-07

"""

import sqlalchemy as sa
from alembic import op

from mspboard.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0016_meetings"
down_revision = "0015_goals_certifications"
branch_labels = None
depends_on = None

ITEM_CHECKS = {
    "version_positive": "version >= 1",
    "text_not_empty": "length(text) > 0",
    "discussed_says_when_and_by_whom": (
        "(discussed_at IS NULL AND discussed_by_id IS NULL AND discussed_on IS NULL)"
        " OR (discussed_at IS NOT NULL AND discussed_by_id IS NOT NULL"
        " AND discussed_on IS NOT NULL)"
    ),
    "removed_says_when_and_by_whom": (
        "(removed_at IS NULL AND removed_by_id IS NULL AND removed_on IS NULL)"
        " OR (removed_at IS NOT NULL AND removed_by_id IS NOT NULL AND removed_on IS NOT NULL)"
    ),
    "discussed_or_removed": "removed_on IS NULL OR discussed_on IS NULL",
    "discussed_once_raised": "discussed_on IS NULL OR discussed_on >= meeting_on",
    "outcome_only_when_discussed": (
        "discussed_on IS NOT NULL OR (outcome_sr_id IS NULL AND outcome_assignee_id IS NULL"
        " AND outcome_note = '')"
    ),
}
ITEM_FOREIGN_KEYS = [
    ("discussed_by_id", "users", "id"),
    ("discussed_on", "meetings", "monday"),
    ("outcome_sr_id", "service_requests", "id"),
    ("outcome_assignee_id", "users", "id"),
    ("removed_by_id", "users", "id"),
    ("removed_on", "meetings", "monday"),
]


def upgrade():
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("monday", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("held_at", UTCDateTime(), nullable=True),
        sa.Column("held_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "(status = 'held' AND held_at IS NOT NULL AND held_by_id IS NOT NULL)"
            " OR (status = 'draft' AND held_at IS NULL AND held_by_id IS NULL)",
            name=op.f("ck_meetings_held_says_when_and_by_whom"),
        ),
        sa.CheckConstraint("status IN ('draft', 'held')", name=op.f("ck_meetings_status_valid")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_meetings_version_positive")),
        sa.ForeignKeyConstraint(
            ["held_by_id"], ["users.id"], name=op.f("fk_meetings_held_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("monday", name=op.f("uq_meetings_monday")),
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("position", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("discussed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("discussed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("outcome_note", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("outcome_sr_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("outcome_assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("removed_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("removed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("removed_on", sa.Date(), nullable=True))
        for column, table, target in ITEM_FOREIGN_KEYS:
            batch_op.create_foreign_key(
                op.f(f"fk_agenda_items_{column}_{table}"), table, [column], [target]
            )
        for name, condition in ITEM_CHECKS.items():
            batch_op.create_check_constraint(op.f(f"ck_agenda_items_{name}"), condition)


def downgrade():
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        for name in ITEM_CHECKS:
            batch_op.drop_constraint(op.f(f"ck_agenda_items_{name}"), type_="check")
        for column, table, _target in ITEM_FOREIGN_KEYS:
            batch_op.drop_constraint(op.f(f"fk_agenda_items_{column}_{table}"), type_="foreignkey")
        for column in (
            "removed_on",
            "removed_by_id",
            "removed_at",
            "outcome_assignee_id",
            "outcome_sr_id",
            "outcome_note",
            "discussed_on",
            "discussed_by_id",
            "position",
            "version",
        ):
            batch_op.drop_column(column)
    op.drop_table("meetings")
