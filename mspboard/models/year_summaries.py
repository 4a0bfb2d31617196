"""The service manager's written review of one year: what went well, what did not, and the
department's goals for the year ahead, kept beside that year's figures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mspboard.models.base import UTCDateTime, db, edit_version_column, edit_versioned, utcnow
from mspboard.models.people import User

# The years a review can be written for (the input layer's window of dates).
FIRST_YEAR = 2000
LAST_YEAR = 2099
# Each of the three texts: a few pages at most.
SUMMARY_TEXT_MAX = 8000


class YearSummary(db.Model):
    __tablename__ = "year_summaries"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="year_in_range"),
        CheckConstraint(
            f"length(successes) <= {SUMMARY_TEXT_MAX} AND length(fails) <= {SUMMARY_TEXT_MAX}"
            f" AND length(next_year_goals) <= {SUMMARY_TEXT_MAX}",
            name="texts_bounded",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    successes: Mapped[str] = mapped_column(Text, default="")
    fails: Mapped[str] = mapped_column(Text, default="")
    # The department's goals for the year after `year`, as the manager writes them.
    next_year_goals: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    updated_by: Mapped[User | None] = relationship()

    @property
    def is_written(self) -> bool:
        return bool(self.successes or self.fails or self.next_year_goals)
