from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mspboard.models.base import UTCDateTime, db, one_of, utcnow
from mspboard.models.clients import Client
from mspboard.models.service_requests import ServiceRequest


class InvoiceStatus(StrEnum):
    PROPOSED = "proposed"
    REVIEWED = "reviewed"
    EXPORTED = "exported"


class ProposedInvoice(db.Model):
    """One client's billable week, built from approved time, for the manager to review."""

    __tablename__ = "proposed_invoices"
    __table_args__ = (
        UniqueConstraint("client_id", "week_start"),
        one_of("status", [s.value for s in InvoiceStatus]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    week_start: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=InvoiceStatus.PROPOSED.value)
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
        UniqueConstraint("invoice_id", "sr_id"),
        CheckConstraint("logged_minutes >= 0", name="logged_not_negative"),
        CheckConstraint(
            "billed_minutes IS NULL OR billed_minutes >= 0", name="billed_not_negative"
        ),
        CheckConstraint("rate_cents >= 0", name="rate_not_negative"),
        CheckConstraint("NOT written_off OR write_off_reason <> ''", name="write_off_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("proposed_invoices.id", ondelete="CASCADE"), index=True
    )
    sr_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"))
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
