"""Each rule at its exact boundary, so that moving the boundary by one fails a test."""

from datetime import date, time, timedelta

import pytest

from mspboard.services import approvals, backlog, time_cards, today
from mspboard.services.meetings import notes as agenda
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


def _gap_warnings(*spans):
    """A Monday's gap warnings for a tech working 08:00 to 17:00, seen the next day."""
    tech = make_user()
    for (start_h, start_m), minutes in spans:
        make_entry(tech, at_local(MONDAY, start_h, start_m), minutes=minutes)
    view = time_cards.card_view(tech, MONDAY, now=at_local(MONDAY + timedelta(days=1), 9))
    return [w for w in view.days[0].warnings if "nothing logged" in w]


def test_a_gap_of_exactly_half_an_hour_is_named_and_a_shorter_one_is_not():
    assert _gap_warnings(((8, 0), 60), ((9, 30), 450)) == ["Mon: nothing logged 09:00 to 09:30."]
    assert _gap_warnings(((8, 0), 60), ((9, 29), 451)) == []
    assert _gap_warnings(((8, 0), 510)) == ["Mon: nothing logged 16:30 to 17:00."]
    assert _gap_warnings(((8, 0), 511)) == []


def test_an_entry_starting_at_close_of_day_still_shows_the_gap_before_it():
    assert _gap_warnings(((8, 0), 60), ((17, 0), 60)) == ["Mon: nothing logged 09:00 to 17:00."]


def test_a_week_can_be_submitted_from_its_first_day():
    card = time_cards.submit_card(make_user(), MONDAY, now=at_local(MONDAY, 0, 1))
    assert card.status == "submitted"
