"""The manager's approval queue: submitted time cards and time-off requests, and the
decisions on them. Every decision is audited; two managers deciding the same card at once
store exactly one decision (the card's version column makes the second write miss). A
manager or admin who keeps a time card never decides their own: another manager or an admin
approves, rejects or reopens it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from mspboard import events
from mspboard.inputs import EARLIEST_DAY, LATEST_DAY
from mspboard.models import (
    ScheduleItem,
    TimeCard,
    TimeCardStatus,
    TimeOffRequest,
    TimeOffStatus,
    User,
    db,
    utcnow,
)
from mspboard.services.audit import record_event, snapshot
from mspboard.services.card_review import CardReview, review_card, review_cards
from mspboard.services.edits import bump_version
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import MIDDAY, at_wall, wall_label
from mspboard.services.staff import card_keepers
from mspboard.services.time_cards import CardView, card_view_of, week_entries
from mspboard.services.time_weeks import local_midnight

CARD_FIELDS = ["status", "submitted_at", "decided_at", "decided_by_id", "reason", "version"]
TIME_OFF_FIELDS = ["status", "decided_at", "decided_by_id", "decision_note", "version"]
REASON_MAX = 1000


class AlreadyDecided(RuleViolation):
    """Someone else decided first; the message says who and when."""


class OwnDecision(RuleViolation):
    """A manager tried to decide their own time card or time off."""


OWN_CARD = "Your own time card is decided by another manager or an admin."
OWN_TIME_OFF = "Your own time off is decided by another manager or an admin."


def may_decide(manager: User, card_or_request: TimeCard | TimeOffRequest) -> bool:
    """Whether this manager may decide the card (approve, reject, reopen) or the time-off
    request: anyone's but their own."""
    return card_or_request.tech_id != manager.id


def _check_not_own(manager: User, card: TimeCard) -> None:
    if not may_decide(manager, card):
        raise OwnDecision(OWN_CARD)


@dataclass
class QueueEntry:
    waiting_since: datetime
    card: CardReview | None = None
    time_off: TimeOffRequest | None = None
    clashes: list[ScheduleItem] | None = None
    # The viewer's own card or time off: shown, but left for another manager to decide.
    own: bool = False


def pending_count(viewer: User | None = None) -> int:
    """How many decisions wait: submitted cards plus pending time-off requests; for a
    viewer, not counting their own card or time off, which wait for someone else."""
    cards = (
        select(func.count())
        .select_from(TimeCard)
        .where(TimeCard.status == TimeCardStatus.SUBMITTED)
    )
    if viewer is not None:
        cards = cards.where(TimeCard.tech_id != viewer.id)
    time_off = (
        select(func.count())
        .select_from(TimeOffRequest)
        .where(TimeOffRequest.status == TimeOffStatus.PENDING)
    )
    if viewer is not None:
        time_off = time_off.where(TimeOffRequest.tech_id != viewer.id)
    return db.session.scalar(select(cards.scalar_subquery() + time_off.scalar_subquery())) or 0


def approval_queue(now: datetime | None = None, viewer: User | None = None) -> list[QueueEntry]:
    """Everything waiting for a decision, oldest first; the viewer's own card or time off
    is marked `own` and offers no decision."""
    now = now or utcnow()
    cards = db.session.scalars(
        select(TimeCard)
        .where(TimeCard.status == TimeCardStatus.SUBMITTED)
        .options(selectinload(TimeCard.tech))
    ).all()
    entries = [
        QueueEntry(
            review.card.submitted_at,  # type: ignore[arg-type]
            card=review,
            own=viewer is not None and not may_decide(viewer, review.card),
        )
        for review in review_cards(list(cards), now)
    ]
    requests = db.session.scalars(
        select(TimeOffRequest)
        .where(TimeOffRequest.status == TimeOffStatus.PENDING)
        .options(selectinload(TimeOffRequest.tech))
    ).all()
    clashes = clashes_of(list(requests))
    entries += [
        QueueEntry(
            r.created_at,
            time_off=r,
            clashes=clashes[r.id],
            own=viewer is not None and not may_decide(viewer, r),
        )
        for r in requests
    ]
    return sorted(entries, key=lambda entry: entry.waiting_since)


def already_decided(card: TimeCard) -> AlreadyDecided:
    who = card.decided_by.name if card.decided_by else "someone"
    when = wall_label(card.decided_at, "%a %d %b at %H:%M") if card.decided_at else ""
    state = {"draft": "reopened", "submitted": "resubmitted"}.get(card.status, card.status)
    return AlreadyDecided(
        f"This card was already {state} by {who}" + (f" on {when}." if when else ".")
    )


def _decide(
    manager: User,
    card: TimeCard,
    expected_version: int,
    status: TimeCardStatus,
    reason: str,
    action: str,
) -> TimeCard:
    before = snapshot(card, CARD_FIELDS)
    card.status = status.value
    card.decided_at = utcnow()
    card.decided_by_id = manager.id
    card.reason = reason
    db.session.flush()  # the version check: raises StaleDataError if someone wrote first
    record_event(manager, action, card, before, snapshot(card, CARD_FIELDS))
    events.announce(db.session, events.APPROVALS)
    return card


def _check_pending(card: TimeCard, expected_version: int) -> None:
    if card.version != expected_version or card.status != TimeCardStatus.SUBMITTED:
        raise already_decided(card)


def _check_reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise RuleViolation(f"Say why you {what}; the tech sees it.", "reason")
    if len(reason) > REASON_MAX:
        raise RuleViolation(f"Keep the reason under {REASON_MAX} characters.", "reason")
    return reason


def approve_card(manager: User, card: TimeCard, expected_version: int) -> TimeCard:
    _check_not_own(manager, card)
    _check_pending(card, expected_version)
    return _decide(
        manager, card, expected_version, TimeCardStatus.APPROVED, "", "timecard.approved"
    )


def reject_card(manager: User, card: TimeCard, expected_version: int, reason: str) -> TimeCard:
    _check_not_own(manager, card)
    reason = _check_reason(reason, "send it back")
    _check_pending(card, expected_version)
    return _decide(
        manager, card, expected_version, TimeCardStatus.REJECTED, reason, "timecard.rejected"
    )


def reopen_card(manager: User, card: TimeCard, expected_version: int, reason: str) -> TimeCard:
    """Unlock an approved card so its week can change again; the tech resubmits it."""
    _check_not_own(manager, card)
    reason = _check_reason(reason, "reopen it")
    if card.version != expected_version or card.status != TimeCardStatus.APPROVED:
        raise already_decided(card)
    return _decide(
        manager, card, expected_version, TimeCardStatus.DRAFT, reason, "timecard.reopened"
    )


@dataclass
class BulkOutcome:
    """What a bulk approval did, card by card: each card succeeds or fails on its own."""

    approved: list[TimeCard] = field(default_factory=list)
    decided_by_others: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    own: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> list[str]:
        return self.decided_by_others + self.flagged + self.own


def card_label(card: TimeCard) -> str:
    return f"{card.tech.name}, week of {card.week_start:%d %b}"


def bulk_approve(
    manager: User, versions: dict[int, int], now: datetime | None = None
) -> BulkOutcome:
    """Approve the chosen cards that have no flags, each in its own savepoint: a card
    another manager decided first (before this request, or while it ran) is named with who
    decided it and when, and the other cards are approved all the same."""
    now = now or utcnow()
    outcome = BulkOutcome()
    cards = db.session.scalars(
        select(TimeCard)
        .where(TimeCard.id.in_(versions))
        .options(selectinload(TimeCard.tech))
        .order_by(TimeCard.week_start, TimeCard.id)
    ).all()
    for card in cards:
        label = card_label(card)
        if not may_decide(manager, card):
            outcome.own.append(f"{label}: {OWN_CARD}")
            continue
        try:
            _check_pending(card, versions[card.id])
        except AlreadyDecided as decided:
            outcome.decided_by_others.append(f"{label}: {decided.message}")
            continue
        if not review_card(card, now).clean:
            outcome.flagged.append(f"{label}: has flags; open it and decide on its own.")
            continue
        try:
            with db.session.begin_nested():
                approve_card(manager, card, versions[card.id])
        except StaleDataError:  # someone decided it between our read and our write
            db.session.refresh(card)
            outcome.decided_by_others.append(f"{label}: {already_decided(card).message}")
            continue
        outcome.approved.append(card)
    return outcome


def _clash_window(request: TimeOffRequest) -> tuple[datetime, datetime]:
    """The instants the time off covers. Days outside the input window (a request stored
    before it existed) are clamped to it, so the arithmetic cannot overflow."""
    first, last = (
        min(max(d, EARLIEST_DAY), LATEST_DAY) for d in (request.start_date, request.end_date)
    )
    start = at_wall(first, MIDDAY) if request.starts_midday else local_midnight(first)
    end = at_wall(last, MIDDAY) if request.ends_midday else local_midnight(last + timedelta(days=1))
    return start, end


def schedule_clashes(request: TimeOffRequest) -> list[ScheduleItem]:
    """Schedule items of the tech that fall in the time off; the manager moves these."""
    return clashes_of([request])[request.id]


def clashes_of(requests: list[TimeOffRequest]) -> dict[int, list[ScheduleItem]]:
    """The schedule clashes of each request, in time order, in one query for all of them."""
    found: dict[int, list[ScheduleItem]] = {request.id: [] for request in requests}
    if not requests:
        return found
    windows = {request.id: _clash_window(request) for request in requests}
    conditions = [
        and_(
            ScheduleItem.tech_id == request.tech_id,
            ScheduleItem.starts_at < windows[request.id][1],
            ScheduleItem.ends_at > windows[request.id][0],
        )
        for request in requests
    ]
    items = db.session.scalars(
        select(ScheduleItem).where(or_(*conditions)).order_by(ScheduleItem.starts_at)
    ).all()
    for request in requests:
        start, end = windows[request.id]
        found[request.id] = [
            item
            for item in items
            if item.tech_id == request.tech_id and item.starts_at < end and item.ends_at > start
        ]
    return found


def time_off_already_decided(request: TimeOffRequest) -> AlreadyDecided:
    if request.status == TimeOffStatus.PENDING:
        return AlreadyDecided("This request changed since you opened it; look at it again.")
    who = request.decided_by.name if request.decided_by else "someone"
    when = wall_label(request.decided_at, "%a %d %b at %H:%M") if request.decided_at else ""
    return AlreadyDecided(
        f"This request was already {request.status} by {who}" + (f" on {when}." if when else ".")
    )


def decide_time_off(
    manager: User,
    request: TimeOffRequest,
    approve: bool,
    note: str,
    *,
    expected_version: int | None,
) -> list[ScheduleItem]:
    """Approve or deny the request as the manager saw it (`expected_version`); returns the
    schedule items an approval now clashes with. A second decision is refused, naming the
    first one's maker and moment; one's own request is left for someone else."""
    if not may_decide(manager, request):
        raise OwnDecision(OWN_TIME_OFF)
    if request.status != TimeOffStatus.PENDING or request.version != expected_version:
        raise time_off_already_decided(request)
    note = note.strip()
    if len(note) > REASON_MAX:
        raise RuleViolation(f"Keep the note under {REASON_MAX} characters.", "note")
    before = snapshot(request, TIME_OFF_FIELDS)
    bump_version(request)
    request.status = (TimeOffStatus.APPROVED if approve else TimeOffStatus.DENIED).value
    request.decided_at = utcnow()
    request.decided_by_id = manager.id
    request.decision_note = note
    db.session.flush()
    record_event(
        manager, f"time_off.{request.status}", request, before, snapshot(request, TIME_OFF_FIELDS)
    )
    events.announce(db.session, events.APPROVALS)
    return schedule_clashes(request) if approve else []


@dataclass
class WeekCard:
    tech: User
    view: CardView

    @property
    def card(self) -> TimeCard | None:
        return self.view.card


def week_cards(week_start: date, now: datetime | None = None) -> list[WeekCard]:
    """The card of everyone who keeps one, for a week, as their phone shows it (its state,
    the hours so far, whether it is overdue), card None where nothing was submitted yet:
    three queries however many people."""
    now = now or utcnow()
    techs = card_keepers()
    cards = {
        card.tech_id: card
        for card in db.session.scalars(select(TimeCard).where(TimeCard.week_start == week_start))
    }
    entries = week_entries([(tech.id, week_start) for tech in techs], with_work=False)
    return [
        WeekCard(
            tech,
            card_view_of(tech, week_start, entries[(tech.id, week_start)], cards.get(tech.id), now),
        )
        for tech in techs
    ]
