from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mspboard.models.base import UTCDateTime, db, one_of, utcnow
from mspboard.models.clients import Client
from mspboard.models.maintenance import ChecklistRun
from mspboard.models.people import User
from mspboard.models.service_requests import ServiceRequest
from mspboard.models.training import TrainingEvent


class TimeEntry(db.Model):
    """Time a tech spent, on an SR or directly for a client. A running timer has no end."""

    __tablename__ = "time_entries"
    __table_args__ = (
        CheckConstraint("ended_at IS NULL OR ended_at > started_at", name="ends_after_start"),
        # Training time is the shop's own: no client, and never billed.
        CheckConstraint(
            "client_id IS NOT NULL OR training_event_id IS NOT NULL", name="client_or_training"
        ),
        CheckConstraint(
            "training_event_id IS NULL OR (client_id IS NULL AND sr_id IS NULL "
            "AND checklist_run_id IS NULL AND NOT billable)",
            name="training_not_billed",
        ),
        Index("ix_time_entries_tech_started", "tech_id", "started_at"),
        # One running timer per tech, enforced by the database itself.
        Index(
            "uq_time_entries_one_running_timer",
            "tech_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made on the phone, so an entry replayed from an offline outbox is stored once.
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    tech_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sr_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"), index=True)
    # Time spent on a month's maintenance checklist run (the client is the run's).
    checklist_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("checklist_runs.id"), index=True
    )
    # Training the time was spent in: then there is no client, and the time is not billable.
    training_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_events.id"), index=True
    )
    # Set for all client work (taken from the SR when there is one) so billing groups by
    # client directly; empty only for training.
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    # When the entry was made on the device, and when the server first received it.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tech: Mapped[User] = relationship()
    service_request: Mapped[ServiceRequest | None] = relationship()
    client: Mapped[Client | None] = relationship()
    checklist_run: Mapped[ChecklistRun | None] = relationship()
    training_event: Mapped[TrainingEvent | None] = relationship()

    @property
    def work_label(self) -> str:
        """What the time was for, in a word or two: the SR, the training, or the client."""
        if self.service_request is not None:
            return f"{self.service_request.number} {self.service_request.title}"
        if self.training_event is not None:
            return f"Training: {self.training_event.title}"
        return self.client.name if self.client is not None else ""

    @property
    def is_running(self) -> bool:
        return self.ended_at is None

    def duration(self, now: datetime | None = None) -> timedelta:
        end = self.ended_at or now or utcnow()
        return end - self.started_at


class TimeCardStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return self.value.capitalize()


LOCKED_CARD_STATUSES = frozenset({TimeCardStatus.SUBMITTED, TimeCardStatus.APPROVED})


class TimeCard(db.Model):
    """One tech's week of time, from draft through approval. `week_start` is a Monday."""

    __tablename__ = "time_cards"
    __table_args__ = (
        UniqueConstraint("tech_id", "week_start"),
        one_of("status", [s.value for s in TimeCardStatus]),
        CheckConstraint(
            "status = 'draft' OR submitted_at IS NOT NULL", name="submitted_when_not_draft"
        ),
        CheckConstraint(
            "status NOT IN ('approved', 'rejected') OR decided_at IS NOT NULL",
            name="decided_when_decided",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tech_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    week_start: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=TimeCardStatus.DRAFT.value)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Why it was rejected, or why an approved card was reopened.
    reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    tech: Mapped[User] = relationship(foreign_keys=[tech_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    # Optimistic locking: two managers deciding the same card cannot both win.
    __mapper_args__ = {"version_id_col": version}

    @property
    def status_enum(self) -> TimeCardStatus:
        return TimeCardStatus(self.status)

    @property
    def is_locked(self) -> bool:
        return self.status_enum in LOCKED_CARD_STATUSES
