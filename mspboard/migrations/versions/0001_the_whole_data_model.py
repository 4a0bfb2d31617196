"""the whole data model

Revision ID: 0001
Revises:
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

import mspboard.models.base

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("billing_rate_cents", sa.Integer(), nullable=True),
        sa.Column("created_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "billing_rate_cents IS NULL OR billing_rate_cents >= 0",
            name=op.f("ck_clients_rate_not_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint("name", name=op.f("uq_clients_name")),
    )
    op.create_table(
        "shop_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_name", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("workdays", sa.Integer(), nullable=False),
        sa.Column("day_start", sa.Time(), nullable=False),
        sa.Column("close_of_business", sa.Time(), nullable=False),
        sa.Column("default_rate_cents", sa.Integer(), nullable=False),
        sa.Column("stale_after_days", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "close_of_business > day_start", name=op.f("ck_shop_settings_closes_after_start")
        ),
        sa.CheckConstraint(
            "default_rate_cents >= 0", name=op.f("ck_shop_settings_rate_not_negative")
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_shop_settings_single_row")),
        sa.CheckConstraint(
            "stale_after_days >= 1", name=op.f("ck_shop_settings_stale_after_positive")
        ),
        sa.CheckConstraint(
            "workdays BETWEEN 1 AND 127", name=op.f("ck_shop_settings_workdays_mask")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_settings")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("tech_level", sa.String(length=10), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("workdays", sa.Integer(), nullable=False),
        sa.Column("day_start", sa.Time(), nullable=False),
        sa.Column("day_end", sa.Time(), nullable=False),
        sa.Column("login_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "role IN ('technician', 'service_manager', 'admin')", name=op.f("ck_users_role_valid")
        ),
        sa.CheckConstraint(
            "tech_level IS NULL OR tech_level IN ('tech_i', 'tech_ii', 'senior')",
            name=op.f("ck_users_tech_level_valid"),
        ),
        sa.CheckConstraint("day_end > day_start", name=op.f("ck_users_day_ends_after_start")),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lowercase")),
        sa.CheckConstraint("workdays BETWEEN 0 AND 127", name=op.f("ck_users_workdays_mask")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("login_id", name=op.f("uq_users_login_id")),
    )
    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_on", sa.Date(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("discussed_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_agenda_items_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.create_index("ix_agenda_items_meeting_on", ["meeting_on"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_events_entity", ["entity_type", "entity_id"], unique=False)

    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tech_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("how_it_went", sa.Text(), nullable=False),
        sa.Column("plan_for_tomorrow", sa.Text(), nullable=False),
        sa.Column("created_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tech_id"], ["users.id"], name=op.f("fk_checkins_tech_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("tech_id", "day", name=op.f("uq_checkins_tech_id_day")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_idempotency_keys_user_id_users")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_keys")),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_keys_user_id"), ["user_id"], unique=False)

    op.create_table(
        "service_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("closed_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("due_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.Column("estimate_minutes", sa.Integer(), nullable=True),
        sa.Column("billable", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "(status = 'done') = (closed_at IS NOT NULL)",
            name=op.f("ck_service_requests_closed_exactly_when_done"),
        ),
        sa.CheckConstraint(
            "status IN ('new', 'scheduled', 'in_progress', 'waiting', 'done')",
            name=op.f("ck_service_requests_status_valid"),
        ),
        sa.CheckConstraint(
            "estimate_minutes IS NULL OR estimate_minutes >= 0",
            name=op.f("ck_service_requests_estimate_not_negative"),
        ),
        sa.CheckConstraint(
            "priority BETWEEN 1 AND 4", name=op.f("ck_service_requests_priority_range")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_service_requests_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_service_requests_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_service_requests_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_service_requests_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_requests")),
    )
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_requests_assignee_id"), ["assignee_id"], unique=False
        )
        batch_op.create_index(
            "ix_service_requests_board_order", ["status", "priority", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_requests_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "time_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tech_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("submitted_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.Column("decided_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status = 'draft' OR submitted_at IS NOT NULL",
            name=op.f("ck_time_cards_submitted_when_not_draft"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'rejected')",
            name=op.f("ck_time_cards_status_valid"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('approved', 'rejected') OR decided_at IS NOT NULL",
            name=op.f("ck_time_cards_decided_when_decided"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_time_cards_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["tech_id"], ["users.id"], name=op.f("fk_time_cards_tech_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_cards")),
        sa.UniqueConstraint("tech_id", "week_start", name=op.f("uq_time_cards_tech_id_week_start")),
    )
    op.create_table(
        "time_off_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tech_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("starts_midday", sa.Boolean(), nullable=False),
        sa.Column("ends_midday", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('vacation', 'sick', 'personal', 'training', 'other')",
            name=op.f("ck_time_off_requests_kind_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'denied', 'cancelled')",
            name=op.f("ck_time_off_requests_status_valid"),
        ),
        sa.CheckConstraint(
            "NOT (start_date = end_date AND starts_midday AND ends_midday)",
            name=op.f("ck_time_off_requests_not_empty"),
        ),
        sa.CheckConstraint(
            "end_date >= start_date", name=op.f("ck_time_off_requests_ends_on_or_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_time_off_requests_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["tech_id"], ["users.id"], name=op.f("fk_time_off_requests_tech_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_off_requests")),
    )
    with op.batch_alter_table("time_off_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_time_off_requests_tech_dates", ["tech_id", "start_date", "end_date"], unique=False
        )

    op.create_table(
        "checkin_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("handled_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("sr_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name=op.f("fk_checkin_issues_checkin_id_checkins"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_id"], ["users.id"], name=op.f("fk_checkin_issues_handled_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["sr_id"],
            ["service_requests.id"],
            name=op.f("fk_checkin_issues_sr_id_service_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_issues")),
    )
    with op.batch_alter_table("checkin_issues", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkin_issues_checkin_id"), ["checkin_id"], unique=False
        )

    op.create_table(
        "schedule_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tech_id", sa.Integer(), nullable=False),
        sa.Column("sr_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("ends_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("out_of_town", sa.Boolean(), nullable=False),
        sa.Column("travel_notes", sa.Text(), nullable=False),
        sa.Column("published_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_version", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "acknowledged_at IS NULL OR published_at IS NOT NULL",
            name=op.f("ck_schedule_items_acknowledged_only_when_published"),
        ),
        sa.CheckConstraint(
            "acknowledged_version IS NULL OR acknowledged_version <= version",
            name=op.f("ck_schedule_items_acknowledged_version_not_ahead"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_schedule_items_ends_after_start")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_schedule_items_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_schedule_items_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["sr_id"],
            ["service_requests.id"],
            name=op.f("fk_schedule_items_sr_id_service_requests"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tech_id"], ["users.id"], name=op.f("fk_schedule_items_tech_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_items")),
    )
    with op.batch_alter_table("schedule_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedule_items_sr_id"), ["sr_id"], unique=False)
        batch_op.create_index(
            "ix_schedule_items_tech_starts", ["tech_id", "starts_at"], unique=False
        )

    op.create_table(
        "sr_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sr_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=True),
        sa.Column("from_value", sa.String(length=200), nullable=True),
        sa.Column("to_value", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('created', 'status', 'priority', 'assignee', 'edit', 'note')",
            name=op.f("ck_sr_activities_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_sr_activities_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sr_id"],
            ["service_requests.id"],
            name=op.f("fk_sr_activities_sr_id_service_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sr_activities")),
    )
    with op.batch_alter_table("sr_activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sr_activities_sr_id"), ["sr_id"], unique=False)

    op.create_table(
        "time_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("tech_id", sa.Integer(), nullable=False),
        sa.Column("sr_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("started_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("ended_at", mspboard.models.base.UTCDateTime(), nullable=True),
        sa.Column("billable", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("synced_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", mspboard.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at > started_at",
            name=op.f("ck_time_entries_ends_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_time_entries_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["sr_id"], ["service_requests.id"], name=op.f("fk_time_entries_sr_id_service_requests")
        ),
        sa.ForeignKeyConstraint(
            ["tech_id"], ["users.id"], name=op.f("fk_time_entries_tech_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_entries")),
        sa.UniqueConstraint("uuid", name=op.f("uq_time_entries_uuid")),
    )
    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_time_entries_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_time_entries_sr_id"), ["sr_id"], unique=False)
        batch_op.create_index(
            "ix_time_entries_tech_started", ["tech_id", "started_at"], unique=False
        )
        batch_op.create_index(
            "uq_time_entries_one_running_timer",
            ["tech_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )


def downgrade():

    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_time_entries_one_running_timer",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index("ix_time_entries_tech_started")
        batch_op.drop_index(batch_op.f("ix_time_entries_sr_id"))
        batch_op.drop_index(batch_op.f("ix_time_entries_client_id"))

    op.drop_table("time_entries")
    with op.batch_alter_table("sr_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sr_activities_sr_id"))

    op.drop_table("sr_activities")
    with op.batch_alter_table("schedule_items", schema=None) as batch_op:
        batch_op.drop_index("ix_schedule_items_tech_starts")
        batch_op.drop_index(batch_op.f("ix_schedule_items_sr_id"))

    op.drop_table("schedule_items")
    with op.batch_alter_table("checkin_issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_issues_checkin_id"))

    op.drop_table("checkin_issues")
    with op.batch_alter_table("time_off_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_time_off_requests_tech_dates")

    op.drop_table("time_off_requests")
    op.drop_table("time_cards")
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_requests_client_id"))
        batch_op.drop_index("ix_service_requests_board_order")
        batch_op.drop_index(batch_op.f("ix_service_requests_assignee_id"))

    op.drop_table("service_requests")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_keys_user_id"))

    op.drop_table("idempotency_keys")
    op.drop_table("checkins")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_entity")
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))

    op.drop_table("audit_events")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_index("ix_agenda_items_meeting_on")

    op.drop_table("agenda_items")
    op.drop_table("users")
    op.drop_table("shop_settings")
    op.drop_table("clients")
