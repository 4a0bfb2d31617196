"""Quarterly reviews: one per technician per quarter, held in the quarter's second week,
prepared from the quarter before and ending with the new quarter's goals."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mspboard.models.base import UTCDateTime, db, edit_version_column, edit_versioned, utcnow
from mspboard.models.people import User
from mspboard.models.schedule import ScheduleItem


class QuarterlyReview(db.Model):
    """The review that opens the quarter starting `quarter_start` (1 Jan, 1 Apr, 1 Jul or
    1 Oct) for one tech; the quarter it looks back on is the one before.

    It is scheduled by a planner item (published and acknowledged like any other); held once
    a manager marks it so. The tech's review of the service manager (what helps, what does
    not) is theirs alone to write and is shown to managers and admins only.
    """

    __tablename__ = "quarterly_reviews"
    __table_args__ = (
        UniqueConstraint("tech_id", "quarter_start"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "(held_at IS NULL AND held_by_id IS NULL) "
            "OR (held_at IS NOT NULL AND held_by_id IS NOT NULL)",
            name="held_by_someone",
        ),
        CheckConstraint(
            "(manager_review_at IS NULL AND manager_review_by_id IS NULL) "
            "OR (manager_review_at IS NOT NULL AND manager_review_by_id IS NOT NULL)",
            name="manager_review_attributed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    tech_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    quarter_start: Mapped[date] = mapped_column(Date, index=True)
    schedule_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule_items.id", ondelete="SET NULL"), unique=True
    )
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    manager_notes: Mapped[str] = mapped_column(Text, default="")
    # The tech's review of the service manager.
    manager_helps: Mapped[str] = mapped_column(Text, default="")
    manager_hinders: Mapped[str] = mapped_column(Text, default="")
    manager_review_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    manager_review_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tech: Mapped[User] = relationship(foreign_keys=[tech_id])
    held_by: Mapped[User | None] = relationship(foreign_keys=[held_by_id])
    manager_review_by: Mapped[User | None] = relationship(foreign_keys=[manager_review_by_id])
    schedule_item: Mapped[ScheduleItem | None] = relationship()

    @property
    def is_held(self) -> bool:
        return self.held_at is not None

    @property
    def starts_at(self) -> datetime | None:
        return self.schedule_item.starts_at if self.schedule_item else None

    @property
    def state(self) -> str:
        if self.is_held:
            return "held"
        return "scheduled" if self.schedule_item_id else "to schedule"
