from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from mspboard.models import CheckIn, CheckInIssue, ServiceRequest, db, utcnow
from mspboard.services import today as desk
from mspboard.services.errors import RuleViolation
from mspboard.workweek import to_mask
from tests.factories import make_client, make_user
from tests.field_factories import make_entry, make_schedule_item, make_time_off
from tests.shop_time import at_local

# A Wednesday; techs work 08:00-17:00 Monday to Friday on the shop's clocks.
WEDNESDAY = date(2026, 11, 25)


def wednesday_at(hour: int, minute: int = 0) -> datetime:
    return at_local(WEDNESDAY, hour, minute)


def quiet_names(now: datetime | None = None) -> list[str]:
    return [row.tech.name for row in desk.quiet_techs(now or wednesday_at(12))]


def test_a_tech_on_shift_with_nothing_logged_for_two_hours_is_quiet():
    make_user(name="Quiet Quinn")
    busy = make_user(name="Busy Bea")
    make_entry(busy, wednesday_at(11), minutes=50)
    assert quiet_names() == ["Quiet Quinn"]


def test_quiet_counts_from_the_last_entry_and_a_running_timer_is_not_quiet():
    tech = make_user(name="Tess")
    noon = wednesday_at(12)
    make_entry(tech, noon - timedelta(hours=4), minutes=60)
    assert quiet_names() == ["Tess"]
    assert desk.quiet_techs(noon)[0].since == noon - timedelta(hours=3)
    make_entry(tech, noon - timedelta(minutes=10), minutes=None)
    assert quiet_names() == []


def test_nobody_is_quiet_off_shift_on_time_off_or_before_the_threshold():
    tech = make_user(name="Tom")
    assert quiet_names(wednesday_at(9, 30)) == []  # 1.5 h into the day
    assert quiet_names(wednesday_at(18)) == []  # after hours
    assert quiet_names(at_local(date(2026, 11, 28), 12)) == []  # Saturday
    make_time_off(tech, WEDNESDAY, WEDNESDAY)
    assert quiet_names() == []


def test_a_half_day_off_leaves_the_other_half_on_shift():
    morning_off, afternoon_off = make_user(name="Mo"), make_user(name="Al")
    make_time_off(morning_off, WEDNESDAY, WEDNESDAY).ends_midday = True
    make_time_off(afternoon_off, WEDNESDAY, WEDNESDAY).starts_midday = True
    # Al works 08:00-12:00: quiet from 10:00 (two hours), off from midday.
    assert quiet_names(wednesday_at(9, 59)) == []
    assert quiet_names(wednesday_at(10)) == ["Al"]
    assert quiet_names(wednesday_at(12, 1)) == []
    # Mo works from midday: not on shift in the morning, quiet two hours after midday.
    assert quiet_names(wednesday_at(11)) == ["Al"]
    assert quiet_names(wednesday_at(13, 59)) == []
    assert quiet_names(wednesday_at(14)) == ["Mo"]
    assert desk.quiet_techs(wednesday_at(14))[0].since == wednesday_at(12)


def test_time_off_over_several_days_keeps_the_midday_halves_to_their_own_days():
    tech = make_user(name="Kai")
    leave = make_time_off(tech, WEDNESDAY - timedelta(days=1), WEDNESDAY + timedelta(days=1))
    leave.starts_midday = leave.ends_midday = True
    assert quiet_names(wednesday_at(15)) == []  # the whole Wednesday is off
    tuesday_10 = at_local(WEDNESDAY - timedelta(days=1), 10)
    thursday_15 = at_local(WEDNESDAY + timedelta(days=1), 15)
    assert quiet_names(tuesday_10) == ["Kai"]  # Tuesday's morning is worked
    assert quiet_names(thursday_15) == ["Kai"]  # and Thursday's afternoon


def checkin_with(tech, day, *issues):
    checkin = CheckIn(tech=tech, day=day, how_it_went="Fine")
    checkin.issues = [
        CheckInIssue(text=text, urgent=urgent, reported_at=utcnow()) for text, urgent in issues
    ]
    db.session.add(checkin)
    db.session.flush()
    return checkin


def test_open_issues_put_urgent_first_and_drop_handled_ones():
    manager = make_user(role="service_manager")
    tech = make_user()
    checkin_with(tech, date(2026, 11, 24), ("Toner low at Elm Street", False))
    later = checkin_with(
        tech, date(2026, 11, 25), ("Firewall out of support", True), ("Ask about the quote", False)
    )
    assert [i.text for i in desk.open_issues(wednesday_at(12))] == [
        "Firewall out of support",
        "Toner low at Elm Street",
        "Ask about the quote",
    ]
    desk.handle_issue(manager, later.issues[0])
    assert "Firewall out of support" not in [i.text for i in desk.open_issues(wednesday_at(12))]


def test_an_issue_becomes_an_sr_assigned_to_the_tech_in_one_step():
    manager = make_user(role="service_manager")
    tech = make_user(name="Priya Raman")
    issue = checkin_with(
        tech, date(2026, 11, 25), ("Oakridge firewall is out of support", True)
    ).issues[0]
    sr = desk.issue_to_sr(manager, issue, make_client().id, 2)
    assert (sr.title, sr.priority, sr.assignee_id) == (
        "Oakridge firewall is out of support",
        2,
        tech.id,
    )
    assert "Raised by Priya Raman" in sr.description
    assert issue.sr_id == sr.id and issue.handled_at is not None
    with pytest.raises(RuleViolation):
        desk.issue_to_sr(manager, issue, make_client().id, 2)
    assert len(db.session.scalars(select(ServiceRequest)).all()) == 1


def test_checkins_list_every_tech_with_or_without_one():
    done, waiting = make_user(name="Ann"), make_user(name="Ben")
    checkin_with(done, date(2026, 11, 25))
    rows = {row.tech.name: row.checkin for row in desk.checkins_on(date(2026, 11, 25))}
    assert rows["Ann"] is not None and rows["Ben"] is None
    assert waiting.name == "Ben"


def test_utilisation_is_billable_of_logged_and_logged_of_scheduled():
    tech = make_user(name="Uma")
    monday = date(2026, 11, 23)
    make_entry(tech, at_local(monday, 8), minutes=180, billable=True)
    make_entry(tech, at_local(monday, 13), minutes=60, billable=False)
    make_schedule_item(tech, at_local(monday, 8), hours=8)
    make_schedule_item(tech, at_local(date(2026, 11, 24), 8), hours=8, published=False)
    row = next(r for r in desk.utilisation(monday) if r.tech.name == "Uma")
    assert (row.logged, row.billable, row.scheduled) == (4.0, 3.0, 8.0)
    assert (row.billable_share, row.logged_share) == (75, 50)


SATURDAY = date(2026, 11, 28)


def away(day: date = WEDNESDAY) -> dict[str, str | None]:
    return {row.tech.name: row.away for row in desk.checkins_on(day)}


def missing(day: date = WEDNESDAY) -> list[str]:
    return [row.tech.name for row in desk.checkins_on(day) if row.missing]


def test_nobody_owes_a_check_in_on_a_day_they_do_not_work():
    make_user(name="Ann")
    part_time = make_user(name="Pat")
    part_time.workdays = to_mask([1, 2, 4, 5])  # Wednesdays off
    assert away() == {"Ann": None, "Pat": desk.NOT_WORKING}
    assert missing() == ["Ann"]
    assert away(SATURDAY) == {"Ann": desk.NOT_WORKING, "Pat": desk.NOT_WORKING}
    assert missing(SATURDAY) == []


def test_approved_time_off_covering_the_day_means_no_check_in_is_owed():
    on_leave, asked, back_at_noon, off_at_noon = (
        make_user(name=name) for name in ("Lea", "Ash", "Bo", "Cy")
    )
    make_time_off(on_leave, WEDNESDAY - timedelta(days=1), WEDNESDAY + timedelta(days=1))
    make_time_off(asked, WEDNESDAY, WEDNESDAY, status="pending")  # not approved: still owed
    morning = make_time_off(back_at_noon, WEDNESDAY, WEDNESDAY)
    morning.ends_midday = True  # works the afternoon, so checks in at the end of it
    afternoon = make_time_off(off_at_noon, WEDNESDAY, WEDNESDAY)
    afternoon.starts_midday = True
    assert away() == {
        "Ash": None,
        "Bo": None,
        "Cy": desk.OFF_FROM_MIDDAY,
        "Lea": desk.ON_TIME_OFF,
    }
    assert missing() == ["Ash", "Bo"]
    assert away(WEDNESDAY + timedelta(days=2))["Lea"] is None  # back on Friday


def test_a_check_in_made_on_a_day_off_still_shows():
    tech = make_user(name="Keen")
    checkin = checkin_with(tech, SATURDAY)
    [row] = desk.checkins_on(SATURDAY)
    assert row.checkin == checkin and not row.missing
