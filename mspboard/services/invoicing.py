"""Weekly invoice review: proposed invoices per client from APPROVED billable time, the
manager's adjustments (kept through every regeneration), and what is still waiting for
approval so nothing slips through."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mspboard.models import (
    Client,
    InvoiceLine,
    InvoiceStatus,
    ProposedInvoice,
    TimeCard,
    TimeCardStatus,
    TimeEntry,
    User,
    db,
    utcnow,
)
from mspboard.services.audit import record_event, snapshot
from mspboard.services.errors import RuleViolation
from mspboard.services.shop_settings import current_settings
from mspboard.services.time_weeks import local_date, week_bounds

NOTE_MAX = 2000
LINE_FIELDS = ["billed_minutes", "written_off", "write_off_reason", "note"]


def entry_minutes(entry: TimeEntry) -> int:
    return math.ceil((entry.ended_at - entry.started_at).total_seconds() / 60)  # type: ignore[operator]


def rounded(minutes: int, increment: int) -> int:
    """Round one entry up to the shop's increment (0: bill the exact minutes)."""
    if increment <= 0 or minutes <= 0:
        return minutes
    return math.ceil(minutes / increment) * increment


def billable_minutes(entries: list[TimeEntry], increment: int, minimum: int) -> int:
    """Rounded time for one line; each visit (the line's time on one day) bills at least
    the minimum charge."""
    by_day: dict[date, int] = defaultdict(int)
    for entry in entries:
        by_day[local_date(entry.started_at)] += rounded(entry_minutes(entry), increment)
    return sum(max(total, minimum) for total in by_day.values())


def amount_cents(minutes: int, rate_cents: int) -> int:
    """Minutes at an hourly rate, to the nearest cent (half up), in integers only."""
    return (minutes * rate_cents + 30) // 60


def line_billed(line: InvoiceLine) -> int:
    if line.written_off:
        return 0
    return line.logged_minutes if line.billed_minutes is None else line.billed_minutes


def line_amount(line: InvoiceLine) -> int:
    return amount_cents(line_billed(line), line.rate_cents)


def invoice_total(invoice: ProposedInvoice) -> int:
    return sum(line_amount(line) for line in invoice.lines)


def line_is_new(line: InvoiceLine) -> bool:
    """Approved time changed since the manager last reviewed this invoice."""
    return line.invoice.reviewed_at is not None and line.reviewed_minutes != line.logged_minutes


def invoice_number(invoice: ProposedInvoice) -> str:
    year, week, _ = invoice.week_start.isocalendar()
    return f"INV-{year}W{week:02d}-{invoice.client_id:04d}"


def _week_entries(week_start: date) -> list[TimeEntry]:
    start, end = week_bounds(week_start)
    return list(
        db.session.scalars(
            select(TimeEntry)
            .where(
                TimeEntry.started_at >= start,
                TimeEntry.started_at < end,
                TimeEntry.ended_at.is_not(None),
            )
            .options(
                selectinload(TimeEntry.service_request),
                selectinload(TimeEntry.client),
                selectinload(TimeEntry.tech),
            )
            .order_by(TimeEntry.started_at)
        )
    )


def _approved_techs(week_start: date) -> set[int]:
    return set(
        db.session.scalars(
            select(TimeCard.tech_id).where(
                TimeCard.week_start == week_start, TimeCard.status == TimeCardStatus.APPROVED
            )
        )
    )


def _rate(client: Client) -> int:
    if client.billing_rate_cents is not None:
        return client.billing_rate_cents
    return current_settings().default_rate_cents


def regenerate(week_start: date) -> list[ProposedInvoice]:
    """Bring the week's proposed invoices in line with its approved billable time. Logged
    minutes follow the time; the manager's billed minutes, write-offs and notes stay.
    Exported invoices are left exactly as they were sent."""
    settings = current_settings()
    approved = _approved_techs(week_start)
    groups: dict[int, dict[int | None, list[TimeEntry]]] = defaultdict(lambda: defaultdict(list))
    clients: dict[int, Client] = {}
    for entry in _week_entries(week_start):
        if entry.billable and entry.tech_id in approved:
            groups[entry.client_id][entry.sr_id].append(entry)
            clients[entry.client_id] = entry.client
    invoices = {
        invoice.client_id: invoice
        for invoice in db.session.scalars(
            select(ProposedInvoice)
            .where(ProposedInvoice.week_start == week_start)
            .options(selectinload(ProposedInvoice.lines))
        )
    }
    for client_id, by_sr in groups.items():
        invoice = invoices.get(client_id)
        if invoice is None:
            invoice = ProposedInvoice(client_id=client_id, week_start=week_start, lines=[])
            db.session.add(invoice)
            invoices[client_id] = invoice
        if invoice.status == InvoiceStatus.EXPORTED:
            continue
        existing = {line.sr_id: line for line in invoice.lines}
        for sr_id, entries in by_sr.items():
            line = existing.pop(sr_id, None)
            if line is None:
                line = InvoiceLine(sr_id=sr_id, rate_cents=_rate(clients[client_id]))
                invoice.lines.append(line)
            sr = entries[0].service_request
            line.description = (f"{sr.number} {sr.title}" if sr else "Other work")[:240]
            line.logged_minutes = billable_minutes(
                entries, settings.billing_rounding_minutes, settings.minimum_charge_minutes
            )
            line.rate_cents = _rate(clients[client_id])
        for gone in existing.values():  # time no longer approved (a card was reopened)
            gone.logged_minutes = 0
        if invoice.status == InvoiceStatus.REVIEWED and any(map(line_is_new, invoice.lines)):
            invoice.status = InvoiceStatus.PROPOSED.value
    for client_id, invoice in invoices.items():
        if client_id not in groups and invoice.status != InvoiceStatus.EXPORTED:
            for line in invoice.lines:
                line.logged_minutes = 0
    db.session.flush()
    return sorted(invoices.values(), key=lambda invoice: invoice.client.name)


@dataclass
class Waiting:
    """Billable time in the week not approved yet: it rolls into the next review."""

    tech: User
    client: Client
    minutes: int
    card_status: str


@dataclass
class WeekReview:
    week_start: date
    invoices: list[ProposedInvoice]
    waiting: list[Waiting] = field(default_factory=list)
    non_billable_minutes: int = 0

    @property
    def total_cents(self) -> int:
        return sum(invoice_total(invoice) for invoice in self.invoices)


def week_review(week_start: date) -> WeekReview:
    invoices = regenerate(week_start)
    approved = _approved_techs(week_start)
    cards = {
        card.tech_id: card.status
        for card in db.session.scalars(select(TimeCard).where(TimeCard.week_start == week_start))
    }
    waiting: dict[tuple[int, int], Waiting] = {}
    non_billable = 0
    for entry in _week_entries(week_start):
        minutes = entry_minutes(entry)
        if entry.tech_id not in approved:
            if entry.billable:
                key = (entry.tech_id, entry.client_id)
                row = waiting.setdefault(
                    key, Waiting(entry.tech, entry.client, 0, cards.get(entry.tech_id, "draft"))
                )
                row.minutes += minutes
        elif not entry.billable:
            non_billable += minutes
    return WeekReview(
        week_start,
        invoices,
        sorted(waiting.values(), key=lambda w: (w.client.name, w.tech.name)),
        non_billable,
    )


def _editable(invoice: ProposedInvoice) -> None:
    if invoice.status == InvoiceStatus.EXPORTED:
        raise RuleViolation("This invoice was exported; it can no longer change.")


def _audit(manager: User, line: InvoiceLine, before: dict, action: str) -> None:
    record_event(manager, action, line, before, snapshot(line, LINE_FIELDS))


def adjust_line(manager: User, line: InvoiceLine, billed_minutes: int | None, note: str) -> None:
    _editable(line.invoice)
    if billed_minutes is not None and not 0 <= billed_minutes <= 7 * 24 * 60:
        raise RuleViolation("Bill between 0 and 168 hours.", "billed_hours")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise RuleViolation(f"Keep the note under {NOTE_MAX} characters.", "note")
    before = snapshot(line, LINE_FIELDS)
    line.billed_minutes = billed_minutes
    line.note = note
    _audit(manager, line, before, "invoice_line.adjusted")
    db.session.flush()


def write_off(manager: User, line: InvoiceLine, reason: str) -> None:
    _editable(line.invoice)
    reason = reason.strip()
    if not reason:
        raise RuleViolation("Say why this line is written off.", "reason")
    before = snapshot(line, LINE_FIELDS)
    line.written_off, line.write_off_reason = True, reason[:NOTE_MAX]
    _audit(manager, line, before, "invoice_line.written_off")
    db.session.flush()


def restore(manager: User, line: InvoiceLine) -> None:
    _editable(line.invoice)
    before = snapshot(line, LINE_FIELDS)
    line.written_off, line.write_off_reason = False, ""
    _audit(manager, line, before, "invoice_line.restored")
    db.session.flush()


def annotate_invoice(manager: User, invoice: ProposedInvoice, note: str) -> None:
    _editable(invoice)
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise RuleViolation(f"Keep the note under {NOTE_MAX} characters.", "note")
    record_event(manager, "invoice.annotated", invoice, {"note": invoice.note}, {"note": note})
    invoice.note = note
    db.session.flush()


def mark_reviewed(manager: User, invoice: ProposedInvoice) -> None:
    _editable(invoice)
    for line in invoice.lines:
        line.reviewed_minutes = line.logged_minutes
    before = {"status": invoice.status}
    invoice.status = InvoiceStatus.REVIEWED.value
    invoice.reviewed_at = utcnow()
    invoice.reviewed_by_id = manager.id
    record_event(manager, "invoice.reviewed", invoice, before, {"status": invoice.status})
    db.session.flush()


@dataclass
class Export:
    invoices: list[ProposedInvoice]
    already_exported: list[ProposedInvoice]
    not_reviewed: list[ProposedInvoice]


def plan_export(week_start: date) -> Export:
    invoices = list(
        db.session.scalars(
            select(ProposedInvoice)
            .where(ProposedInvoice.week_start == week_start)
            .options(selectinload(ProposedInvoice.lines), selectinload(ProposedInvoice.client))
        )
    )
    billable = [i for i in invoices if invoice_total(i) > 0 or i.status == InvoiceStatus.EXPORTED]
    return Export(
        invoices=[i for i in billable if i.status != InvoiceStatus.PROPOSED],
        already_exported=[i for i in billable if i.status == InvoiceStatus.EXPORTED],
        not_reviewed=[i for i in billable if i.status == InvoiceStatus.PROPOSED],
    )


def mark_exported(
    manager: User, invoices: list[ProposedInvoice], at: datetime | None = None
) -> None:
    at = at or utcnow()
    for invoice in invoices:
        before = {"status": invoice.status}
        invoice.status = InvoiceStatus.EXPORTED.value
        invoice.exported_at = at
        invoice.exported_by_id = manager.id
        record_event(manager, "invoice.exported", invoice, before, {"status": invoice.status})
    db.session.flush()


def week_end(week_start: date) -> date:
    return week_start + timedelta(days=6)
