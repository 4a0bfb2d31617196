"""Manual entries and timers at the edges of their rules, with the field each refusal belongs
to and the exact words a tech reads. Written against the mutants mutmut found alive."""

from datetime import date, time, timedelta

import pytest

from mspboard import events
from mspboard.models import db
from mspboard.services import time_entries as te
from mspboard.services.errors import RuleViolation
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import new_uuid
from tests.shop_time import at_local

MONDAY = date(2026, 11, 16)


def refusal(change) -> tuple[str | None, str]:
    with pytest.raises(RuleViolation) as caught:
        change()
    return caught.value.field, caught.value.message


def add(tech, start, end, **fields):
    values = te.EntryFields(start, end, **({"client_id": make_client().id} | fields))
    return te.add_entry(tech, values, uuid=new_uuid(), at=end, now=at_local(MONDAY, 23))


def test_what_the_time_is_for_must_exist_be_open_and_be_mine_for_a_timer():
    tech, other = make_user(), make_user(name="Tom Nakamura")
    now = at_local(MONDAY, 12)

    def start(**target):
        return te.start_timer(tech, uuid=new_uuid(), at=now, now=now, **target)

    assert refusal(lambda: start(sr_id=999999)) == (
        "sr_id",
        "That service request no longer exists.",
    )
    closed = make_sr(title="Done", status="done")
    assert refusal(lambda: start(sr_id=closed.id)) == (
        "sr_id",
        f"{closed.number} is closed; it takes no more timers.",
    )
    theirs = make_sr(title="Theirs", assignee=other)
    assert refusal(lambda: start(sr_id=theirs.id)) == (
        "sr_id",
        f"{theirs.number} is now assigned to Tom Nakamura.",
    )
    assert refusal(lambda: start()) == ("client_id", "Pick a service request or a client.")
    gone = make_client()
    gone.active = False
    assert refusal(lambda: start(client_id=gone.id)) == ("client_id", "Pick an active client.")
    # work already done may be logged on any SR, even one closed or someone else's since
    entry = add(tech, at_local(MONDAY, 9), at_local(MONDAY, 10), sr_id=theirs.id)
    assert (entry.sr_id, entry.client_id) == (theirs.id, theirs.client_id)


def test_a_timer_starts_no_more_than_five_minutes_ahead_and_after_the_running_one():
    tech = make_user()
    client = make_client()
    now = at_local(MONDAY, 12)
    ahead = now + timedelta(minutes=5, seconds=1)
    assert refusal(
        lambda: te.start_timer(tech, uuid=new_uuid(), at=ahead, client_id=client.id, now=now)
    ) == ("start", "That start is more than 5 minutes in the future; check the time.")
    first = te.start_timer(
        tech, uuid=new_uuid(), at=now + timedelta(minutes=5), client_id=client.id, now=now
    )
    assert refusal(
        lambda: te.start_timer(
            tech, uuid=new_uuid(), at=first.started_at, client_id=client.id, now=now
        )
    ) == (None, "Another timer started after this one; stop it before starting this one.")
    assert te.running_timer(tech) is first
    assert te.running_timer(make_user()) is None  # timers are each tech's own


def test_an_entry_ends_after_it_starts_and_lasts_at_most_a_day():
    tech = make_user()
    start = at_local(MONDAY, 8)
    assert refusal(lambda: add(tech, start, start)) == ("end", "The end must be after the start.")
    too_long = start + timedelta(hours=24, minutes=1)
    assert refusal(lambda: add(tech, start, too_long)) == (
        "end",
        "One entry cannot be longer than 24 hours; split it.",
    )
    assert add(tech, start, start + timedelta(hours=24)).duration() == timedelta(hours=24)


def test_an_entry_is_billable_as_its_sr_says_unless_the_tech_says_otherwise():
    tech = make_user()
    internal = make_sr(title="Internal")
    internal.billable = False
    day = [at_local(MONDAY, h) for h in range(8, 13)]
    assert add(tech, day[0], day[1], sr_id=internal.id).billable is False
    assert add(tech, day[1], day[2]).billable is True  # no SR: the client's time is billable
    assert add(tech, day[2], day[3], sr_id=internal.id, billable=True).billable is True
    assert add(tech, day[3], day[4], billable=False).billable is False


def test_overlap_starts_at_a_full_shared_minute_on_either_side():
    tech = make_user()
    add(tech, at_local(MONDAY, 9), at_local(MONDAY, 10))
    almost = timedelta(seconds=59)
    add(tech, at_local(MONDAY, 10) - almost, at_local(MONDAY, 10, 30))  # 59 s shared: follows
    add(tech, at_local(MONDAY, 8), at_local(MONDAY, 9) + almost)  # 59 s shared: leads
    field, message = refusal(
        lambda: add(tech, at_local(MONDAY, 10, 29), at_local(MONDAY, 11))  # a full minute
    )
    assert field == "start" and "from 09:59 to 10:30" in message
    assert refusal(lambda: add(tech, at_local(MONDAY, 7), at_local(MONDAY, 8, 1)))[1].startswith(
        "This overlaps your entry on Mon 16 Nov from 08:00 to 09:00"
    )


def test_the_first_of_several_overlapping_entries_is_named():
    tech = make_user()
    add(tech, at_local(MONDAY, 10), at_local(MONDAY, 11))
    add(tech, at_local(MONDAY, 9), at_local(MONDAY, 10))
    message = refusal(lambda: add(tech, at_local(MONDAY, 9, 30), at_local(MONDAY, 10, 30)))[1]
    assert "from 09:00 to 10:00" in message


def test_typed_times_say_which_field_is_wrong():
    assert refusal(lambda: te.entry_times(MONDAY, time(9))) == (
        "end",
        "Give an end time or a duration.",
    )
    notes = "x" * (te.NOTES_MAX + 1)
    tech = make_user()
    assert refusal(lambda: add(tech, at_local(MONDAY, 9), at_local(MONDAY, 10), notes=notes)) == (
        "notes",
        f"Keep the notes under {te.NOTES_MAX} characters.",
    )
    entry = add(tech, at_local(MONDAY, 9), at_local(MONDAY, 10), notes="y" * te.NOTES_MAX)
    assert len(entry.notes) == te.NOTES_MAX


def test_starting_work_on_a_new_sr_tells_the_board_and_stopping_tells_it_only_of_hours():
    tech = make_user()
    now = at_local(MONDAY, 12)
    pending = db.session.info.setdefault(events._PENDING_KEY, set())
    pending.clear()
    sr = make_sr(title="Printer", assignee=tech)
    te.start_timer(tech, uuid=new_uuid(), at=now, sr_id=sr.id, now=now)
    assert {events.BOARD, events.TIMERS} <= pending
    pending.clear()
    te.stop_timer(tech, at=now + timedelta(minutes=5), now=now + timedelta(minutes=5))
    assert pending == {events.TIMERS, events.HOURS}
