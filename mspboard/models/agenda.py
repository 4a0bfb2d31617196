"""An item on the Monday Morning Meeting's agenda: a tech's note or a manager's own item."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mspboard.models.base import UTCDateTime, db, edit_version_column, edit_versioned, utcnow
from mspboard.models.people import User
from mspboard.models.service_requests import ServiceRequest


class AgendaItem(db.Model):
    """A note to raise at a Monday Morning Meeting; `meeting_on` is the Monday it was raised
    for. Not discussed there, it stays on every later agenda ("carried over") until a
    meeting discusses it (`discussed_on`, that Monday) or a manager takes it off the agenda
    (`removed_on`): an item is never deleted, so a past meeting still reads as it was."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        Index("ix_agenda_items_meeting_on", "meeting_on"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("length(text) > 0", name="text_not_empty"),
        CheckConstraint(
            "(discussed_at IS NULL AND discussed_by_id IS NULL AND discussed_on IS NULL)"
            " OR (discussed_at IS NOT NULL AND discussed_by_id IS NOT NULL"
            " AND discussed_on IS NOT NULL)",
            name="discussed_says_when_and_by_whom",
        ),
        CheckConstraint(
            "(removed_at IS NULL AND removed_by_id IS NULL AND removed_on IS NULL)"
            " OR (removed_at IS NOT NULL AND removed_by_id IS NOT NULL AND removed_on IS NOT NULL)",
            name="removed_says_when_and_by_whom",
        ),
        CheckConstraint("removed_on IS NULL OR discussed_on IS NULL", name="discussed_or_removed"),
        CheckConstraint(
            "discussed_on IS NULL OR discussed_on >= meeting_on", name="discussed_once_raised"
        ),
        CheckConstraint(
            "discussed_on IS NOT NULL OR (outcome_sr_id IS NULL AND outcome_assignee_id IS NULL"
            " AND outcome_note = '')",
            name="outcome_only_when_discussed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    meeting_on: Mapped[date] = mapped_column(Date)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The agenda's order: lower first; a new item goes after every item there is.
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    discussed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discussed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    discussed_on: Mapped[date | None] = mapped_column(Date, ForeignKey("meetings.monday"))
    outcome_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The action agreed: an SR made from the item, or the person it was given to.
    outcome_sr_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"))
    outcome_assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_on: Mapped[date | None] = mapped_column(Date, ForeignKey("meetings.monday"))

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    discussed_by: Mapped[User | None] = relationship(foreign_keys=[discussed_by_id])
    removed_by: Mapped[User | None] = relationship(foreign_keys=[removed_by_id])
    outcome_assignee: Mapped[User | None] = relationship(foreign_keys=[outcome_assignee_id])
    outcome_sr: Mapped[ServiceRequest | None] = relationship()

    def carried_from(self, monday: date) -> date | None:
        """The Monday it was first raised for, when that is before `monday`."""
        return self.meeting_on if self.meeting_on < monday else None
