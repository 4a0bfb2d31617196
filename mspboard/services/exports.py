"""CSV files for accounting and payroll, and the writer every CSV export shares (the shop's
whole export too). Every cell that a spreadsheet would treat as a formula is made inert."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TextIO

from sqlalchemy import select

from mspboard.models import ProposedInvoice, TimeCard, TimeCardStatus, TimeEntry, db
from mspboard.services import money
from mspboard.services.invoicing import invoice_number, line_amount, line_billed, quantity
from mspboard.services.shop_settings import current_settings
from mspboard.services.time_weeks import local_date, week_bounds
from mspboard.services.worked_time import worked_in_day

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: object) -> str:
    """A cell value a spreadsheet will show as text, never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(stream: TextIO, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write the header and the rows (cells made inert, CRLF line ends) as they come, so a
    long export never holds its rows in memory; returns how many rows were written."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    written = 0
    for row in rows:
        writer.writerow([inert(value) for value in row])
        written += 1
    return written


def csv_text(header: list[str], rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    return buffer.getvalue()


INVOICE_HEADER = [
    "InvoiceNumber",
    "Customer",
    "InvoiceDate",
    "Item",
    "Description",
    "Quantity",
    "Rate ({currency})",
    "Amount ({currency})",
]


def invoice_header(currency: str) -> list[str]:
    """The invoice export's columns; the money columns name the currency their plain numbers
    are in ("Rate (USD)"), so a spreadsheet's cells stay numbers."""
    return [column.format(currency=currency) for column in INVOICE_HEADER]


def invoices_csv(invoices: list[ProposedInvoice], invoice_date: date) -> str:
    """One row per billed line: quantity in hours, rate and amount in the currency unit."""
    rows: list[list[object]] = []
    for invoice in sorted(invoices, key=lambda i: i.client.name):
        for line in invoice.lines:
            billed = line_billed(line)
            if billed == 0:
                continue
            item = (
                line.service_request.number
                if line.service_request
                else "Maintenance"
                if line.checklist_run_id
                else "Service"
            )
            description = line.description + (f" ({line.note})" if line.note else "")
            rows.append(
                [
                    invoice_number(invoice),
                    invoice.client.name,
                    invoice_date.isoformat(),
                    item,
                    description,
                    quantity(billed),
                    money.plain(line.rate_cents),
                    money.plain(line_amount(line)),
                ]
            )
    return csv_text(invoice_header(current_settings().currency), rows)


PAYROLL_HEADER = [
    "Technician",
    "Email",
    "Date",
    "Minutes",
    "BillableMinutes",
    "NonBillableMinutes",
    "Hours",
    "BillableHours",
    "NonBillableHours",
]


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.2f}"


def payroll_csv(week_start: date) -> str:
    """Approved time cards of a week: one row per tech per day worked, in the same whole
    minutes as the time card (worked_time); Hours repeat them to two decimals."""
    approved = {
        card.tech_id
        for card in db.session.scalars(
            select(TimeCard).where(
                TimeCard.week_start == week_start, TimeCard.status == TimeCardStatus.APPROVED
            )
        )
    }
    start, end = week_bounds(week_start)
    days: dict[tuple[str, str, date], list[TimeEntry]] = defaultdict(list)
    for entry in db.session.scalars(
        select(TimeEntry).where(
            TimeEntry.started_at >= start,
            TimeEntry.started_at < end,
            TimeEntry.ended_at.is_not(None),
        )
    ):
        if entry.tech_id in approved:
            days[(entry.tech.name, entry.tech.email, local_date(entry.started_at))].append(entry)
    rows: list[list[object]] = []
    for (name, email, day), entries in sorted(days.items()):
        worked = worked_in_day(entries)
        minutes = [worked.minutes, worked.billable, worked.non_billable]
        rows.append([name, email, day.isoformat(), *minutes, *map(_hours, minutes)])
    return csv_text(PAYROLL_HEADER, rows)
