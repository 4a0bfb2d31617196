"""Working a run: ticking its items (usually from the phone, often offline), raising a
Problem as an SR, proposing an item for next month, and the run's progress.

Only the run's owner or a manager may work on a run; anyone else is `NotYourRun` (answered
403). Nothing on a closed month's runs, or on the run of a client no longer active, changes.

A tick carries the moment it was made on the phone, not a form version: a tech who ticks
Done and then Problem with no signal sends both, each with its own moment, and both must
land in that order. A tick older than the one stored is refused, so a replay that arrives
late never undoes a newer tick. Each tick still moves the item's version on, so a desk form
showing the item is stale after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from mspboard import events, inputs
from mspboard.models import (
    Cadence,
    ChecklistProposal,
    ChecklistRun,
    ChecklistRunItem,
    MaintenanceMonth,
    Outcome,
    Priority,
    ProposalStatus,
    ServiceRequest,
    User,
    db,
)
from mspboard.models.maintenance import NOTE_MAX
from mspboard.services import edits
from mspboard.services.audit import record_event
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import wall_label
from mspboard.services.maintenance.months import month_label, refuse_closed, this_month
from mspboard.services.maintenance.sheet import RunState, is_overdue, run_state
from mspboard.services.maintenance.templates import ItemValues, check_values
from mspboard.services.service_requests import TITLE_MAX as SR_TITLE_MAX
from mspboard.services.service_requests import SRFields, create_sr


class NotYourRun(Exception):
    """Someone who is neither the run's owner nor a manager tried to work on it."""

    def __init__(self, run: ChecklistRun) -> None:
        self.message = (
            f"The {month_label(run.month.month)} run for {run.client.name} is "
            f"{run.owner.name}'s; only they or a manager can work on it."
        )
        super().__init__(self.message)


def may_work_on(actor: User, run: ChecklistRun) -> bool:
    return actor.id == run.owner_id or actor.is_manager


def _workable(actor: User, run: ChecklistRun) -> None:
    """The run can change, and this person may change it."""
    if not may_work_on(actor, run):
        raise NotYourRun(run)
    refuse_closed(run.month)
    if not run.client.active:
        raise RuleViolation(
            f"{run.client.name} is no longer an active client; its run cannot change."
        )


def _when(item: ChecklistRunItem) -> str:
    who = item.ticked_by.name if item.ticked_by else "someone"
    return f"{item.outcome_enum.label} by {who} at {wall_label(item.ticked_at, '%a %d %b %H:%M')}"  # type: ignore[union-attr,arg-type]


def tick(
    actor: User, run_item: ChecklistRunItem, outcome: str, note: str, moment: datetime
) -> ChecklistRunItem:
    """Record the item's outcome as ticked at `moment` (the phone's) by `actor`."""
    run = run_item.run
    _workable(actor, run)
    if outcome not in {o.value for o in Outcome}:
        raise RuleViolation("Tick Done, Not applicable or Problem.", "outcome")
    note = inputs.text(note, "note", NOTE_MAX)
    if outcome == Outcome.PROBLEM and not note:
        raise RuleViolation("Say what you found.", "note")
    if run_item.sr_id is not None and outcome != Outcome.PROBLEM:
        raise RuleViolation(
            f"This problem was raised as {run_item.service_request.number}; "  # type: ignore[union-attr]
            "it stays a Problem. Close the SR when it is fixed.",
            "outcome",
        )
    if run_item.ticked_at is not None and moment < run_item.ticked_at:
        raise RuleViolation(f"A later tick is already saved: {_when(run_item)}.", "outcome")
    changed = edits.write_changes(
        actor,
        run_item,
        {
            "outcome": outcome,
            "note": note,
            "ticked_at": moment,
            "ticked_by_id": actor.id,
        },
        "checklist_item.ticked",
    )
    if changed:
        run_item.ticked_by = actor
        db.session.flush()
        events.announce(db.session, events.MAINTENANCE)
    return run_item


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def raise_problem(actor: User, run_item: ChecklistRunItem, moment: datetime) -> ServiceRequest:
    """The Problem as an SR for the run's client, assigned to the run's owner, linked to the
    item. Raising it again answers with the SR already raised."""
    run = run_item.run
    _workable(actor, run)
    if run_item.service_request is not None:
        return run_item.service_request
    if run_item.outcome != Outcome.PROBLEM:
        raise RuleViolation("Tick the item as a Problem, with what you found, first.")
    label = month_label(run.month.month)
    sr = create_sr(
        actor,
        SRFields(
            client_id=run.client_id,
            title=_clipped(f"{run_item.title}: {_first_line(run_item.note)}", SR_TITLE_MAX),
            description=(
                f"{run_item.note}\n\n"
                f"Found on the {label} maintenance checklist for {run.client.name} "
                f"(item “{run_item.title}”), ticked by "
                f"{run_item.ticked_by.name if run_item.ticked_by else actor.name} "
                f"at {wall_label(run_item.ticked_at or moment, '%a %d %b %H:%M')}."
            ),
            priority=Priority.P3.value,
            assignee_id=run.owner_id,
            billable=run_item.billable,
        ),
    )
    edits.write_changes(actor, run_item, {"sr_id": sr.id}, "checklist_item.raised_as_sr")
    run_item.service_request = sr
    db.session.flush()
    events.announce(db.session, events.MAINTENANCE)
    return sr


def propose(
    actor: User,
    run: ChecklistRun,
    title: str,
    instruction: str,
    for_all_clients: bool,
    moment: datetime,
) -> ChecklistProposal:
    """An item suggested for next month's checklist: the run's client's, or everyone's."""
    _workable(actor, run)
    checked = check_values(ItemValues(title, instruction, None, True, Cadence.MONTHLY.value, None))
    title, instruction = checked.title, checked.instruction
    proposal = ChecklistProposal(
        run_id=run.id,
        client_id=None if for_all_clients else run.client_id,
        title=title,
        instruction=instruction,
        status=ProposalStatus.PROPOSED.value,
        proposed_by_id=actor.id,
        proposed_at=moment,
    )
    db.session.add(proposal)
    db.session.flush()
    record_event(
        actor,
        "checklist_proposal.made",
        proposal,
        None,
        {"title": title, "client_id": proposal.client_id, "run_id": run.id},
    )
    events.announce(db.session, events.MAINTENANCE)
    return proposal


# ---- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    ticked: int
    total: int
    problems: int
    due_on: date

    @property
    def state(self) -> RunState:
        return run_state(self.ticked, self.total)

    @property
    def done(self) -> bool:
        return self.state == RunState.DONE

    def overdue(self, today: date) -> bool:
        return is_overdue(self.state, self.due_on, today)

    @property
    def label(self) -> str:
        return f"{self.ticked}/{self.total}"


def progress(run: ChecklistRun) -> Progress:
    items = run.items
    return Progress(
        ticked=sum(1 for item in items if item.is_ticked),
        total=len(items),
        problems=sum(1 for item in items if item.outcome == Outcome.PROBLEM),
        due_on=run.due_on,
    )


def _runs_with_items():
    return select(ChecklistRun).options(
        joinedload(ChecklistRun.client),
        joinedload(ChecklistRun.month),
        selectinload(ChecklistRun.items),
    )


def my_runs(tech: User, month: date | None = None) -> list[ChecklistRun]:
    """The tech's runs of the month (this month unless named), by due date and client; two
    queries however many runs and items."""
    month = month or this_month()
    return list(
        db.session.scalars(
            _runs_with_items()
            .join(MaintenanceMonth, ChecklistRun.month_id == MaintenanceMonth.id)
            .where(ChecklistRun.owner_id == tech.id, MaintenanceMonth.month == month)
            .order_by(ChecklistRun.due_on, ChecklistRun.client_id)
        ).unique()
    )


def run_to_work(run_id: int) -> ChecklistRun | None:
    """A run with everything its checklist page shows: its items, who ticked them and the
    SRs raised from them, in a fixed number of queries."""
    return db.session.scalars(
        select(ChecklistRun)
        .where(ChecklistRun.id == run_id)
        .options(
            joinedload(ChecklistRun.client),
            joinedload(ChecklistRun.month),
            joinedload(ChecklistRun.owner),
            selectinload(ChecklistRun.items).selectinload(ChecklistRunItem.ticked_by),
            selectinload(ChecklistRun.items).selectinload(ChecklistRunItem.service_request),
        )
    ).first()


def run_label(run: ChecklistRun) -> str:
    """How a run is named on the phone, a timer and an invoice: "Acme maintenance, December
    2026"."""
    return f"{run.client.name} maintenance, {month_label(run.month.month)}"
