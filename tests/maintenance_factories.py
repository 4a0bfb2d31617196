"""Builders for maintenance checklists in tests. Call inside an app context; they flush."""

from __future__ import annotations

from datetime import date, datetime

from mspboard.models import (
    ChecklistExclusion,
    ChecklistItem,
    ChecklistRun,
    ChecklistRunItem,
    Client,
    ServiceRequest,
    User,
    db,
)
from mspboard.services.maintenance import months as maintenance_months
from tests.shop_time import at_local


def make_item(
    title: str = "Backups verified",
    client: Client | None = None,
    cadence: str = "monthly",
    cadence_month: int | None = None,
    estimate_minutes: int | None = 15,
    billable: bool = True,
    position: int = 0,
) -> ChecklistItem:
    item = ChecklistItem(
        client=client,
        title=title,
        instruction=f"Check: {title}.",
        cadence=cadence,
        cadence_month=cadence_month,
        estimate_minutes=estimate_minutes,
        billable=billable,
        position=position,
    )
    db.session.add(item)
    db.session.flush()
    return item


def exclude(client: Client, item: ChecklistItem) -> None:
    db.session.add(ChecklistExclusion(client_id=client.id, item_id=item.id))
    db.session.flush()


def in_month(month: date) -> datetime:
    """Noon on the month's second day, shop time: a moment when `month` is this month."""
    return at_local(month.replace(day=2), 12)


def open_month(month: date, actor=None) -> list[ChecklistRun]:
    """Open `month` as if it were this month; the runs it has, by client name."""
    opened = maintenance_months.open_month(actor, month, now=in_month(month))
    db.session.flush()
    runs = db.session.query(ChecklistRun).filter_by(month_id=opened.month.id).all()
    return sorted(runs, key=lambda run: run.client.name)


def ticked(
    item: ChecklistRunItem,
    by: User,
    at: datetime,
    outcome: str = "done",
    note: str = "",
    sr: ServiceRequest | None = None,
) -> ChecklistRunItem:
    """The run item as if `by` had ticked it at `at` (straight to the row, no rules)."""
    item.outcome, item.ticked_by, item.ticked_at, item.note = outcome, by, at, note
    item.service_request = sr
    db.session.flush()
    return item
