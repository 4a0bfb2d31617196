from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mspboard.models.base import (
    UTCDateTime,
    db,
    edit_version_column,
    edit_versioned,
    one_of,
    utcnow,
)
from mspboard.models.clients import Client
from mspboard.models.service_requests import ServiceRequest
from mspboard.models.time_tracking import TimeEntry


class InvoiceStatus(StrEnum):
    PROPOSED = "proposed"
    REVIEWED = "reviewed"
    EXPORTED = "exported"


# Which approved entries an invoice line bills. An entry is billed by one line at most, so
# no approved minute can reach two invoices; an exported line keeps its entries for good.
invoice_line_entries = Table(
    "invoice_line_entries",
    db.metadata,
    Column(
        "line_id",
        ForeignKey("invoice_lines.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "entry_id",
        ForeignKey("time_entries.id", ondelete="CASCADE"),
        primary_key=True,
        unique=True,
    ),
)


class ProposedInvoice(db.Model):
    """One client's billable week, built from approved time, for the manager to review.
    Time approved after the week's invoice was exported goes on a supplementary invoice
    for the same week (supplement 1, 2, ...)."""

    __tablename__ = "proposed_invoices"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        UniqueConstraint("client_id", "week_start", "supplement"),
        one_of("status", [s.value for s in InvoiceStatus]),
        CheckConstraint("supplement >= 0", name="supplement_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    week_start: Mapped[date] = mapped_column(Date)
    supplement: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(20), default=InvoiceStatus.PROPOSED.value)
    # Why a reviewed invoice went back to Proposed (time or the client's rate changed under it).
    status_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The client's rate when the manager last reviewed it: a later change reopens the review.
    reviewed_client_rate_cents: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    client: Mapped[Client] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.id"
    )


class InvoiceLine(db.Model):
    """One SR's billable time in a week (or the client's time with no SR). The logged
    minutes follow the approved time; the manager's billed minutes, write-off and note
    survive every regeneration."""

    __tablename__ = "invoice_lines"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        UniqueConstraint("invoice_id", "sr_id"),
        UniqueConstraint("invoice_id", "checklist_run_id"),
        CheckConstraint("sr_id IS NULL OR checklist_run_id IS NULL", name="one_kind_of_work"),
        CheckConstraint("logged_minutes >= 0", name="logged_not_negative"),
        CheckConstraint(
            "billed_minutes IS NULL OR billed_minutes >= 0", name="billed_not_negative"
        ),
        CheckConstraint("rate_cents >= 0", name="rate_not_negative"),
        CheckConstraint("NOT written_off OR write_off_reason <> ''", name="write_off_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("proposed_invoices.id", ondelete="CASCADE"), index=True
    )
    sr_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"))
    # A month's maintenance run billed as one line, its ticked items as the description.
    checklist_run_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_runs.id"))
    description: Mapped[str] = mapped_column(String(240))
    # Minutes of approved billable time after the shop's rounding and minimum charge.
    logged_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # What the manager decided to bill instead; NULL bills the logged minutes.
    billed_minutes: Mapped[int | None] = mapped_column(Integer)
    rate_cents: Mapped[int] = mapped_column(Integer)
    written_off: Mapped[bool] = mapped_column(Boolean, default=False)
    write_off_reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # Logged minutes when the manager last reviewed the invoice, to show what is new since.
    reviewed_minutes: Mapped[int | None] = mapped_column(Integer)

    invoice: Mapped[ProposedInvoice] = relationship(back_populates="lines")
    service_request: Mapped[ServiceRequest | None] = relationship()
    entries: Mapped[list[TimeEntry]] = relationship(
        secondary=invoice_line_entries, order_by=TimeEntry.started_at
    )


class CalendarFeed(db.Model):
    """A private iCalendar feed: a tech's own schedule, or the whole team's for a manager.
    Only the token's hash is stored."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (one_of("scope", ["mine", "team"]),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scope: Mapped[str] = mapped_column(String(10), default="mine")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
