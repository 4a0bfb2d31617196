"""The maintenance month: which template items fall due in it, each active client's checklist
for it, and opening it (one run per client, with an owner and a due date) and closing it.

A month is named by its first day. Opening is idempotent: a second run creates only the runs
of clients that have none yet (a client added since), and opening 400 clients' runs is a
handful of statements, not one per row.
"""

from __future__ import annotations

from calendar import monthrange
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, insert, select

from mspboard import events
from mspboard.models import (
    Cadence,
    ChecklistExclusion,
    ChecklistItem,
    ChecklistRun,
    ChecklistRunItem,
    Client,
    MaintenanceMonth,
    User,
    db,
    utcnow,
)
from mspboard.services.audit import record_event
from mspboard.services.errors import RuleViolation
from mspboard.services.shop_settings import current_settings
from mspboard.services.staff import active_technicians
from mspboard.services.time_weeks import local_date
from mspboard.workweek import from_mask

MONTH_FORMAT = "%Y-%m"
# How far from this month a month named in a URL or on the command line may be.
MONTHS_AROUND = 5 * 12


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def this_month(now: datetime | None = None) -> date:
    return month_start(local_date(now or utcnow()))


def month_label(month: date) -> str:
    """How a month reads on a page: "December 2026"."""
    return month.strftime("%B %Y")


def month_text(month: date) -> str:
    """How a month is written in a URL or a form: "2026-12"."""
    return month.strftime(MONTH_FORMAT)


def month_from_text(text: str | None, now: datetime | None = None) -> date | None:
    """A "YYYY-MM" within five years of this month, else None."""
    raw = (text or "").strip()
    if len(raw) != 7:
        return None
    try:
        month = datetime.strptime(raw, MONTH_FORMAT).date()
    except ValueError:
        return None
    current = this_month(now)
    distance = (month.year - current.year) * 12 + month.month - current.month
    return month if abs(distance) <= MONTHS_AROUND else None


def is_due(cadence: str, cadence_month: int | None, month: date) -> bool:
    """Whether an item with this cadence is on the checklist in `month`: monthly always; a
    quarterly item in its month of the quarter (1-3); a yearly item in its month."""
    if cadence == Cadence.MONTHLY:
        return True
    if cadence == Cadence.QUARTERLY:
        return (month.month - 1) % 3 + 1 == cadence_month
    return month.month == cadence_month


def _workdays_of(month: date) -> list[date]:
    days = from_mask(current_settings().workdays)
    last = monthrange(month.year, month.month)[1]
    every = [month.replace(day=number) for number in range(1, last + 1)]
    return [day for day in every if day.isoweekday() in days] or every


def first_workday(month: date) -> date:
    return _workdays_of(month)[0]


def last_workday(month: date) -> date:
    """When a month's runs are due: its last working day."""
    return _workdays_of(month)[-1]


@dataclass
class Templates:
    """Every live template item, by client (None: the base), and each client's exclusions."""

    base: list[ChecklistItem]
    additions: dict[int, list[ChecklistItem]]
    excluded: dict[int, set[int]]

    def checklist(self, client_id: int, month: date) -> list[ChecklistItem]:
        """The client's items due in `month`: the base without its exclusions, then its own."""
        dropped = self.excluded.get(client_id, set())
        base = [item for item in self.base if item.id not in dropped]
        items = base + self.additions.get(client_id, [])
        return [item for item in items if is_due(item.cadence, item.cadence_month, month)]


def load_templates() -> Templates:
    """Two queries, whatever the number of clients."""
    items = db.session.scalars(
        select(ChecklistItem)
        .where(ChecklistItem.retired_at.is_(None))
        .order_by(ChecklistItem.position, ChecklistItem.id)
    )
    base: list[ChecklistItem] = []
    additions: dict[int, list[ChecklistItem]] = defaultdict(list)
    for item in items:
        if item.client_id is None:
            base.append(item)
        else:
            additions[item.client_id].append(item)
    excluded: dict[int, set[int]] = defaultdict(set)
    for client_id, item_id in db.session.execute(
        select(ChecklistExclusion.client_id, ChecklistExclusion.item_id)
    ):
        excluded[client_id].add(item_id)
    return Templates(base, dict(additions), dict(excluded))


def find_month(month: date) -> MaintenanceMonth | None:
    return db.session.scalar(select(MaintenanceMonth).where(MaintenanceMonth.month == month))


def _previous_owners(month: date) -> dict[int, int]:
    """Each client's run owner in the month before."""
    rows = db.session.execute(
        select(ChecklistRun.client_id, ChecklistRun.owner_id)
        .join(MaintenanceMonth, ChecklistRun.month_id == MaintenanceMonth.id)
        .where(MaintenanceMonth.month == add_months(month, -1))
    )
    return {client_id: owner_id for client_id, owner_id in rows}


def choose_owners(
    clients: list[Client], month: date, already: Counter[int] | None = None
) -> dict[int, int]:
    """An owner per client: the client's named maintenance owner, else last month's owner,
    else the technician with the fewest runs this month so far (by name on a tie). Only
    active technicians own runs."""
    technicians = active_technicians()
    if not technicians:
        raise RuleViolation("There is no active technician to own the maintenance runs.")
    active = {tech.id for tech in technicians}
    load: Counter[int] = Counter(already or {})
    previous = _previous_owners(month)
    owners: dict[int, int] = {}
    unowned: list[Client] = []
    for client in clients:
        for candidate in (client.maintenance_owner_id, previous.get(client.id)):
            if candidate in active:
                owners[client.id] = candidate  # type: ignore[assignment]
                load[candidate] += 1  # type: ignore[index]
                break
        else:
            unowned.append(client)
    for client in unowned:
        owner = min(technicians, key=lambda tech: (load[tech.id], tech.name, tech.id))
        owners[client.id] = owner.id
        load[owner.id] += 1
    return owners


@dataclass
class PlannedRun:
    """A run opening the month would create: the client, its owner-to-be and its items."""

    client: Client
    owner_id: int
    items: list[ChecklistItem]


def plan_runs(month: date, record: MaintenanceMonth | None) -> list[PlannedRun]:
    """The runs opening `month` would create now, without writing anything: one per active
    client that has no run in it yet and has anything due, with the owner it would get."""
    have_run: set[int] = set()
    existing_load: Counter[int] = Counter()
    if record is not None:
        have_run = set(
            db.session.scalars(
                select(ChecklistRun.client_id).where(ChecklistRun.month_id == record.id)
            )
        )
    clients = [
        client
        for client in db.session.scalars(
            select(Client).where(Client.active).order_by(Client.name, Client.id)
        )
        if client.id not in have_run
    ]
    templates = load_templates()
    checklists = {client.id: templates.checklist(client.id, month) for client in clients}
    clients = [client for client in clients if checklists[client.id]]
    if not clients:
        return []
    if record is not None:
        for owner_id, count in db.session.execute(
            select(ChecklistRun.owner_id, func.count())
            .where(ChecklistRun.month_id == record.id)
            .group_by(ChecklistRun.owner_id)
        ):
            existing_load[owner_id] = count
    owners = choose_owners(clients, month, existing_load)
    return [PlannedRun(client, owners[client.id], checklists[client.id]) for client in clients]


@dataclass
class Opened:
    month: MaintenanceMonth
    created: int
    already_open: bool


def is_openable(month: date, now: datetime | None = None) -> bool:
    """Only this month or next month can be opened."""
    current = this_month(now)
    return month in (current, add_months(current, 1))


def has_ended(month: date, now: datetime | None = None) -> bool:
    return this_month(now) > month


def _openable(month: date, now: datetime) -> None:
    if not is_openable(month, now):
        current = this_month(now)
        raise RuleViolation(
            f"Only this month ({month_label(current)}) or next month can be opened; "
            f"{month_label(month)} cannot.",
            field="month",
        )


def open_month(actor: User | None, month: date, now: datetime | None = None) -> Opened:
    """Create the month's runs: one per active client with anything due, owned and due on
    the month's last workday. Runs already there are left as they are."""
    now = now or utcnow()
    month = month_start(month)
    _openable(month, now)
    record = find_month(month)
    already_open = record is not None
    if record is not None:
        refuse_closed(record)
    else:
        record = MaintenanceMonth(month=month, opened_at=now, opened_by=actor)
        db.session.add(record)
        db.session.flush()
    planned = plan_runs(month, record)
    created = 0
    if planned:
        due_on = last_workday(month)
        run_ids = db.session.execute(
            insert(ChecklistRun).returning(ChecklistRun.id, ChecklistRun.client_id),
            [
                {
                    "version": 1,
                    "month_id": record.id,
                    "client_id": plan.client.id,
                    "owner_id": plan.owner_id,
                    "due_on": due_on,
                    "created_at": now,
                }
                for plan in planned
            ],
        ).all()
        checklists = {plan.client.id: plan.items for plan in planned}
        db.session.execute(
            insert(ChecklistRunItem),
            [
                run_item_values(run_id, item, position)
                for run_id, client_id in run_ids
                for position, item in enumerate(checklists[client_id])
            ],
        )
        created = len(run_ids)
    if created or not already_open:
        record_event(actor, "maintenance_month.opened", record, None, {"runs_created": created})
        events.announce(db.session, events.MAINTENANCE, events.SCHEDULE)
    return Opened(record, created, already_open)


def run_item_values(run_id: int, item: ChecklistItem, position: int) -> dict[str, object]:
    """A run's copy of a template item, as the columns of one row."""
    return {
        "version": 1,
        "run_id": run_id,
        "item_id": item.id,
        "title": item.title,
        "instruction": item.instruction,
        "estimate_minutes": item.estimate_minutes,
        "billable": item.billable,
        "position": position,
        "note": "",
    }


def refuse_closed(record: MaintenanceMonth) -> None:
    """A closed month's runs are kept as they ended: nothing on them changes."""
    if record.is_closed:
        raise RuleViolation(
            f"{month_label(record.month)} is closed; its runs are kept as they ended."
        )


def close_month(actor: User, record: MaintenanceMonth, now: datetime | None = None) -> None:
    """Keep the month's runs as they ended: nothing on them can be ticked after this."""
    now = now or utcnow()
    if record.is_closed:
        raise RuleViolation(f"{month_label(record.month)} is already closed.")
    if not has_ended(record.month, now):
        raise RuleViolation(f"{month_label(record.month)} can be closed once it has ended.")
    record.closed_at = now
    record.closed_by = actor
    record_event(actor, "maintenance_month.closed", record, None, {"closed_at": now.isoformat()})
    events.announce(db.session, events.MAINTENANCE)
