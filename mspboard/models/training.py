"""Training events on the schedule: Final Friday Training (the last Friday of each month)
and short-notice training. Each attendee gets a schedule item linked to the event, so the
planner, the phone's week, its acknowledgement and the calendar feeds show it as they show
any other work; a tech logs the time against the event as non-billable training."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mspboard.models.base import (
    UTCDateTime,
    db,
    edit_version_column,
    edit_versioned,
    one_of,
    utcnow,
)
from mspboard.models.people import User

TITLE_MAX = 200
PLACE_MAX = 500
MATERIALS_MAX = 4000


class TrainingKind(StrEnum):
    FINAL_FRIDAY = "final_friday"
    SHORT_NOTICE = "short_notice"

    @property
    def label(self) -> str:
        return {"final_friday": "Final Friday Training"}.get(self.value, "Short-notice training")


class TrainingEvent(db.Model):
    """One training session: when, where (a room or a meeting link) and what to bring or
    read. Cancelling keeps the row (its logged time still points at it) and takes it off
    every attendee's schedule."""

    __tablename__ = "training_events"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        one_of("kind", [k.value for k in TrainingKind]),
        Index("ix_training_events_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    kind: Mapped[str] = mapped_column(String(20), default=TrainingKind.FINAL_FRIDAY.value)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place_or_link: Mapped[str] = mapped_column(String(PLACE_MAX), default="")
    materials: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def kind_enum(self) -> TrainingKind:
        return TrainingKind(self.kind)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_link(self) -> bool:
        return self.place_or_link.startswith(("https://", "http://"))
