"""Notes for the Monday Morning Meeting, added by anyone from anywhere."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from mspboard.models import AgendaItem, User, db
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


def add_note(author: User, text: str, at: datetime) -> AgendaItem:
    text = text.strip()
    if not text:
        raise RuleViolation("Write the note.", "text")
    if len(text) > TEXT_MAX:
        raise RuleViolation(f"Keep the note under {TEXT_MAX} characters.", "text")
    item = AgendaItem(meeting_on=next_meeting(at), author_id=author.id, text=text, created_at=at)
    db.session.add(item)
    db.session.flush()
    return item
