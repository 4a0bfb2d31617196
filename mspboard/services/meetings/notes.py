"""Notes for the Monday Morning Meeting, added by anyone from anywhere."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from mspboard.models import AgendaItem, Meeting, MeetingStatus, User, db
from mspboard.services.errors import RuleViolation
from mspboard.services.shop_settings import shop_zone

TEXT_MAX = 500
# A note made on a Monday before noon still makes that morning's meeting.
MEETING_CUTOFF = time(12, 0)


def next_meeting(at: datetime) -> date:
    local = at.astimezone(shop_zone())
    if local.weekday() == 0 and local.time() < MEETING_CUTOFF:
        return local.date()
    return local.date() + timedelta(days=7 - local.weekday())


def meeting_for_note(at: datetime) -> date:
    """The meeting a note made at `at` goes to: the next one, unless that one is already
    held (a note after Monday's meeting ended, still in the morning), then the one after."""
    monday = next_meeting(at)
    held = db.session.scalar(
        select(Meeting.id).where(
            Meeting.monday == monday, Meeting.status == MeetingStatus.HELD.value
        )
    )
    return monday + timedelta(days=7) if held else monday


def checked_text(text: str, what: str = "note") -> str:
    text = text.strip()
    if not text:
        raise RuleViolation(f"Write the {what}.", "text")
    if len(text) > TEXT_MAX:
        raise RuleViolation(f"Keep the {what} under {TEXT_MAX} characters.", "text")
    return text


def next_position() -> int:
    """After every item there is: a new item goes to the end of any agenda it is on."""
    return (db.session.scalar(select(func.max(AgendaItem.position))) or 0) + 1


def add_note(author: User, text: str, at: datetime) -> AgendaItem:
    item = AgendaItem(
        meeting_on=meeting_for_note(at),
        author_id=author.id,
        text=checked_text(text),
        created_at=at,
        position=next_position(),
    )
    db.session.add(item)
    db.session.flush()
    return item
