from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mspboard.models.base import UTCDateTime, db, utcnow
from mspboard.models.people import User


class AgendaItem(db.Model):
    """A note to raise at a Monday Morning Meeting; `meeting_on` is that Monday."""

    __tablename__ = "agenda_items"
    __table_args__ = (Index("ix_agenda_items_meeting_on", "meeting_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_on: Mapped[date] = mapped_column(Date)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    discussed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship()
