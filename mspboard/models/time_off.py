from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text
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


class TimeOffKind(StrEnum):
    VACATION = "vacation"
    SICK = "sick"
    PERSONAL = "personal"
    TRAINING = "training"
    OTHER = "other"


class TimeOffStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    CANCELLED = "cancelled"


class TimeOffRequest(db.Model):
    """Personal time a tech asks for. Half days: the first day may start at midday,
    the last day may end at midday."""

    __tablename__ = "time_off_requests"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("end_date >= start_date", name="ends_on_or_after_start"),
        CheckConstraint(
            "NOT (start_date = end_date AND starts_midday AND ends_midday)",
            name="not_empty",
        ),
        one_of("kind", [k.value for k in TimeOffKind]),
        one_of("status", [s.value for s in TimeOffStatus]),
        Index("ix_time_off_requests_tech_dates", "tech_id", "start_date", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    tech_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    starts_midday: Mapped[bool] = mapped_column(Boolean, default=False)
    ends_midday: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(20), default=TimeOffKind.VACATION.value)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=TimeOffStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    tech: Mapped[User] = relationship(foreign_keys=[tech_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
