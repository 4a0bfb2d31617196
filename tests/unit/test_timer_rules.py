"""The timer's and the manual entry's rules at their edges, with the exact words a tech reads."""

from datetime import date, timedelta

import pytest

from mspboard.services import approvals
from mspboard.services import time_entries as te
from mspboard.services.errors import RuleViolation
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_card, make_entry, new_uuid
from tests.shop_time import at_local

MONDAY = date(2026, 11, 16)


def refused(change) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        change()
    return caught.value


def _running(tech=None):
    tech = tech or make_user()
    timer = make_entry(tech, at_local(MONDAY, 9), None, client=make_client())
    return tech, timer


def test_a_timer_stops_after_its_start_and_not_later_than_five_minutes_from_now():
    tech, timer = _running()
    start, now = timer.started_at, at_local(MONDAY, 12)
    assert refused(lambda: te.stop_timer(tech, at=start, now=now)).message == (
        "A timer cannot stop before it started."
    )
    too_late = now + timedelta(minutes=5, seconds=1)
    assert refused(lambda: te.stop_timer(tech, at=too_late, now=now)).message == (
        "That stop is more than 5 minutes in the future; check the time."
    )
    te.stop_timer(tech, at=now + timedelta(minutes=5), now=now)  # exactly the slack is fine
    assert timer.ended_at == now + timedelta(minutes=5)


def test_a_timer_may_run_exactly_a_day_but_not_longer():
    tech, timer = _running()
    day_later = timer.started_at + timedelta(hours=24)
    message = refused(
        lambda: te.stop_timer(tech, at=day_later + timedelta(seconds=1), now=day_later)
    ).message
    assert message == (
        "This timer has run for over 24 hours, longer than one entry may be; delete it "
        "and add the time as a manual entry."
    )
    te.stop_timer(tech, at=day_later, now=day_later)
    assert timer.duration() == timedelta(hours=24)


def test_stopping_a_timer_that_is_not_running_says_so():
    tech, timer = _running()
    now = at_local(MONDAY, 12)
    stop_other = lambda: te.stop_timer(tech, at=now, now=now, entry_uuid=new_uuid())  # noqa: E731
    assert refused(stop_other).message == "That timer is no longer running."
    te.stop_timer(tech, at=now, now=now, entry_uuid=timer.uuid)
    assert refused(lambda: te.stop_timer(tech, at=now, now=now)).message == (
        "That timer is no longer running."
    )


def test_stopping_keeps_the_notes_unless_new_ones_are_given():
    tech, timer = _running()
    timer.notes = "Swapped the toner"
    now = at_local(MONDAY, 12)
    te.stop_timer(tech, at=now, now=now)
    assert timer.notes == "Swapped the toner"


def test_only_my_finished_entries_in_an_open_week_can_be_edited_or_deleted():
    me, someone = make_user(), make_user()
    theirs = make_entry(someone, at_local(MONDAY, 9), 60)
    fields = te.EntryFields(at_local(MONDAY, 9), at_local(MONDAY, 10), client_id=theirs.client_id)
    now = at_local(MONDAY, 12)
    not_mine = "That time entry is not one of yours."
    assert refused(lambda: te.update_entry(me, theirs, fields, now=now)).message == not_mine
    assert refused(lambda: te.delete_entry(me, theirs)).message == not_mine
    _tech, running = _running(me)
    assert refused(lambda: te.update_entry(me, running, fields, now=now)).message == (
        "Stop the timer before editing its entry."
    )
    done = make_entry(someone, at_local(MONDAY, 7), 60)
    make_card(someone, MONDAY, "submitted")
    locked = refused(lambda: te.update_entry(someone, done, fields, now=now))
    assert locked.field == "date" and "is submitted" in locked.message


def test_an_entry_moved_onto_an_sr_takes_the_sr_and_its_client():
    tech = make_user()
    entry = make_entry(tech, at_local(MONDAY, 9), 60)
    sr = make_sr(make_client(name="Kestrel"), "Plotter service")
    fields = te.EntryFields(at_local(MONDAY, 9), at_local(MONDAY, 10), sr_id=sr.id)
    te.update_entry(tech, entry, fields, now=at_local(MONDAY, 12))
    assert (entry.sr_id, entry.client_id) == (sr.id, sr.client_id)


def test_sending_a_card_back_needs_a_reason_the_tech_will_read():
    card = make_card(make_user(), MONDAY, "submitted")
    violation = refused(lambda: approvals.reject_card(make_user(role="admin"), card, 1, " "))
    assert (violation.field, violation.message) == (
        "reason",
        "Say why you send it back; the tech sees it.",
    )
    assert card.status == "submitted"
