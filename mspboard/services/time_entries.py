"""Time entries: the one running timer per tech, manual entries, edits and deletions.

Every function takes the moment the thing happened (on the phone, which may have been
offline); the server's clock only bounds how far in the future that moment may be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from mspboard import events
from mspboard.models import (
    ChecklistRun,
    Client,
    ServiceRequest,
    SRStatus,
    TimeCard,
    TimeEntry,
    TrainingEvent,
    User,
    db,
    utcnow,
)
from mspboard.services.audit import record_event, snapshot
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import typed_instant, wall_label
from mspboard.services.people import training
from mspboard.services.service_requests import change_status
from mspboard.services.shop_settings import current_settings
from mspboard.services.time_weeks import card_for, ensure_week_open, week_start_of
from mspboard.services.worked_time import OVERLAP

MAX_ENTRY = timedelta(hours=24)
ENTRY_FIELDS = [
    "tech_id",
    "started_at",
    "ended_at",
    "sr_id",
    "checklist_run_id",
    "client_id",
    "training_event_id",
    "billable",
    "notes",
]
FUTURE_SLACK = timedelta(minutes=5)
NOTES_MAX = 2000
STARTS_WORK = frozenset({SRStatus.NEW.value, SRStatus.SCHEDULED.value})


@dataclass
class EntryFields:
    """What a tech sets on a manual entry or an edit."""

    started_at: datetime
    ended_at: datetime
    sr_id: int | None = None
    client_id: int | None = None
    billable: bool | None = None
    notes: str = ""
    run_id: int | None = None
    # Training attended (then no SR, run or client, and never billable).
    training_id: int | None = None


def entry_times(
    day: date,
    start: time,
    end: time | None = None,
    duration: timedelta | None = None,
    start_fold: int | None = None,
    end_fold: int | None = None,
) -> tuple[datetime, datetime]:
    """A manual entry's start and end (UTC) from a shop-local date, a start time and either
    an end time or a duration. A duration is real elapsed time, also across a clock change.
    A time that does not exist that night is refused; one that happens twice needs its fold.
    An end at or before the start is refused, not moved to the next day."""
    started = typed_instant(day, start, "start", start_fold)
    if end is not None:
        ended = typed_instant(day, end, "end", end_fold)
    elif duration is not None:
        ended = started + duration
    else:
        raise RuleViolation("Give an end time or a duration.", "end")
    return started, ended


def running_timer(tech: User) -> TimeEntry | None:
    return db.session.scalar(
        select(TimeEntry)
        .where(TimeEntry.tech_id == tech.id, TimeEntry.ended_at.is_(None))
        .options(selectinload(TimeEntry.service_request), selectinload(TimeEntry.client))
    )


def my_entries_on(tech: User, sr: ServiceRequest) -> list[TimeEntry]:
    return list(
        db.session.scalars(
            select(TimeEntry)
            .where(TimeEntry.sr_id == sr.id, TimeEntry.tech_id == tech.id)
            .order_by(TimeEntry.started_at.desc())
        )
    )


def _not_in_future(moment: datetime, now: datetime, field: str) -> None:
    if moment > now + FUTURE_SLACK:
        raise RuleViolation(
            "That start is more than 5 minutes in the future; check the time.", field
        )


def _check_notes(notes: str) -> str:
    notes = notes.strip()
    if len(notes) > NOTES_MAX:
        raise RuleViolation(f"Keep the notes under {NOTES_MAX} characters.", "notes")
    return notes


@dataclass
class WorkTarget:
    """What time is for: an SR, a maintenance run, or neither, and the client; or training,
    with no client."""

    client: Client | None
    sr: ServiceRequest | None = None
    run: ChecklistRun | None = None
    training: TrainingEvent | None = None

    @property
    def billable(self) -> bool:
        if self.training is not None:
            return False
        return self.sr.billable if self.sr else True

    def billable_as(self, chosen: bool | None) -> bool:
        """The tech's choice, except that training is never billable."""
        if self.training is not None or chosen is None:
            return self.billable
        return chosen


def _run_target(tech: User, run_id: int, for_timer: bool) -> WorkTarget:
    """A maintenance run's client. A timer runs only on one of my runs in a month still
    open; a manual entry may be logged on any run of an active client (work already done)."""
    run = db.session.get(ChecklistRun, run_id, options=[joinedload(ChecklistRun.client)])
    if run is None:
        raise RuleViolation("That maintenance run no longer exists.", "run_id")
    if for_timer and run.owner_id != tech.id:
        raise RuleViolation(f"The {run.client.name} maintenance run is not yours.", "run_id")
    if for_timer and run.month.is_closed:
        raise RuleViolation("That month is closed; its runs take no more timers.", "run_id")
    if not run.client.active:
        raise RuleViolation(f"{run.client.name} is no longer an active client.", "run_id")
    return WorkTarget(run.client, run=run)


def _work_target(
    tech: User,
    sr_id: int | None,
    client_id: int | None,
    for_timer: bool,
    run_id: int | None = None,
    training_id: int | None = None,
) -> WorkTarget:
    """The SR or maintenance run (if any) and the client the time is for, or the training
    attended. A timer needs an SR that is still open and not someone else's; a manual entry
    may be logged on any SR (work already done)."""
    if training_id is not None:
        if sr_id is not None or run_id is not None or client_id is not None:
            raise RuleViolation(
                "Training is logged on its own: leave the SR, run and client empty.",
                "training_id",
            )
        return WorkTarget(None, training=training.attending(tech, training_id))
    if sr_id is not None and run_id is not None:
        raise RuleViolation("Pick a service request or a maintenance run, not both.", "run_id")
    if run_id is not None:
        return _run_target(tech, run_id, for_timer)
    if sr_id is not None:
        sr = db.session.get(ServiceRequest, sr_id, options=[joinedload(ServiceRequest.client)])
        if sr is None:
            raise RuleViolation("That service request no longer exists.", "sr_id")
        if for_timer and sr.status == SRStatus.DONE:
            raise RuleViolation(f"{sr.number} is closed; it takes no more timers.", "sr_id")
        if for_timer and sr.assignee_id not in (None, tech.id):
            who = sr.assignee.name if sr.assignee else "someone else"
            raise RuleViolation(f"{sr.number} is now assigned to {who}.", "sr_id")
        return WorkTarget(sr.client, sr=sr)
    if client_id is None:
        raise RuleViolation("Pick a service request or a client.", "client_id")
    client = db.session.get(Client, client_id)
    if client is None or not client.active:
        raise RuleViolation("Pick an active client.", "client_id")
    return WorkTarget(client)


def _refuse_overlap(
    tech: User, started: datetime, ended: datetime | None, ignore: TimeEntry | None = None
) -> None:
    """Unless the shop allows overlapping entries, a tech's entries may touch but not share a
    minute (a running timer reaches to the end of time). `ended` None: a timer starting."""
    if current_settings().allow_overlapping_entries:
        return
    query = select(TimeEntry).where(
        TimeEntry.tech_id == tech.id,
        (TimeEntry.ended_at.is_(None)) | (TimeEntry.ended_at >= started + OVERLAP),
    )
    if ended is not None:
        query = query.where(TimeEntry.started_at <= ended - OVERLAP)
    if ignore is not None and ignore.id is not None:
        query = query.where(TimeEntry.id != ignore.id)
    other = db.session.scalars(query.order_by(TimeEntry.started_at).limit(1)).first()
    if other is None:
        return
    what = other.service_request.number if other.service_request else other.work_label
    until = f"to {wall_label(other.ended_at)}" if other.ended_at else "(timer running)"
    raise RuleViolation(
        f"This overlaps your entry on {wall_label(other.started_at, '%a %d %b')} from "
        f"{wall_label(other.started_at)} {until} ({what}); "
        "change the times so they do not overlap.",
        "start",
    )


def _check_span(
    tech: User,
    started: datetime,
    ended: datetime,
    now: datetime,
    editing: TimeEntry | None = None,
) -> None:
    if ended <= started:
        raise RuleViolation("The end must be after the start.", "end")
    if ended - started > MAX_ENTRY:
        raise RuleViolation("One entry cannot be longer than 24 hours; split it.", "end")
    _not_in_future(started, now, "start")
    ensure_week_open(tech, started, "date")
    ensure_week_open(tech, ended - timedelta(microseconds=1), "date")
    _refuse_overlap(tech, started, ended, editing)


def _entry_seen(entry: TimeEntry) -> dict | None:
    """An entry as the audit keeps it, with its week's card, when that card has left draft
    (submitted or decided at least once: reopened, rejected); None while the week is still
    only the tech's draft, whose every keystroke is not worth a record."""
    tech = entry.tech or db.session.get(User, entry.tech_id)
    return _entry_seen_with(entry, card_for(tech, week_start_of(entry.started_at)))  # type: ignore[arg-type]


def _entry_seen_with(entry: TimeEntry, card: TimeCard | None) -> dict | None:
    """`_entry_seen` when the card of the entry's week is already at hand."""
    if card is None or card.submitted_at is None:
        return None
    state = "reopened" if card.status == "draft" else card.status
    return {**snapshot(entry, ENTRY_FIELDS), "card_id": card.id, "card_status": state}


def _audit_entry(
    tech: User, action: str, entry: TimeEntry, before: dict | None, after: dict | None
) -> None:
    """Time changed in a week that was already submitted once leaves a trace; a save that
    changes nothing leaves none."""
    if before is None and after is None:
        return
    if (
        before is not None
        and after is not None
        and all(before.get(key) == after.get(key) for key in ENTRY_FIELDS)
    ):
        return
    record_event(tech, action, entry, before, after)


def _announce(*topics: str) -> None:
    """Who is working (timers), finished time (hours), an SR moved (board): each screen
    listens only to what it shows (see mspboard.events)."""
    events.announce(db.session, *topics)


def _running(tech: User) -> TimeEntry | None:
    """The running timer alone, for a write that needs neither its SR nor its client."""
    return db.session.scalar(
        select(TimeEntry).where(TimeEntry.tech_id == tech.id, TimeEntry.ended_at.is_(None))
    )


def stop_timer(
    tech: User,
    *,
    at: datetime,
    notes: str = "",
    billable: bool | None = None,
    entry_uuid: str | None = None,
    now: datetime | None = None,
) -> TimeEntry:
    """Stop the running timer at `at`. With `entry_uuid`, only that timer (a phone that saw a
    particular timer running says which one it meant to stop)."""
    now = now or utcnow()
    entry = _running(tech)
    if entry is None or (entry_uuid and entry.uuid != entry_uuid):
        raise RuleViolation("That timer is no longer running.")
    return _stop(tech, entry, at=at, notes=notes, billable=billable, now=now)


def _stop(
    tech: User, entry: TimeEntry, *, at: datetime, notes: str, billable: bool | None, now: datetime
) -> TimeEntry:
    if at > now + FUTURE_SLACK:
        raise RuleViolation("That stop is more than 5 minutes in the future; check the time.")
    if at <= entry.started_at:
        raise RuleViolation("A timer cannot stop before it started.")
    if at - entry.started_at > MAX_ENTRY:
        raise RuleViolation(
            "This timer has run for over 24 hours, longer than one entry may be; delete it "
            "and add the time as a manual entry."
        )
    card = ensure_week_open(tech, entry.started_at)
    before = _entry_seen_with(entry, card)
    entry.ended_at = at
    entry.notes = _check_notes(notes or entry.notes)
    if billable is not None and entry.training_event_id is None:
        entry.billable = billable
    db.session.flush()
    _audit_entry(tech, "time_entry.updated", entry, before, _entry_seen_with(entry, card))
    _announce(events.TIMERS, events.HOURS)
    return entry


def start_timer(
    tech: User,
    *,
    uuid: str,
    at: datetime,
    sr_id: int | None = None,
    client_id: int | None = None,
    run_id: int | None = None,
    now: datetime | None = None,
) -> TimeEntry:
    """Start a timer at `at`, on an SR, a maintenance run or a client. A timer already
    running stops at that same moment. Starting work on a new or scheduled SR moves it to
    In progress."""
    now = now or utcnow()
    target = _work_target(tech, sr_id, client_id, for_timer=True, run_id=run_id)
    sr = target.sr
    _not_in_future(at, now, "start")
    card = ensure_week_open(tech, at)
    running = _running(tech)
    if running is not None and at <= running.started_at:
        raise RuleViolation(
            "Another timer started after this one; stop it before starting this one."
        )
    _refuse_overlap(tech, at, None, ignore=running)  # the running timer stops at `at`
    if running is not None:
        _stop(tech, running, at=at, notes="", billable=None, now=now)
    entry = TimeEntry(
        uuid=uuid,
        tech_id=tech.id,
        service_request=sr,
        checklist_run=target.run,
        client=target.client,
        started_at=at,
        ended_at=None,
        billable=target.billable,
        notes="",
        created_at=at,
        synced_at=now,
    )
    db.session.add(entry)
    if sr is not None and sr.status in STARTS_WORK:
        change_status(tech, sr, SRStatus.IN_PROGRESS)  # announces the board's change
    db.session.flush()
    _audit_entry(tech, "time_entry.created", entry, None, _entry_seen_with(entry, card))
    _announce(events.TIMERS)
    return entry


def add_entry(
    tech: User,
    values: EntryFields,
    *,
    uuid: str,
    at: datetime,
    now: datetime | None = None,
) -> TimeEntry:
    """A manual entry. `at` is when the tech made it (recorded as created_at)."""
    now = now or utcnow()
    target = _work_target(
        tech, values.sr_id, values.client_id, False, values.run_id, values.training_id
    )
    _check_span(tech, values.started_at, values.ended_at, now)
    billable = target.billable_as(values.billable)
    entry = TimeEntry(
        uuid=uuid,
        tech_id=tech.id,
        sr_id=target.sr.id if target.sr else None,
        checklist_run_id=target.run.id if target.run else None,
        training_event_id=target.training.id if target.training else None,
        client_id=target.client.id if target.client else None,
        started_at=values.started_at,
        ended_at=values.ended_at,
        billable=billable,
        notes=_check_notes(values.notes),
        created_at=at,
        synced_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    _audit_entry(tech, "time_entry.created", entry, None, _entry_seen(entry))
    _announce(events.HOURS)
    return entry


def update_entry(
    tech: User, entry: TimeEntry, values: EntryFields, now: datetime | None = None
) -> TimeEntry:
    """Change one of my finished entries; both the old and the new week must be open."""
    now = now or utcnow()
    if entry.tech_id != tech.id:
        raise RuleViolation("That time entry is not one of yours.")
    if entry.is_running:
        raise RuleViolation("Stop the timer before editing its entry.")
    ensure_week_open(tech, entry.started_at, "date")
    target = _work_target(
        tech, values.sr_id, values.client_id, False, values.run_id, values.training_id
    )
    _check_span(tech, values.started_at, values.ended_at, now, editing=entry)
    before = _entry_seen(entry)
    entry.sr_id = target.sr.id if target.sr else None
    entry.checklist_run_id = target.run.id if target.run else None
    entry.training_event_id = target.training.id if target.training else None
    entry.client_id = target.client.id if target.client else None
    entry.started_at = values.started_at
    entry.ended_at = values.ended_at
    if values.billable is not None or target.training is not None:
        entry.billable = target.billable_as(values.billable)
    entry.notes = _check_notes(values.notes)
    db.session.flush()
    _audit_entry(tech, "time_entry.updated", entry, before, _entry_seen(entry))
    _announce(events.HOURS)
    return entry


def delete_entry(tech: User, entry: TimeEntry) -> None:
    if entry.tech_id != tech.id:
        raise RuleViolation("That time entry is not one of yours.")
    ensure_week_open(tech, entry.started_at)
    before = _entry_seen(entry)
    db.session.delete(entry)
    db.session.flush()
    _audit_entry(tech, "time_entry.deleted", entry, before, None)
    _announce(events.HOURS)
