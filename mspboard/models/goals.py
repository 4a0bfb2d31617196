"""A technician's written goals and certifications: what they aim for each quarter and each
year, the notes on how it goes, and the certifications they hold (or plan, as goals)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
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


class GoalPeriod(StrEnum):
    QUARTER = "quarter"
    YEAR = "year"


class GoalKind(StrEnum):
    WORK = "work"
    # A certification the tech plans to earn; earning it records a Certification.
    CERTIFICATION = "certification"


class GoalStatus(StrEnum):
    OPEN = "open"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    MET = "met"
    MISSED = "missed"
    DROPPED = "dropped"


# A goal in one of these has been decided; the others are still being worked on.
DECIDED_GOAL_STATUSES = (GoalStatus.MET, GoalStatus.MISSED, GoalStatus.DROPPED)


class Goal(db.Model):
    """One written goal of one tech for one quarter or one year.

    `period_start` is the first day of that quarter (1 Jan, 1 Apr, 1 Jul, 1 Oct) or year.
    """

    __tablename__ = "goals"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        one_of("period", [p.value for p in GoalPeriod]),
        one_of("kind", [k.value for k in GoalKind]),
        one_of("status", [s.value for s in GoalStatus]),
        Index("ix_goals_user_period", "user_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    period: Mapped[str] = mapped_column(String(10), default=GoalPeriod.QUARTER.value)
    period_start: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20), default=GoalKind.WORK.value)
    title: Mapped[str] = mapped_column(String(200))
    # How the tech and the manager will know it is met.
    measure: Mapped[str] = mapped_column(Text, default="")
    target_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=GoalStatus.OPEN.value)
    # When the status became met, missed or dropped.
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    notes: Mapped[list[GoalNote]] = relationship(
        back_populates="goal", order_by="GoalNote.created_at", cascade="all, delete-orphan"
    )

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED_GOAL_STATUSES


class GoalNote(db.Model):
    """A progress note on a goal, in the words of who wrote it (the tech or a manager)."""

    __tablename__ = "goal_notes"
    __table_args__ = (CheckConstraint("length(body) > 0", name="body_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    # When it was written (on a phone, possibly offline) and when the server stored it.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="notes")
    author: Mapped[User] = relationship()


class Certification(db.Model):
    """A certification a tech holds: who issued it, when it was earned, when it expires."""

    __tablename__ = "certifications"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint(
            "expires_on IS NULL OR expires_on > earned_on", name="expires_after_earned"
        ),
        Index("ix_certifications_expires_on", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(200), default="")
    earned_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    # The goal this certification was planned as, when it was.
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    goal: Mapped[Goal | None] = relationship()
