from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mspboard.models.base import UTCDateTime, db, edit_version_column, edit_versioned, utcnow
from mspboard.models.maintenance import ChecklistRun
from mspboard.models.people import User
from mspboard.models.service_requests import ServiceRequest
from mspboard.models.training import TrainingEvent


class ScheduleItem(db.Model):
    """A block of a technician's time, on an SR or a free-standing task.

    Items are drafts until the week is published. Editing a published item bumps
    `version`; the tech has seen the current state only while
    `acknowledged_version == version`.
    """

    __tablename__ = "schedule_items"
    __table_args__ = (
        CheckConstraint("edit_version >= 1", name="edit_version_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "acknowledged_version IS NULL OR acknowledged_version <= version",
            name="acknowledged_version_not_ahead",
        ),
        CheckConstraint(
            "acknowledged_at IS NULL OR published_at IS NOT NULL",
            name="acknowledged_only_when_published",
        ),
        Index("ix_schedule_items_tech_starts", "tech_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edit_version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(edit_version)
    tech_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sr_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_requests.id", ondelete="SET NULL"), index=True
    )
    # A month's maintenance checklist run this block of time is for.
    checklist_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("checklist_runs.id", ondelete="SET NULL"), index=True
    )
    # The training session this is an attendee's place at (see models.training).
    training_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_events.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    out_of_town: Mapped[bool] = mapped_column(Boolean, default=False)
    travel_notes: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_version: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # What the tech saw when acknowledging, so a later change can say what changed.
    acknowledged_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tech: Mapped[User] = relationship(foreign_keys=[tech_id])
    service_request: Mapped[ServiceRequest | None] = relationship()
    checklist_run: Mapped[ChecklistRun | None] = relationship()
    training_event: Mapped[TrainingEvent | None] = relationship()

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_version is not None and self.acknowledged_version == self.version

    @property
    def changed_since_acknowledged(self) -> bool:
        return self.acknowledged_version is not None and self.acknowledged_version < self.version
