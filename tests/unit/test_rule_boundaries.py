"""Each rule at its exact boundary, so that moving the boundary by one fails a test."""

from datetime import date, time, timedelta

import pytest

from mspboard.services import agenda, approvals, backlog, today
from tests.factories import make_sr, make_user
from tests.field_factories import make_card, make_entry, make_schedule_item
from tests.shop_time import at_local

MONDAY = date(2026, 11, 16)


@pytest.mark.parametrize(
    ("written", "meeting"),
    [
        ((MONDAY, time(11, 59)), MONDAY),
        ((MONDAY, time(12, 0)), MONDAY + timedelta(days=7)),
        ((MONDAY - timedelta(days=1), time(23, 59)), MONDAY),
    ],
)
def test_agenda_notes_go_to_this_mondays_meeting_until_noon(written, meeting):
    day, wall = written
    assert agenda.next_meeting(at_local(day, wall.hour, wall.minute)) == meeting


@pytest.mark.parametrize(("quiet_for", "quiet"), [(120, True), (119, False)])
def test_a_tech_is_quiet_from_exactly_the_shops_threshold(quiet_for, quiet):
    tech = make_user(name="Quinn")  # on shift 08:00 to 17:00, Monday to Friday
    make_entry(tech, at_local(MONDAY, 9), minutes=60)  # logged until 10:00
    now = at_local(MONDAY, 10) + timedelta(minutes=quiet_for)
    assert ([row.tech.name for row in today.quiet_techs(now)] == ["Quinn"]) is quiet


def test_only_upcoming_schedule_items_count_as_scheduled_in_the_backlog():
    tech = make_user()
    now = at_local(MONDAY, 12)
    done_yesterday = make_sr(title="Visited yesterday")
    make_schedule_item(tech, now - timedelta(days=1), sr=done_yesterday)
    later_today = make_sr(title="Visit this afternoon")
    make_schedule_item(tech, now + timedelta(hours=2), sr=later_today)
    unscheduled = backlog.backlog(now).lists[backlog.BacklogList.UNSCHEDULED]
    assert done_yesterday in unscheduled and later_today not in unscheduled


def test_only_an_approved_card_can_be_reopened():
    manager = make_user(role="service_manager")
    card = make_card(make_user(), MONDAY, "submitted")
    with pytest.raises(approvals.AlreadyDecided):
        approvals.reopen_card(manager, card, card.version, "Client disputes Thursday")
    assert card.status == "submitted"
