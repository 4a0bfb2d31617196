from datetime import UTC, date, datetime, time, timedelta

import pytest

from mspboard.models import AuditEvent, ShopSettings, db
from mspboard.services import time_cards as tc
from mspboard.services.errors import RuleViolation
from mspboard.workweek import to_mask
from tests.factories import make_user
from tests.field_factories import make_card, make_entry
from tests.shop_time import at_local

WEEK = date(2026, 11, 23)  # Monday
WED = date(2026, 11, 25)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    """`day` at hh:mm on the shop's clocks."""
    return at_local(day, hh, mm)


def test_card_groups_entries_by_day_with_totals_and_billable_split():
    tech = make_user()
    make_entry(tech, at(WED, 8), minutes=240)
    make_entry(tech, at(WED, 12), minutes=300, billable=False)
    view = tc.card_view(tech, WEEK, now=at(WED, 18))
    wednesday = view.days[2]
    assert wednesday.day == date(2026, 11, 25) and len(wednesday.entries) == 2
    assert wednesday.total == timedelta(hours=9) and wednesday.billable == timedelta(hours=4)
    assert view.total == timedelta(hours=9) and view.non_billable == timedelta(hours=5)


def test_warnings_name_gaps_in_working_hours_overlaps_and_long_days():
    tech = make_user()
    make_entry(tech, at(WED, 8), minutes=60)
    make_entry(tech, at(WED, 10), minutes=60)  # gap 09:00-10:00
    make_entry(tech, at(WED, 10, 30), minutes=600)  # overlaps, and makes the day long
    warnings = tc.card_view(tech, WEEK, now=at(WED, 23)).warnings
    assert "Wed: nothing logged 09:00 to 10:00." in warnings
    assert "Wed: 10:00 to 11:00 overlaps 10:30 to 20:30; the overlap counts once." in warnings
    assert "Wed: over 10 hours logged." in warnings
    assert "Mon: nothing logged in working hours." in warnings


def test_no_gap_warning_for_hours_not_yet_worked_or_days_off():
    tech = make_user()
    tech.workdays = to_mask([1, 2, 4, 5])  # Wednesday off
    make_entry(tech, at(WED - timedelta(days=2), 8), minutes=9 * 60)
    make_entry(tech, at(WED - timedelta(days=1), 8), minutes=9 * 60)
    assert tc.card_view(tech, WEEK, now=at(WED, 12)).warnings == []


def test_a_running_timer_is_a_warning():
    tech = make_user()
    make_entry(tech, at(WED, 8), minutes=None)
    view = tc.card_view(tech, WEEK, now=at(WED, 9))
    assert view.warnings[0] == "A timer is still running."
    assert view.total == timedelta(hours=1)


def test_deadline_is_close_of_business_on_the_last_workday_in_the_shop_zone():
    db.session.add(
        ShopSettings(
            id=1,
            timezone="America/Chicago",
            workdays=to_mask([1, 2, 3, 4, 5, 6]),
            close_of_business=time(18, 30),
        )
    )
    db.session.flush()
    deadline = tc.submission_deadline(WEEK)
    assert deadline.astimezone(UTC) == datetime(2026, 11, 29, 0, 30, tzinfo=UTC)


def test_submit_locks_the_card_and_records_it():
    tech = make_user()
    make_entry(tech, at(WED, 8), minutes=60)
    card = tc.submit_card(tech, WEEK, now=at(WED, 17))
    assert card.status == "submitted" and card.submitted_at == at(WED, 17)
    assert (
        db.session.scalar(
            db.select(AuditEvent.action).where(AuditEvent.entity_type == "time_cards")
        )
        == "timecard.submitted"
    )
    with pytest.raises(RuleViolation, match="already submitted"):
        tc.submit_card(tech, WEEK, now=at(WED, 18))


def test_submit_refused_while_a_timer_runs_in_the_week():
    tech = make_user()
    make_entry(tech, at(WED, 8), minutes=None)
    with pytest.raises(RuleViolation, match="Stop the running timer"):
        tc.submit_card(tech, WEEK, now=at(WED, 17))


def test_rejected_card_returns_to_tech_with_reason_and_can_be_resubmitted():
    tech = make_user()
    make_card(tech, WEEK, status="rejected", reason="Tuesday is missing")
    view = tc.card_view(tech, WEEK, now=at(WED, 17))
    assert not view.locked and view.card.reason == "Tuesday is missing"
    card = tc.submit_card(tech, WEEK, now=at(WED, 17))
    assert card.status == "submitted"
    assert (
        db.session.scalar(
            db.select(AuditEvent.action).where(AuditEvent.entity_type == "time_cards")
        )
        == "timecard.resubmitted"
    )


def test_approved_card_is_read_only():
    tech = make_user()
    make_card(tech, WEEK, status="approved")
    view = tc.card_view(tech, WEEK, now=at(WED, 17))
    assert view.locked
    with pytest.raises(RuleViolation, match="already approved"):
        tc.submit_card(tech, WEEK, now=at(WED, 17))


def test_a_week_that_has_not_started_cannot_be_submitted():
    with pytest.raises(RuleViolation, match="not started"):
        tc.submit_card(make_user(), WEEK + timedelta(days=7), now=at(WED, 17))


FRIDAY = date(2026, 11, 27)  # the week's last workday; close of business 17:00
AFTER = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("status", "after_due", "overdue"),
    [
        ("draft", timedelta(0), False),  # exactly at the due moment: on time
        ("draft", AFTER, True),
        (None, AFTER, True),  # nothing saved yet: the phone's "Draft"
        ("rejected", AFTER, True),
        ("draft", -AFTER, False),
        ("submitted", timedelta(days=3), False),
        ("approved", timedelta(days=3), False),
    ],
)
def test_a_card_not_sent_is_overdue_one_second_after_close_of_business_on_the_last_workday(
    status, after_due, overdue
):
    tech = make_user()
    if status:
        make_card(tech, WEEK, status=status)
    view = tc.card_view(tech, WEEK, now=at(FRIDAY, 17) + after_due)
    assert view.deadline == at(FRIDAY, 17)
    assert view.overdue is overdue


def test_a_reopened_card_is_overdue_again_after_its_deadline():
    tech = make_user()
    card = make_card(tech, WEEK, status="approved")
    card.status, card.decided_at = "draft", None  # a manager reopened it
    view = tc.card_view(tech, WEEK, now=at(FRIDAY + timedelta(days=4), 9))
    assert view.status_label == "Reopened" and view.overdue
