"""The Monday Morning Meeting: one row per Monday, drafted during the week and held on the
day. Its agenda items are `AgendaItem` rows; the generated sections are read live."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String
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


class MeetingStatus(StrEnum):
    DRAFT = "draft"
    HELD = "held"


class Meeting(db.Model):
    """The meeting of one Monday. A draft takes changes to its agenda; once held it is kept
    as it ended, and what it did not discuss carries over to the next Monday."""

    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        one_of("status", [s.value for s in MeetingStatus]),
        CheckConstraint(
            "(status = 'held' AND held_at IS NOT NULL AND held_by_id IS NOT NULL)"
            " OR (status = 'draft' AND held_at IS NULL AND held_by_id IS NULL)",
            name="held_says_when_and_by_whom",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    monday: Mapped[date] = mapped_column(Date, unique=True)
    status: Mapped[str] = mapped_column(String(10), default=MeetingStatus.DRAFT.value)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The generated sections as they read when the meeting was closed.
    sections: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    held_by: Mapped[User | None] = relationship(foreign_keys=[held_by_id])

    @property
    def is_held(self) -> bool:
        return self.status == MeetingStatus.HELD.value
