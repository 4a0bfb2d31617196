"""Items proposed while working a run, and the manager's decision on each.

Accepting one makes it a template item (a base item when proposed for every client, else
that client's addition), on the checklists from the next month opened; rejecting keeps the
proposal, marked rejected. A proposal is decided once: two managers deciding it at once
store exactly one decision (its version makes the second write miss).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from mspboard import events, inputs
from mspboard.models import (
    ChecklistProposal,
    ChecklistRun,
    MaintenanceMonth,
    ProposalStatus,
    User,
    db,
    utcnow,
)
from mspboard.services.audit import record_event, snapshot
from mspboard.services.edits import bump_version, conflict_since, expect_version
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import wall_label
from mspboard.services.maintenance.months import add_months
from mspboard.services.maintenance.templates import (
    Change,
    ItemValues,
    apply,
)
from mspboard.services.time_weeks import local_midnight

PROPOSAL_FIELDS = ["status", "decided_by_id", "decided_at", "item_id", "version"]
REASON_MAX = 1000


class AlreadyDecided(RuleViolation):
    """Someone decided the proposal first; the message says who and when."""


def pending(month: date | None = None) -> list[ChecklistProposal]:
    """The proposals awaiting a decision, oldest first, with who proposed each, its run and
    client loaded, in one query. With `month`: those made from that month's runs (or, not
    made from a run, during that month)."""
    query = (
        select(ChecklistProposal)
        .where(ChecklistProposal.status == ProposalStatus.PROPOSED.value)
        .options(
            joinedload(ChecklistProposal.proposed_by),
            joinedload(ChecklistProposal.client),
            joinedload(ChecklistProposal.run).joinedload(ChecklistRun.client),
            joinedload(ChecklistProposal.run).joinedload(ChecklistRun.month),
        )
        .order_by(ChecklistProposal.proposed_at, ChecklistProposal.id)
    )
    if month is not None:
        from_runs = select(ChecklistRun.id).join(
            MaintenanceMonth, ChecklistRun.month_id == MaintenanceMonth.id
        )
        query = query.where(
            or_(
                ChecklistProposal.run_id.in_(from_runs.where(MaintenanceMonth.month == month)),
                and_(
                    ChecklistProposal.run_id.is_(None),
                    ChecklistProposal.proposed_at >= local_midnight(month),
                    ChecklistProposal.proposed_at < local_midnight(add_months(month, 1)),
                ),
            )
        )
    return list(db.session.scalars(query).unique())


def waiting_count() -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(ChecklistProposal)
            .where(ChecklistProposal.status == ProposalStatus.PROPOSED.value)
        )
        or 0
    )


def why_refused(proposal: ChecklistProposal, version: int | None) -> str:
    """Why a decision from a page that showed `version` was not taken."""
    if proposal.status != ProposalStatus.PROPOSED:
        return already_decided(proposal).message
    return conflict_since(proposal, version).message


def already_decided(proposal: ChecklistProposal) -> AlreadyDecided:
    who = proposal.decided_by.name if proposal.decided_by else "someone"
    when = wall_label(proposal.decided_at, "%a %d %b at %H:%M") if proposal.decided_at else ""
    return AlreadyDecided(
        f"“{proposal.title}” was already {proposal.status} by {who}"
        + (f" on {when}." if when else ".")
    )


def decide(
    actor: User,
    proposal: ChecklistProposal,
    accept: bool,
    expected_version: int | None,
    reason: str = "",
    now: datetime | None = None,
) -> ChecklistProposal:
    """Accept (the proposal becomes a template item) or reject it. Refused with
    AlreadyDecided when it was decided already, EditConflict when the manager's page showed
    an older version of it."""
    now = now or utcnow()
    reason = inputs.text(reason, "reason", REASON_MAX)
    if proposal.status != ProposalStatus.PROPOSED:
        raise already_decided(proposal)
    expect_version(proposal, expected_version)
    before = snapshot(proposal, PROPOSAL_FIELDS)
    if accept:
        values = ItemValues(
            proposal.title,
            proposal.instruction,
            cadence=proposal.cadence,
            cadence_month=proposal.cadence_month,
        )
        made = apply(actor, Change.add(values, proposal.client), apply_now=False, now=now)
        proposal.item_id = made.item.id
    proposal.status = (ProposalStatus.ACCEPTED if accept else ProposalStatus.REJECTED).value
    proposal.decided_by_id = actor.id
    proposal.decided_at = now
    bump_version(proposal)
    db.session.flush()  # the version check: raises StaleDataError if someone decided first
    after = snapshot(proposal, PROPOSAL_FIELDS)
    if reason:
        after["reason"] = reason
    record_event(
        actor,
        "checklist_proposal.accepted" if accept else "checklist_proposal.rejected",
        proposal,
        before,
        after,
    )
    events.announce(db.session, events.MAINTENANCE)
    return proposal
