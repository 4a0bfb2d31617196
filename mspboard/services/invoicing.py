"""Weekly invoice review: proposed invoices per client from APPROVED billable time, the
manager's adjustments (kept through every regeneration), and what is still waiting for
approval so nothing slips through."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from mspboard.models import (
    ChecklistRun,
    Client,
    InvoiceLine,
    InvoiceStatus,
    ProposedInvoice,
    ServiceRequest,
    TimeCard,
    TimeCardStatus,
    TimeEntry,
    User,
    db,
    utcnow,
)
from mspboard.services import edits, money
from mspboard.services.audit import record_event
from mspboard.services.errors import RuleViolation
from mspboard.services.maintenance.months import month_label
from mspboard.services.shop_settings import current_settings
from mspboard.services.time_weeks import local_date, week_bounds

NOTE_MAX = 2000
DESCRIPTION_MAX = 240
# A line's audited edit names the version of its invoice it made, under this key.
INVOICE_VERSION = "invoice_version"


def entry_minutes(entry: TimeEntry) -> int:
    """Billing counts every started minute of an entry."""
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


def hours_hundredths(minutes: int) -> int:
    """A line's quantity as invoices show it: hours to two decimals, half up."""
    return (minutes * 100 + 30) // 60


def amount_cents(minutes: int, rate_cents: int) -> int:
    """The quantity in hours as shown (two decimals) times the hourly rate, to the nearest
    cent (half up), in integers only: Quantity x Rate = Amount on every invoice line."""
    return (hours_hundredths(minutes) * rate_cents + 50) // 100


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


def rate_now(client: Client) -> int:
    """The hourly rate a new line for this client gets today."""
    if client.billing_rate_cents is not None:
        return client.billing_rate_cents
    return current_settings().default_rate_cents


def line_rate_differs(line: InvoiceLine) -> bool:
    """The client's rate changed since this line was proposed (the line keeps its rate
    until the manager applies the new one)."""
    return line.invoice.status != InvoiceStatus.EXPORTED and line.rate_cents != rate_now(
        line.invoice.client
    )


def rate_differs_on(invoice: ProposedInvoice) -> bool:
    return any(line_rate_differs(line) for line in invoice.lines)


def invoice_number(invoice: ProposedInvoice) -> str:
    year, week, _ = invoice.week_start.isocalendar()
    number = f"INV-{year}W{week:02d}-{invoice.client_id:04d}"
    return f"{number}-S{invoice.supplement}" if invoice.supplement else number


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


def _week_invoices(week_start: date) -> list[ProposedInvoice]:
    return list(
        db.session.scalars(
            select(ProposedInvoice)
            .where(ProposedInvoice.week_start == week_start)
            .options(
                selectinload(ProposedInvoice.client),
                selectinload(ProposedInvoice.lines).selectinload(InvoiceLine.entries),
                selectinload(ProposedInvoice.lines).selectinload(InvoiceLine.service_request),
            )
            .order_by(ProposedInvoice.client_id, ProposedInvoice.supplement)
        )
    )


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.2f} h"


def _money(cents: int) -> str:
    return money.shown(cents, current_settings().currency)


def quantity(minutes: int) -> str:
    """A line's quantity in hours as the invoice and its export show it: "1.33"."""
    return money.plain(hours_hundredths(minutes))


# The work a line bills: (SR id, maintenance run id), at most one of them set; neither is
# the client's other work.
WorkKey = tuple[int | None, int | None]


def _work_key(entry: TimeEntry) -> WorkKey:
    return (entry.sr_id, entry.checklist_run_id)


def _line_key(line: InvoiceLine) -> WorkKey:
    return (line.sr_id, line.checklist_run_id)


def _work_label(sr: ServiceRequest | None) -> str:
    return f"{sr.number} {sr.title}" if sr else "Other work"


def _line_label(line: InvoiceLine) -> str:
    if line.checklist_run_id is not None:  # its description starts with the run's name
        return line.description.partition(":")[0]
    return _work_label(line.service_request)


def _maintenance_label(run: ChecklistRun) -> str:
    return f"Monthly maintenance, {month_label(run.month.month)}"


def _maintenance_description(run: ChecklistRun, room: int) -> str:
    """ "Monthly maintenance, December 2026: Backups verified; Patches applied; ...": the
    items ticked Done or as a Problem, in checklist order, in `room` characters."""
    checked = [item.title for item in run.items if item.outcome in ("done", "problem")]
    text = _maintenance_label(run) + (": " + "; ".join(checked) if checked else "")
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


def _description(sr_entries: list[TimeEntry], late: bool) -> str:
    worked = ""
    if late:  # time billed after its week: say when it was worked
        days = sorted({local_date(entry.started_at) for entry in sr_entries})
        worked = " (worked " + ", ".join(day.strftime("%a %d %b") for day in days) + ")"
    run = sr_entries[0].checklist_run
    if run is not None:
        return _maintenance_description(run, DESCRIPTION_MAX - len(worked)) + worked
    return (_work_label(sr_entries[0].service_request) + worked)[:DESCRIPTION_MAX]


def _open_invoice(client: Client, week_start: date, of_client: list[ProposedInvoice]):
    """The client's invoice for the week that can still change, made if needed: the first
    one, or a supplementary one once the week's earlier invoices were exported."""
    for invoice in of_client:
        if invoice.status != InvoiceStatus.EXPORTED:
            return invoice
    invoice = ProposedInvoice(
        client=client,
        week_start=week_start,
        supplement=max((i.supplement + 1 for i in of_client), default=0),
        status=InvoiceStatus.PROPOSED.value,
    )
    db.session.add(invoice)
    of_client.append(invoice)
    return invoice


def _review_reopened_by(invoice: ProposedInvoice) -> list[str]:
    """What changed under a reviewed invoice since the manager reviewed it."""
    reasons = []
    for line in invoice.lines:
        if not line_is_new(line):
            continue
        what = _line_label(line)
        if line.reviewed_minutes is None:
            reasons.append(f"{what}: new approved time ({_hours(line.logged_minutes)})")
        elif line.logged_minutes == 0:
            reasons.append(
                f"{what}: its time is no longer approved (was {_hours(line.reviewed_minutes)})"
            )
        else:
            reasons.append(
                f"{what}: approved time changed from {_hours(line.reviewed_minutes)} "
                f"to {_hours(line.logged_minutes)}"
            )
    now = rate_now(invoice.client)
    if invoice.reviewed_client_rate_cents is not None and invoice.reviewed_client_rate_cents != now:
        reasons.append(
            f"{invoice.client.name}'s rate changed from "
            f"{_money(invoice.reviewed_client_rate_cents)} to {_money(now)}"
        )
    return reasons


@dataclass
class _Unbilled:
    """Approved billable time of a week that no exported invoice bills, by client and SR."""

    invoices: list[ProposedInvoice]
    by_client: dict[int, list[ProposedInvoice]]
    clients: dict[int, Client]
    entries: dict[int, dict[WorkKey, list[TimeEntry]]]


def _unbilled(week_start: date) -> _Unbilled:
    approved = _approved_techs(week_start)
    invoices = _week_invoices(week_start)
    by_client: dict[int, list[ProposedInvoice]] = defaultdict(list)
    for invoice in invoices:
        by_client[invoice.client_id].append(invoice)
    exported_entries = {
        entry.id
        for invoice in invoices
        if invoice.status == InvoiceStatus.EXPORTED
        for line in invoice.lines
        for entry in line.entries
    }
    unbilled: dict[int, dict[WorkKey, list[TimeEntry]]] = defaultdict(lambda: defaultdict(list))
    clients: dict[int, Client] = {invoice.client_id: invoice.client for invoice in invoices}
    for entry in _week_entries(week_start):
        if entry.billable and entry.tech_id in approved and entry.id not in exported_entries:
            unbilled[entry.client_id][_work_key(entry)].append(entry)
            clients[entry.client_id] = entry.client
    _load_runs([entry for by_work in unbilled.values() for e in by_work.values() for entry in e])
    return _Unbilled(invoices, by_client, clients, unbilled)


def _load_runs(entries: list[TimeEntry]) -> None:
    """The maintenance runs the entries were for, with their months and items, in one go
    (and not a query at all in a week without maintenance time)."""
    run_ids = {entry.checklist_run_id for entry in entries if entry.checklist_run_id}
    if not run_ids:
        return
    runs = db.session.scalars(
        select(ChecklistRun)
        .where(ChecklistRun.id.in_(run_ids))
        .options(selectinload(ChecklistRun.month), selectinload(ChecklistRun.items))
    ).all()
    by_id = {run.id: run for run in runs}
    for entry in entries:
        if entry.checklist_run_id:
            set_committed_value(entry, "checklist_run", by_id.get(entry.checklist_run_id))


def _line_minutes(entries: list[TimeEntry]) -> int:
    settings = current_settings()
    return billable_minutes(
        entries, settings.billing_rounding_minutes, settings.minimum_charge_minutes
    )


class ProposalState(StrEnum):
    CURRENT = "current"
    MISSING = "missing"  # approved billable time and no invoice proposed for it yet
    OUT_OF_DATE = "out_of_date"  # approved time or a client's rate changed since


def proposal_state(week_start: date) -> ProposalState:
    """Whether the stored invoices match the week's approved time, without changing them:
    what `regenerate` would do, asked as a question."""
    found = _unbilled(week_start)
    for client_id in found.clients:
        of_client = found.by_client.get(client_id, [])
        open_invoice = next((i for i in of_client if i.status != InvoiceStatus.EXPORTED), None)
        wanted = found.entries.get(client_id, {})
        if open_invoice is None:
            if wanted:
                return ProposalState.MISSING if not found.invoices else ProposalState.OUT_OF_DATE
            continue
        lines = {_line_key(line): line for line in open_invoice.lines}
        for work, entries in wanted.items():
            line = lines.pop(work, None)
            if (
                line is None
                or set(line.entries) != set(entries)
                or line.logged_minutes != _line_minutes(entries)
                or line.description != _description(entries, late=open_invoice.supplement > 0)
            ):
                return ProposalState.OUT_OF_DATE
        if any(line.entries or line.logged_minutes for line in lines.values()):
            return ProposalState.OUT_OF_DATE
        if open_invoice.status == InvoiceStatus.REVIEWED and _review_reopened_by(open_invoice):
            return ProposalState.OUT_OF_DATE
    return ProposalState.CURRENT


def regenerate(week_start: date) -> list[ProposedInvoice]:
    """Bring the week's open invoices in line with its approved billable time.

    Every approved billable entry is billed by exactly one invoice line: entries already on
    an exported invoice stay there; the rest go on the client's open invoice for the week
    (a supplementary one, flagged as late time, once the first was exported). Logged minutes
    follow the time; the manager's billed minutes, write-offs, notes and each line's rate
    stay. A reviewed invoice whose time or client rate changed goes back to Proposed with
    the reason. Idempotent: a second run changes nothing. Only an explicit step (a POST)
    runs it, never a page view."""
    found = _unbilled(week_start)
    by_client, unbilled = found.by_client, found.entries
    targets: dict[InvoiceLine, list[TimeEntry]] = {}
    for client_id, client in found.clients.items():
        of_client = by_client[client_id]
        has_open = any(i.status != InvoiceStatus.EXPORTED for i in of_client)
        if not has_open and not unbilled.get(client_id):
            continue
        invoice = _open_invoice(client, week_start, of_client)
        existing = {_line_key(line): line for line in invoice.lines}
        for work, entries in unbilled.get(client_id, {}).items():
            line = existing.pop(work, None)
            if line is None:
                sr_id, run_id = work
                line = InvoiceLine(
                    sr_id=sr_id,
                    checklist_run_id=run_id,
                    description=_description(entries, late=invoice.supplement > 0),
                    rate_cents=rate_now(client),
                )
                invoice.lines.append(line)
            targets[line] = entries
        for gone in existing.values():  # its time is no longer approved
            targets[gone] = []
    # Let go of entries first, so an entry that moved (to another SR or client) is never
    # held by two lines at once.
    for line, entries in targets.items():
        keep = set(entries)
        if any(entry not in keep for entry in line.entries):
            line.entries = [entry for entry in line.entries if entry in keep]
    db.session.flush()
    touched = {line.invoice for line in targets if line.id is None}
    for line, entries in targets.items():
        wanted = {"logged_minutes": _line_minutes(entries)}
        if entries:
            wanted["description"] = _description(entries, late=line.invoice.supplement > 0)
        if line.entries != entries or edits.changed_values(line, wanted):
            touched.add(line.invoice)
        if line.entries != entries:
            line.entries = entries
        for name, (_before, after) in edits.changed_values(line, wanted).items():
            setattr(line, name, after)
    for of_client in by_client.values():
        for invoice in of_client:
            if invoice.status == InvoiceStatus.REVIEWED and _reopen_review_if_changed(invoice):
                touched.add(invoice)
    # A manager's form on a touched invoice is now stale: what it showed has changed.
    for invoice in touched:
        if invoice.id is not None:
            edits.bump_version(invoice)
    db.session.flush()
    every = [invoice for of_client in by_client.values() for invoice in of_client]
    return _in_order(every)


def _in_order(invoices: list[ProposedInvoice]) -> list[ProposedInvoice]:
    return sorted(invoices, key=lambda invoice: (invoice.client.name, invoice.supplement))


def _reopen_review_if_changed(invoice: ProposedInvoice) -> bool:
    reasons = _review_reopened_by(invoice)
    if not reasons:
        return False
    before = {"status": invoice.status}
    invoice.status = InvoiceStatus.PROPOSED.value
    invoice.status_reason = "; ".join(reasons)[:NOTE_MAX]
    record_event(
        None,
        "invoice.review_reopened",
        invoice,
        before,
        {"status": invoice.status, "reason": invoice.status_reason},
    )
    return True


@dataclass
class Waiting:
    """Billable time in the week not approved yet: it stays in its own week and is added to
    this week's invoices once its card is approved."""

    tech: User
    client: Client
    minutes: int
    card_status: str


@dataclass
class ChangedAfterExport:
    """An exported line whose entries changed since (a card reopened and edited): the
    exported invoice stays as sent; the manager decides what to do about the difference."""

    invoice: ProposedInvoice
    line: InvoiceLine
    now_minutes: int


@dataclass
class WeekReview:
    week_start: date
    invoices: list[ProposedInvoice]
    waiting: list[Waiting] = field(default_factory=list)
    non_billable_minutes: int = 0
    changed_after_export: list[ChangedAfterExport] = field(default_factory=list)
    proposals: ProposalState = ProposalState.CURRENT

    @property
    def total_cents(self) -> int:
        return sum(invoice_total(invoice) for invoice in self.invoices)


def _changed_after_export(invoices: list[ProposedInvoice]) -> list[ChangedAfterExport]:
    settings = current_settings()
    changed = []
    for invoice in invoices:
        if invoice.status != InvoiceStatus.EXPORTED:
            continue
        for line in invoice.lines:
            now = billable_minutes(
                line.entries, settings.billing_rounding_minutes, settings.minimum_charge_minutes
            )
            if now != line.logged_minutes:
                changed.append(ChangedAfterExport(invoice, line, now))
    return changed


def week_review(week_start: date) -> WeekReview:
    """The week as stored: reading it changes nothing (see `proposal_state`, `regenerate`)."""
    invoices = _in_order(_week_invoices(week_start))
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
        _changed_after_export(invoices),
        proposal_state(week_start),
    )


def _editable(invoice: ProposedInvoice, expected_version: int | None) -> None:
    """A change to an invoice is made on what the manager saw: the invoice at
    `expected_version`. A newer save by someone else, or new approved time under it, is
    EditConflict (naming who changed what), never overwritten."""
    if invoice.status == InvoiceStatus.EXPORTED:
        raise RuleViolation("This invoice was exported; it can no longer change.")
    if invoice.version != expected_version:
        raise edits.EditConflict(invoice, changes_since(invoice, expected_version or 0))


def changes_since(invoice: ProposedInvoice, version: int) -> list[edits.TheirChange]:
    """Who changed the invoice or its lines since the manager's `version`, oldest first."""
    return edits.changes_since(invoice, version, invoice.lines, INVOICE_VERSION)


def _change_line(manager: User, line: InvoiceLine, values: dict, action: str) -> None:
    """Write what changes on a line, audited, and move its invoice's version on, so every
    other open form of the invoice is stale. Nothing changes, nothing is written."""
    if not edits.changed_values(line, values):
        return
    edits.bump_version(line.invoice)
    edits.write_changes(manager, line, values, action, tag={INVOICE_VERSION: line.invoice.version})


def adjust_line(
    manager: User,
    line: InvoiceLine,
    billed_minutes: int | None,
    note: str,
    *,
    expected_version: int | None,
) -> None:
    if billed_minutes is not None and not 0 <= billed_minutes <= 7 * 24 * 60:
        raise RuleViolation("Bill between 0 and 168 hours.", "billed_hours")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise RuleViolation(f"Keep the note under {NOTE_MAX} characters.", "note")
    _editable(line.invoice, expected_version)
    _change_line(
        manager, line, {"billed_minutes": billed_minutes, "note": note}, "invoice_line.adjusted"
    )
    db.session.flush()


def write_off(
    manager: User, line: InvoiceLine, reason: str, *, expected_version: int | None
) -> None:
    reason = reason.strip()
    if not reason:
        raise RuleViolation("Say why this line is written off.", "reason")
    _editable(line.invoice, expected_version)
    wanted = {"written_off": True, "write_off_reason": reason[:NOTE_MAX]}
    _change_line(manager, line, wanted, "invoice_line.written_off")
    db.session.flush()


def restore(manager: User, line: InvoiceLine, *, expected_version: int | None) -> None:
    _editable(line.invoice, expected_version)
    wanted = {"written_off": False, "write_off_reason": ""}
    _change_line(manager, line, wanted, "invoice_line.restored")
    db.session.flush()


def annotate_invoice(
    manager: User, invoice: ProposedInvoice, note: str, *, expected_version: int | None
) -> None:
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise RuleViolation(f"Keep the note under {NOTE_MAX} characters.", "note")
    _editable(invoice, expected_version)
    edits.write_changes(manager, invoice, {"note": note}, "invoice.annotated")
    db.session.flush()


def apply_current_rate(
    manager: User, invoice: ProposedInvoice, *, expected_version: int | None
) -> None:
    """Bill every line of the invoice at the client's rate of today."""
    _editable(invoice, expected_version)
    rate = rate_now(invoice.client)
    for line in invoice.lines:
        _change_line(manager, line, {"rate_cents": rate}, "invoice_line.rate_applied")
    db.session.flush()


def mark_reviewed(manager: User, invoice: ProposedInvoice, *, expected_version: int | None) -> None:
    """The manager has checked the invoice as it stood at `expected_version`."""
    _editable(invoice, expected_version)
    for line in invoice.lines:
        line.reviewed_minutes = line.logged_minutes
    wanted = {
        "status": InvoiceStatus.REVIEWED.value,
        "status_reason": "",
        "reviewed_client_rate_cents": rate_now(invoice.client),
        "reviewed_at": utcnow(),
        "reviewed_by_id": manager.id,
    }
    edits.write_changes(manager, invoice, wanted, "invoice.reviewed")
    db.session.flush()


def reviewed_ids(week_start: date) -> set[int]:
    """The week's invoices marked reviewed and not yet exported."""
    return set(
        db.session.scalars(
            select(ProposedInvoice.id).where(
                ProposedInvoice.week_start == week_start,
                ProposedInvoice.status == InvoiceStatus.REVIEWED,
            )
        )
    )


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
