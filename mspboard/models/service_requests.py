from __future__ import annotations

import re
from datetime import datetime
from enum import IntEnum, StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mspboard.models.base import (
    UTCDateTime,
    db,
    edit_version_column,
    edit_versioned,
    one_of,
    utcnow,
)
from mspboard.models.clients import EXTERNAL_REF_MAX, Client, ClientContact
from mspboard.models.people import User

SR_NUMBER = re.compile(r"^SR-(\d{1,9})$", re.IGNORECASE)


class Priority(IntEnum):
    P1 = 1
    P2 = 2
    P3 = 3
    P4 = 4

    @property
    def label(self) -> str:
        return f"P{self.value} " + {1: "critical", 2: "high", 3: "normal", 4: "low"}[self.value]


class SRStatus(StrEnum):
    NEW = "new"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    DONE = "done"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def format_sr_number(sr_id: int) -> str:
    return f"SR-{sr_id:06d}"


def parse_sr_number(text: str) -> int | None:
    match = SR_NUMBER.match(text.strip())
    return int(match.group(1)) if match else None


class ServiceRequest(db.Model):
    """A service request (SR, ticket): one piece of work for one client."""

    __tablename__ = "service_requests"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority_range"),
        one_of("status", [s.value for s in SRStatus]),
        CheckConstraint(
            "(status = 'done') = (closed_at IS NOT NULL)", name="closed_exactly_when_done"
        ),
        CheckConstraint(
            "estimate_minutes IS NULL OR estimate_minutes >= 0", name="estimate_not_negative"
        ),
        Index("ix_service_requests_board_order", "status", "priority", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[int] = mapped_column(Integer, default=Priority.P3.value)
    status: Mapped[str] = mapped_column(String(20), default=SRStatus.NEW.value)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    estimate_minutes: Mapped[int | None] = mapped_column(Integer)
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    # Who at the client asked for the work (one of the client's contacts).
    # The ticket's number in the tool the shop used before (set by an import).
    external_ref: Mapped[str | None] = mapped_column(String(EXTERNAL_REF_MAX), unique=True)
    requester_id: Mapped[int | None] = mapped_column(
        ForeignKey("client_contacts.id", ondelete="SET NULL"), index=True
    )

    client: Mapped[Client] = relationship()
    requester: Mapped[ClientContact | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    activities: Mapped[list[SRActivity]] = relationship(
        back_populates="service_request",
        order_by="SRActivity.at",
        cascade="all, delete-orphan",
    )

    @property
    def number(self) -> str:
        return format_sr_number(self.id)

    @property
    def priority_enum(self) -> Priority:
        return Priority(self.priority)

    @property
    def status_enum(self) -> SRStatus:
        return SRStatus(self.status)

    def __repr__(self) -> str:
        return f"<ServiceRequest {self.id} {self.status} P{self.priority}>"

    @classmethod
    def work_order(cls) -> tuple:
        """The order SRs are worked in: highest priority first (P1 is 1), then oldest first;
        the id keeps ties stable."""
        return (cls.priority, cls.created_at, cls.id)


class SRActivity(db.Model):
    """One line of an SR's history: created, a field changed, a note."""

    __tablename__ = "sr_activities"
    __table_args__ = (
        one_of("kind", ["created", "status", "priority", "assignee", "edit", "note"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sr_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))
    field: Mapped[str | None] = mapped_column(String(40))
    from_value: Mapped[str | None] = mapped_column(String(200))
    to_value: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")

    service_request: Mapped[ServiceRequest] = relationship(back_populates="activities")
    actor: Mapped[User | None] = relationship()


# The longest note a person can write on an SR.
NOTE_MAX = 4000


class SRNoteKind(StrEnum):
    NOTE = "note"
    # How the SR was resolved, written when it is closed.
    RESOLUTION = "resolution"


class SRNote(db.Model):
    """An internal note on an SR: what was found and done, in the words of who did it.
    `written_at` is when it was written (on a phone, perhaps long before it reached us)."""

    __tablename__ = "sr_notes"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("length(body) > 0", name="body_not_empty"),
        one_of("kind", [k.value for k in SRNoteKind]),
        Index("ix_sr_notes_sr_written", "sr_id", "written_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    sr_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), default=SRNoteKind.NOTE.value)
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The phone's id for the change that wrote it: the same note arriving twice is one note.
    uuid: Mapped[str | None] = mapped_column(String(36), unique=True)

    service_request: Mapped[ServiceRequest] = relationship()
    author: Mapped[User | None] = relationship()

    @property
    def is_resolution(self) -> bool:
        return self.kind == SRNoteKind.RESOLUTION
