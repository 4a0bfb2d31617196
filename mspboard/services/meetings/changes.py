"""The manager's changes to a Monday's meeting. Each flushes and never commits.

The agenda's shape (items added, moved, taken off, the meeting closed) moves the meeting's
version: a form from an older agenda is refused (EditConflict) instead of moving the wrong
item. What a discussed item came to is an edit of that item under its own version, so two
managers can record different items at once. Making an SR from an item and giving an item
to someone are audited on the item (before and after) like every edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError

from mspboard.models import AgendaItem, Meeting, MeetingStatus, Priority, User, db, utcnow
from mspboard.services import service_requests
from mspboard.services.audit import record_event
from mspboard.services.edits import bump_version, expect_version, write_changes
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import wall_label
from mspboard.services.meetings.agenda import agenda_items, find_meeting, generated_sections
from mspboard.services.meetings.notes import checked_text, next_position
from mspboard.services.time_weeks import local_date, monday_of

NOTE_MAX = 1000
TITLE_MAX = 200


class Action:
    NOTE = "note"
    SR = "sr"
    ASSIGN = "assign"
    ALL = (NOTE, SR, ASSIGN)


def _day(monday: date) -> str:
    return monday.strftime("%a %d %b")


def refuse_unless_editable(monday: date, meeting: Meeting | None, now: datetime) -> None:
    if meeting is not None and meeting.is_held:
        held = wall_label(meeting.held_at, "%a %d %b %H:%M") if meeting.held_at else ""
        raise RuleViolation(f"This meeting was held ({held}); it is kept as it ended.")
    if monday < monday_of(local_date(now)):
        raise RuleViolation(
            f"The meeting of {_day(monday)} is in a past week; its agenda is kept as it was."
        )


def _meeting(monday: date, now: datetime) -> tuple[Meeting, bool]:
    """The meeting row, made as a draft the first time anything is written for it; True
    when this call made it. Two managers making it at once: the one that loses the race to
    the unique Monday finds the other's."""
    meeting = find_meeting(monday)
    if meeting is not None:
        return meeting, False
    try:
        with db.session.begin_nested():
            meeting = Meeting(monday=monday, status=MeetingStatus.DRAFT.value, created_at=now)
            db.session.add(meeting)
    except IntegrityError:
        found = find_meeting(monday)
        if found is None:
            raise
        return found, False
    return meeting, True


def _agenda_change(
    actor: User, monday: date, expected_version: int | None, now: datetime
) -> Meeting:
    """The meeting whose agenda `actor` changes, checked: editable, and the version their
    page showed (0 when no one had written anything for it yet)."""
    refuse_unless_editable(monday, find_meeting(monday), now)
    meeting, made = _meeting(monday, now)
    if not made:
        expect_version(meeting, expected_version)
    return meeting


def _changed(actor: User, meeting: Meeting, action: str) -> None:
    was = meeting.version
    bump_version(meeting)
    record_event(actor, action, meeting, {"version": was}, {"version": was + 1})


def _on_agenda(monday: date, item: AgendaItem) -> list[AgendaItem]:
    items, _removed = agenda_items(monday)
    if item not in items:
        raise RuleViolation("That item is not on this agenda any more; reload the page.")
    return items


def add_item(
    actor: User, monday: date, text: str, expected_version: int | None, now: datetime | None = None
) -> AgendaItem:
    now = now or utcnow()
    text = checked_text(text, "item")
    meeting = _agenda_change(actor, monday, expected_version, now)
    item = AgendaItem(
        meeting_on=monday, author_id=actor.id, text=text, created_at=now, position=next_position()
    )
    db.session.add(item)
    db.session.flush()
    record_event(actor, "agenda_item.added", item, None, {"text": text, "meeting_on": str(monday)})
    _changed(actor, meeting, "meeting.item_added")
    return item


def move_item(
    actor: User,
    monday: date,
    item: AgendaItem,
    direction: str,
    expected_version: int | None,
    now: datetime | None = None,
) -> bool:
    """Move the item one place up or down the agenda; False when it is already at that end
    (nothing is written)."""
    now = now or utcnow()
    meeting = _agenda_change(actor, monday, expected_version, now)
    items = _on_agenda(monday, item)
    at = items.index(item)
    to = at - 1 if direction == "up" else at + 1
    if not 0 <= to < len(items):
        return False
    order = list(items)
    order[at], order[to] = order[to], order[at]
    positions = sorted(i.position for i in items)
    if len(set(positions)) != len(positions):
        positions = [positions[0] + n for n in range(len(positions))]
    for moved, position in zip(order, positions, strict=True):
        if moved.position != position:
            moved.position = position
    _changed(actor, meeting, "meeting.item_moved")
    return True


def remove_item(
    actor: User,
    monday: date,
    item: AgendaItem,
    expected_version: int | None,
    now: datetime | None = None,
) -> None:
    """Take the item off this agenda and every later one; it is kept, with who took it off."""
    now = now or utcnow()
    meeting = _agenda_change(actor, monday, expected_version, now)
    _on_agenda(monday, item)
    if item.discussed_on is not None:
        raise RuleViolation("That item was discussed; it stays on the agenda with its outcome.")
    item.removed_at, item.removed_by_id, item.removed_on = now, actor.id, monday
    record_event(actor, "agenda_item.removed", item, {"removed": False}, {"removed": True})
    _changed(actor, meeting, "meeting.item_removed")


def restore_item(
    actor: User,
    monday: date,
    item: AgendaItem,
    expected_version: int | None,
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    meeting = _agenda_change(actor, monday, expected_version, now)
    if item.removed_on != monday:
        raise RuleViolation("That item was not taken off this agenda.")
    item.removed_at = item.removed_by_id = item.removed_on = None
    record_event(actor, "agenda_item.restored", item, {"removed": True}, {"removed": False})
    _changed(actor, meeting, "meeting.item_restored")


@dataclass
class Outcome:
    note: str = ""
    action: str = Action.NOTE
    client_id: int | None = None
    priority: int = Priority.P3.value
    assignee: User | None = None


def record_outcome(
    actor: User,
    monday: date,
    item: AgendaItem,
    outcome: Outcome,
    expected_version: int | None,
    now: datetime | None = None,
) -> AgendaItem:
    """Mark the item discussed at this meeting, with a note, and for an action an SR made
    from it or the person it is given to. Marking it again changes the note; an item that
    already became an SR does not become a second one."""
    now = now or utcnow()
    refuse_unless_editable(monday, find_meeting(monday), now)
    _on_agenda(monday, item)
    expect_version(item, expected_version)
    note = outcome.note.strip()
    if len(note) > NOTE_MAX:
        raise RuleViolation(f"Keep the note under {NOTE_MAX} characters.", "outcome_note")
    _meeting(monday, now)
    values: dict[str, object] = {
        "discussed_at": item.discussed_at or now,
        "discussed_by_id": item.discussed_by_id or actor.id,
        "discussed_on": monday,
        "outcome_note": note,
    }
    action = "agenda_item.discussed"
    if outcome.action == Action.SR:
        if item.outcome_sr_id is not None:
            raise RuleViolation("This item already became an SR.", "client_id")
        if outcome.client_id is None:
            raise RuleViolation("Pick the client the SR is for.", "client_id")
        values["outcome_sr_id"] = _make_sr(actor, monday, item, outcome).id
        action = "agenda_item.sr_made"
    elif outcome.action == Action.ASSIGN:
        if outcome.assignee is None or not outcome.assignee.active:
            raise RuleViolation("Pick who takes it on.", "outcome_assignee_id")
        values["outcome_assignee_id"] = outcome.assignee.id
        action = "agenda_item.assigned"
    write_changes(actor, item, values, action)
    return item


def _make_sr(actor: User, monday: date, item: AgendaItem, outcome: Outcome):
    title = item.text if len(item.text) <= TITLE_MAX else item.text[: TITLE_MAX - 1] + "…"
    description = f"{item.text}\n\nFrom the Monday meeting of {_day(monday)}"
    description += f", raised by {item.author.name}." if item.author else "."
    if outcome.note.strip():
        description += f"\n\n{outcome.note.strip()}"
    return service_requests.create_sr(
        actor,
        service_requests.SRFields(
            client_id=outcome.client_id or 0,
            title=title,
            description=description,
            priority=outcome.priority
            if outcome.priority in {p.value for p in Priority}
            else Priority.P3.value,
            assignee_id=outcome.assignee.id if outcome.assignee else None,
        ),
    )


def hold_meeting(
    actor: User, monday: date, expected_version: int | None, now: datetime | None = None
) -> Meeting:
    """Close the meeting: from its Monday on, it is kept as it ended, with a copy of the
    generated sections as they read now, and what it did not discuss goes to the next."""
    now = now or utcnow()
    if local_date(now) < monday:
        raise RuleViolation(f"The meeting is on {_day(monday)}; close it on the day or after.")
    meeting = _agenda_change(actor, monday, expected_version, now)
    sections = [section.jsonable() for section in generated_sections(monday, now)]
    items, _removed = agenda_items(monday)
    discussed = sum(1 for item in items if item.discussed_on == monday)
    meeting.status = MeetingStatus.HELD.value
    meeting.held_at, meeting.held_by_id, meeting.sections = now, actor.id, sections
    was = meeting.version
    bump_version(meeting)
    record_event(
        actor,
        "meeting.held",
        meeting,
        {"status": "draft", "version": was},
        {
            "status": "held",
            "version": was + 1,
            "discussed": discussed,
            "carried_over": len(items) - discussed,
        },
    )
    return meeting
