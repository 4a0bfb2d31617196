"""What a month's maintenance leaves on paper: the printable summary of one client's run
(what was checked, what was found, the SRs raised, the time spent) and the CSV of every run
item of a month, its cells made inert for spreadsheets like every other export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import aliased

from mspboard.models import (
    ChecklistRun,
    ChecklistRunItem,
    Client,
    MaintenanceMonth,
    Outcome,
    ServiceRequest,
    User,
    db,
)
from mspboard.models.service_requests import format_sr_number
from mspboard.services.exports import csv_text
from mspboard.services.local_time import local
from mspboard.services.maintenance.months import month_text
from mspboard.services.maintenance.sheet import RunDetail, run_detail


@dataclass
class MonthSummary:
    detail: RunDetail
    srs: list[ServiceRequest]

    @property
    def run(self) -> ChecklistRun:
        return self.detail.run


def month_summary(run: ChecklistRun) -> MonthSummary:
    """One client's month: every item with its outcome and note, the problems found and
    the SRs raised for them (each once), and the time logged against the run."""
    detail = run_detail(run)
    srs = {item.service_request.id: item.service_request for item in detail.found if item.sr_id}
    return MonthSummary(detail, list(srs.values()))


CSV_HEADER = [
    "Month",
    "Client",
    "Owner",
    "Due",
    "Item",
    "Outcome",
    "Note",
    "TickedBy",
    "TickedAt",
    "SR",
]


def month_csv(month: MaintenanceMonth) -> str:
    """Every run item of the month, by client and then as the checklist orders them; a
    tick's moment in the shop's time with its UTC offset."""
    owner, ticker = aliased(User), aliased(User)
    rows = db.session.execute(
        select(
            Client.name.label("client"),
            owner.name.label("owner"),
            ChecklistRun.due_on,
            ChecklistRunItem.title,
            ChecklistRunItem.outcome,
            ChecklistRunItem.note,
            ticker.name.label("ticked_by"),
            ChecklistRunItem.ticked_at,
            ChecklistRunItem.sr_id,
        )
        .join(ChecklistRun, ChecklistRunItem.run_id == ChecklistRun.id)
        .join(Client, ChecklistRun.client_id == Client.id)
        .join(owner, ChecklistRun.owner_id == owner.id)
        .outerjoin(ticker, ChecklistRunItem.ticked_by_id == ticker.id)
        .where(ChecklistRun.month_id == month.id)
        .order_by(Client.name, Client.id, ChecklistRunItem.position, ChecklistRunItem.id)
    )
    label = month_text(month.month)
    return csv_text(
        CSV_HEADER,
        [
            [
                label,
                row.client,
                row.owner,
                row.due_on.isoformat(),
                row.title,
                Outcome(row.outcome).label if row.outcome else "",
                row.note,
                row.ticked_by or "",
                local(row.ticked_at).isoformat(timespec="minutes") if row.ticked_at else "",
                format_sr_number(row.sr_id) if row.sr_id else "",
            ]
            for row in rows
        ],
    )


def csv_filename(month: date) -> str:
    return f"maintenance-{month.strftime('%Y-%m')}.csv"
