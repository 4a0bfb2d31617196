"""What the Monday agenda's generated sections say, line by line, and where an item is on
the agendas before and after the meeting that discussed it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mspboard.models import CheckIn, CheckInIssue, db
from mspboard.services.maintenance import months
from mspboard.services.meetings import agenda, changes, notes
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_card, make_schedule_item, make_time_off
from tests.maintenance_factories import make_item, open_month, ticked
from tests.shop_time import at_local

FRIDAY = date(2026, 12, 4)
MONDAY = date(2026, 12, 7)


@pytest.fixture
def friday(stopped):
    stopped.move_to(at_local(FRIDAY, 10))
    return at_local(FRIDAY, 10)


def _section(key: str) -> agenda.Section:
    now = at_local(FRIDAY, 10)
    return next(s for s in agenda.generated_sections(MONDAY, now) if s.key == key)


def test_time_cards_of_last_week_not_submitted_or_rejected_name_the_tech(friday):
    ana, ben, cy = (make_user(name=n) for n in ("Ana", "Ben", "Cy"))
    last_week = MONDAY - timedelta(days=7)
    make_card(ana, last_week, "rejected", reason="Tuesday is missing")
    make_card(ben, last_week, "submitted")
    make_card(cy, last_week - timedelta(days=7), "draft")  # an older week: not this list
    lines = {line.label: line.text for line in _section("timecards").lines}
    assert lines == {"Ana": "Rejected: Tuesday is missing", "Cy": "Not submitted"}


def test_time_off_and_unacknowledged_items_of_the_meetings_week(friday):
    ana, ben = make_user(name="Ana"), make_user(name="Ben")
    make_time_off(ana, MONDAY + timedelta(days=2), MONDAY + timedelta(days=3))
    make_time_off(ben, MONDAY + timedelta(days=7), MONDAY + timedelta(days=8))  # next week
    make_time_off(ben, MONDAY, MONDAY, status="pending")
    seen = make_schedule_item(ben, at_local(MONDAY, 9), title="Seen")
    seen.acknowledged_version, seen.acknowledged_at = seen.version, friday
    make_schedule_item(ana, at_local(MONDAY + timedelta(days=1), 9), title="Patch the NAS")
    make_schedule_item(ana, at_local(MONDAY + timedelta(days=6), 23, 59), title="Sunday late")
    make_schedule_item(ana, at_local(MONDAY + timedelta(days=7), 0), title="Next week")
    make_schedule_item(ana, at_local(MONDAY, 8), title="Draft", published=False)
    db.session.flush()
    assert [(line.label, line.text) for line in _section("timeoff").lines] == [
        ("Ana", "Wed 09 Dec to Thu 10 Dec")
    ]
    assert [line.text for line in _section("acknowledgements").lines] == [
        "Patch the NAS",
        "Sunday late",
    ]


def test_sr_sections_use_the_backlogs_lists_and_counts(friday):
    client = make_client("Acme")
    urgent = make_sr(client, "Server down", priority=1)
    late = make_sr(client, "Late job", priority=3, status="in_progress")
    late.due_at = friday - timedelta(seconds=1)
    make_sr(client, "Due now", priority=3, status="in_progress").due_at = friday
    db.session.flush()
    assert [line.label for line in _section("urgent").lines] == [urgent.number]
    overdue = _section("overdue")
    assert [line.label for line in overdue.lines] == [late.number] and overdue.total == 1


def test_open_issues_and_this_months_maintenance_problems(friday):
    tech = make_user(name="Tess")
    checkin = CheckIn(tech=tech, day=FRIDAY - timedelta(days=1))
    checkin.issues = [CheckInIssue(text="Firewall out of support", urgent=True, reported_at=friday)]
    db.session.add(checkin)
    make_item("UPS self-test")
    make_client("Birch Law").maintenance_owner_id = tech.id
    (run,) = open_month(months.this_month(friday))
    ticked(run.items[0], tech, friday, "problem", "Battery swollen")
    lines = _section("issues").lines
    assert [(line.label, line.text) for line in lines] == [("Tess", "Firewall out of support")]
    assert lines[0].meta.startswith("Urgent")
    (problem,) = _section("maintenance").lines
    assert (problem.label, problem.text) == ("Birch Law", "1 problem")


def test_an_item_discussed_at_a_meeting_leaves_later_agendas_but_not_that_one(friday):
    tech, manager = make_user(name="Tess"), make_user(role="service_manager")
    note = notes.add_note(tech, "Vendor call", friday)
    kept = notes.add_note(tech, "Ladder", friday)
    changes.record_outcome(manager, MONDAY, note, changes.Outcome(note="Done"), note.version)
    db.session.flush()
    assert [i.text for i in agenda.agenda_of(MONDAY, friday).discussed] == ["Vendor call"]
    following = agenda.agenda_of(MONDAY + timedelta(days=7), friday)
    assert [i.text for i in following.items] == ["Ladder"]
    assert kept.carried_from(MONDAY + timedelta(days=7)) == MONDAY
    earlier = agenda.agenda_of(MONDAY - timedelta(days=7), friday)
    assert earlier.items == []
