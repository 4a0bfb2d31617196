from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mspboard.models.base import UTCDateTime, db, utcnow
from mspboard.models.people import User


class CheckIn(db.Model):
    """A tech's end-of-day report to the service manager; one per tech per day. A later
    check-in the same day adds to it: `created_at` is when the phone made the first part,
    `updated_at` when it made the last."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("tech_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tech_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    day: Mapped[date] = mapped_column(Date)
    how_it_went: Mapped[str] = mapped_column(Text, default="")
    plan_for_tomorrow: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tech: Mapped[User] = relationship()
    issues: Mapped[list[CheckInIssue]] = relationship(
        back_populates="checkin", cascade="all, delete-orphan", order_by="CheckInIssue.id"
    )


class CheckInIssue(db.Model):
    """Something from a check-in that needs the manager's attention."""

    __tablename__ = "checkin_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("checkins.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the tech reported it, on the phone (not when it reached the server).
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The SR a manager turned this issue into, if any.
    sr_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"))

    checkin: Mapped[CheckIn] = relationship(back_populates="issues")
