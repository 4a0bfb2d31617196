"""Each role's duty list as the shop keeps it: the duties (with their cadence and the page
that does each), who ticked which duty for which day, week, month, quarter or year, and
when the lists were last reviewed."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
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

DUTY_TITLE_MAX = 200
DUTY_LINK_MAX = 64


class DutyRole(StrEnum):
    TECHNICIAN = "technician"
    SERVICE_MANAGER = "service_manager"

    @property
    def label(self) -> str:
        return {"technician": "Technician", "service_manager": "Service manager"}[self.value]


class DutyCadence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Duty(db.Model):
    """One duty of one role. `link` names the page (a Flask endpoint from the fixed list in
    services/people/duties.PAGES) that does it; empty when mspboard has no page for it yet.
    A retired duty leaves the checklists but keeps its ticks."""

    __tablename__ = "duties"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        one_of("role", [r.value for r in DutyRole]),
        one_of("cadence", [c.value for c in DutyCadence]),
        Index("ix_duties_role_position", "role", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    role: Mapped[str] = mapped_column(String(20))
    cadence: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(DUTY_TITLE_MAX))
    link: Mapped[str] = mapped_column(String(DUTY_LINK_MAX), default="", server_default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def role_enum(self) -> DutyRole:
        return DutyRole(self.role)

    @property
    def cadence_enum(self) -> DutyCadence:
        return DutyCadence(self.cadence)


class DutyTick(db.Model):
    """A person's tick of a duty for one period: `period_start` is the day (daily), its
    Monday (weekly), or the first day of its month, quarter or year, in the shop's zone.
    Unticking deletes the row."""

    __tablename__ = "duty_ticks"
    __table_args__ = (UniqueConstraint("duty_id", "user_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(ForeignKey("duties.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    period_start: Mapped[date] = mapped_column(Date, index=True)
    # When it was ticked (on a phone, possibly offline) and when the server stored it.
    ticked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    duty: Mapped[Duty] = relationship()
    user: Mapped[User] = relationship()


class DutyListReview(db.Model):
    """The shop went through its duty lists: who, and when. The newest one is the lists'
    "last reviewed"."""

    __tablename__ = "duty_list_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    reviewed_by: Mapped[User | None] = relationship()
