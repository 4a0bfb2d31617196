from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from mspboard import events
from mspboard.models import SRStatus, TimeEntry, db
from mspboard.services import time_entries as te
from mspboard.services.errors import RuleViolation
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_card, make_entry, new_uuid
from tests.shop_time import at_local

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # a Wednesday
WEEK = date(2026, 11, 23)


def _entry(tech, start, end, **kw):
    return te.add_entry(
        tech,
        te.EntryFields(started_at=start, ended_at=end, client_id=make_client().id, **kw),
        uuid=new_uuid(),
        at=NOW,
        now=NOW,
    )


def test_starting_a_timer_on_a_new_sr_moves_it_to_in_progress_and_announces():
    tech = make_user()
    sr = make_sr(assignee=tech, status="new")
    with events.subscribe([events.TIMERS, events.BOARD]) as heard:
        entry = te.start_timer(tech, uuid=new_uuid(), at=NOW, sr_id=sr.id, now=NOW)
        db.session.commit()
        assert heard.drain() == {events.TIMERS, events.BOARD}
    assert entry.is_running and entry.client_id == sr.client_id
    assert entry.started_at == NOW and entry.created_at == NOW
    assert sr.status == SRStatus.IN_PROGRESS


def test_billable_defaults_from_the_sr():
    tech = make_user()
    sr = make_sr(assignee=tech)
    sr.billable = False
    entry = te.start_timer(tech, uuid=new_uuid(), at=NOW, sr_id=sr.id, now=NOW)
    assert entry.billable is False


def test_starting_another_timer_stops_the_first_at_that_moment():
    tech = make_user()
    first = te.start_timer(tech, uuid=new_uuid(), at=NOW, client_id=make_client().id, now=NOW)
    later = NOW + timedelta(minutes=20)
    second = te.start_timer(tech, uuid=new_uuid(), at=later, client_id=make_client().id, now=later)
    assert first.ended_at == later and second.is_running
    running = db.session.scalars(
        select(TimeEntry).where(TimeEntry.tech_id == tech.id, TimeEntry.ended_at.is_(None))
    ).all()
    assert running == [second]


def test_stop_takes_notes_and_billable_at_the_phone_moment():
    tech = make_user()
    entry = te.start_timer(tech, uuid=new_uuid(), at=NOW, client_id=make_client().id, now=NOW)
    stop_at = NOW + timedelta(minutes=2)
    te.stop_timer(
        tech,
        at=stop_at,
        notes="Replaced toner",
        billable=False,
        entry_uuid=entry.uuid,
        now=NOW + timedelta(hours=3),
    )
    assert entry.ended_at == stop_at and entry.notes == "Replaced toner" and not entry.billable


def test_stopping_a_timer_that_is_not_running_is_refused():
    tech = make_user()
    entry = te.start_timer(tech, uuid=new_uuid(), at=NOW, client_id=make_client().id, now=NOW)
    te.stop_timer(tech, at=NOW + timedelta(minutes=5), now=NOW + timedelta(minutes=5))
    with pytest.raises(RuleViolation, match="no longer running"):
        te.stop_timer(tech, at=NOW + timedelta(minutes=9), entry_uuid=entry.uuid, now=NOW)


def test_timer_refused_on_a_closed_sr_or_one_assigned_to_someone_else():
    tech, other = make_user(), make_user(name="Ana Other")
    closed = make_sr(assignee=tech, status="done")
    theirs = make_sr(assignee=other)
    with pytest.raises(RuleViolation, match="closed"):
        te.start_timer(tech, uuid=new_uuid(), at=NOW, sr_id=closed.id, now=NOW)
    with pytest.raises(RuleViolation, match="assigned to Ana Other"):
        te.start_timer(tech, uuid=new_uuid(), at=NOW, sr_id=theirs.id, now=NOW)


def test_a_timer_needs_an_sr_or_a_client():
    with pytest.raises(RuleViolation) as refusal:
        te.start_timer(make_user(), uuid=new_uuid(), at=NOW, now=NOW)
    assert refusal.value.field == "client_id"


def test_start_more_than_five_minutes_in_the_future_is_refused():
    tech = make_user()
    with pytest.raises(RuleViolation, match="future"):
        te.start_timer(
            tech,
            uuid=new_uuid(),
            at=NOW + timedelta(minutes=6),
            client_id=make_client().id,
            now=NOW,
        )
    entry = te.start_timer(
        tech, uuid=new_uuid(), at=NOW + timedelta(minutes=4), client_id=make_client().id, now=NOW
    )
    assert entry.is_running


def test_manual_entry_from_date_and_times_in_the_shop_zone():
    start, end = te.entry_times(date(2026, 11, 24), time(9, 0), end=time(10, 30))
    entry = _entry(make_user(), start, end, notes=" Site visit ")
    assert entry.started_at == at_local(date(2026, 11, 24), 9)
    assert entry.duration() == timedelta(minutes=90) and entry.notes == "Site visit"


def test_manual_entry_from_a_duration():
    start, end = te.entry_times(date(2026, 11, 24), time(9, 0), duration=timedelta(minutes=45))
    assert end - start == timedelta(minutes=45)


def test_manual_entry_rejects_end_before_start_and_over_24_hours():
    tech = make_user()
    with pytest.raises(RuleViolation, match="after the start") as backwards:
        _entry(tech, NOW - timedelta(hours=1), NOW - timedelta(hours=2))
    assert backwards.value.field == "end"
    with pytest.raises(RuleViolation, match="24 hours"):
        _entry(tech, NOW - timedelta(hours=30), NOW - timedelta(hours=5))


def test_manual_entry_starting_in_the_future_is_refused():
    with pytest.raises(RuleViolation, match="future") as refusal:
        _entry(make_user(), NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    assert refusal.value.field == "start"


@pytest.mark.parametrize("status", ["submitted", "approved"])
def test_nothing_changes_in_a_locked_week_and_the_message_names_it(status):
    tech = make_user()
    entry = make_entry(tech, NOW - timedelta(hours=3))
    make_card(tech, WEEK, status=status)
    expected = f"week of Mon 23 Nov 2026 is {status}"
    with pytest.raises(RuleViolation, match=expected):
        _entry(tech, NOW - timedelta(hours=2), NOW - timedelta(hours=1))
    with pytest.raises(RuleViolation, match=expected):
        te.start_timer(tech, uuid=new_uuid(), at=NOW, client_id=make_client().id, now=NOW)
    with pytest.raises(RuleViolation, match=expected):
        te.delete_entry(tech, entry)
    with pytest.raises(RuleViolation, match=expected):
        te.update_entry(
            tech,
            entry,
            te.EntryFields(
                started_at=entry.started_at,
                ended_at=entry.ended_at,
                client_id=entry.client_id,
                notes="x",
            ),
            now=NOW,
        )


def test_a_rejected_week_can_be_fixed():
    tech = make_user()
    make_card(tech, WEEK, status="rejected", reason="Tuesday is missing")
    entry = _entry(tech, NOW - timedelta(hours=2), NOW - timedelta(hours=1))
    assert entry.id


def test_moving_an_entry_into_a_locked_week_is_refused():
    tech = make_user()
    entry = make_entry(tech, NOW - timedelta(hours=3))
    make_card(tech, WEEK - timedelta(days=7), status="approved")
    earlier = NOW - timedelta(days=7)
    with pytest.raises(RuleViolation, match="week of Mon 16 Nov 2026 is approved"):
        te.update_entry(
            tech,
            entry,
            te.EntryFields(earlier, earlier + timedelta(hours=1), client_id=entry.client_id),
            now=NOW,
        )


def test_edit_and_delete_only_my_own_entries():
    tech, other = make_user(), make_user()
    mine = make_entry(tech, NOW - timedelta(hours=3))
    theirs = make_entry(other, NOW - timedelta(hours=3))
    te.update_entry(
        tech,
        mine,
        te.EntryFields(
            mine.started_at,
            mine.started_at + timedelta(minutes=30),
            client_id=mine.client_id,
            billable=False,
            notes="Shorter",
        ),
        now=NOW,
    )
    assert mine.duration() == timedelta(minutes=30) and not mine.billable
    with pytest.raises(RuleViolation):
        te.delete_entry(tech, theirs)
    te.delete_entry(tech, mine)
    assert db.session.get(TimeEntry, mine.id) is None


def test_my_entries_on_an_sr_are_mine_only_newest_first():
    me, someone = make_user(), make_user()
    sr, other_sr = make_sr(), make_sr()
    day = date(2026, 11, 17)
    older = make_entry(me, at_local(day, 9), 30, sr=sr)
    newer = make_entry(me, at_local(day, 14), 30, sr=sr)
    make_entry(someone, at_local(day, 11), 30, sr=sr)
    make_entry(me, at_local(day, 16), 30, sr=other_sr)
    assert te.my_entries_on(me, sr) == [newer, older]
