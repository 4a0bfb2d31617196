from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm.exc import StaleDataError

from mspboard.models import AuditEvent, ScheduleItem, db
from mspboard.services import approvals
from mspboard.services.card_review import review_card
from mspboard.services.errors import RuleViolation
from mspboard.services.local_time import wall_label
from tests.factories import make_sr, make_user
from tests.field_factories import make_card, make_schedule_item, make_time_off
from tests.field_factories import make_entry as make_field_entry
from tests.shop_time import at_local

MONDAY = date(2026, 11, 16)
AFTER_THE_WEEK = datetime(2026, 11, 24, 12, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in the week of MONDAY (day 0 = Monday), on the shop's clocks."""
    return at_local(MONDAY + timedelta(days=day), hour, minute)


def make_entry(tech, started_at, minutes=60, **kwargs):
    """An entry that reached the server as it ended, as a phone with signal sends it."""
    entry = make_field_entry(tech, started_at, minutes, **kwargs)
    entry.synced_at = entry.ended_at or started_at
    return entry


def full_week(tech, days=range(5)):
    for day in days:
        make_entry(tech, at(day, 8), minutes=8 * 60, billable=day % 2 == 0)


def kinds(card):
    return sorted({flag.kind for flag in review_card(card, AFTER_THE_WEEK).flags})


def test_a_full_ordinary_week_has_no_flags():
    tech = make_user()
    full_week(tech)
    review = review_card(make_card(tech, MONDAY, "submitted"), AFTER_THE_WEEK)
    assert review.clean
    assert review.billable_share == 60


def test_a_workday_with_nothing_logged_is_flagged_unless_it_was_time_off():
    tech = make_user()
    full_week(tech, days=range(4))
    card = make_card(tech, MONDAY, "submitted")
    assert kinds(card) == ["missing_day"]
    make_time_off(tech, MONDAY + timedelta(days=4), MONDAY + timedelta(days=4))
    assert kinds(card) == []


def test_long_days_overlaps_and_late_syncs_are_flagged():
    tech = make_user()
    full_week(tech, days=range(1, 5))
    make_entry(tech, at(0, 6), minutes=11 * 60)
    make_entry(tech, at(1, 10), minutes=30)  # inside Tuesday's 08:00-16:00
    late = make_entry(tech, at(2, 17), minutes=30)
    late.synced_at = at(4, 9)
    assert kinds(make_card(tech, MONDAY, "submitted")) == ["late_sync", "long_day", "overlap"]


def test_time_logged_on_an_sr_after_it_closed_is_flagged():
    tech = make_user()
    full_week(tech, days=range(4))
    sr = make_sr(status="done")
    sr.closed_at = at(3, 12)
    make_entry(tech, at(4, 9), minutes=7 * 60, sr=sr)
    assert kinds(make_card(tech, MONDAY, "submitted")) == ["closed_sr"]


def test_published_schedule_with_nothing_logged_then_is_a_gap():
    tech = make_user()
    full_week(tech)
    make_schedule_item(tech, at(2, 17), hours=2)  # after the day's entries
    make_schedule_item(tech, at(3, 9), hours=2)  # covered
    make_schedule_item(tech, at(4, 18), hours=1, published=False)  # a draft does not count
    assert kinds(make_card(tech, MONDAY, "submitted")) == ["schedule_gap"]


def test_approve_locks_the_card_and_is_audited():
    manager = make_user(role="service_manager")
    card = make_card(make_user(), MONDAY, "submitted")
    approvals.approve_card(manager, card, card.version)
    assert card.status == "approved" and card.decided_by_id == manager.id and card.is_locked
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "timecard.approved")
    ).one()
    assert (event.before["status"], event.after["status"]) == ("submitted", "approved")


def test_rejecting_needs_a_reason_the_tech_will_see():
    manager = make_user(role="service_manager")
    card = make_card(make_user(), MONDAY, "submitted")
    with pytest.raises(RuleViolation) as refused:
        approvals.reject_card(manager, card, card.version, "  ")
    assert refused.value.field == "reason"
    approvals.reject_card(manager, card, card.version, "Tuesday is missing the afternoon.")
    assert (card.status, card.reason) == ("rejected", "Tuesday is missing the afternoon.")


def test_reopening_an_approved_card_needs_a_reason_and_unlocks_it():
    manager = make_user(role="service_manager")
    card = make_card(make_user(), MONDAY, "approved")
    with pytest.raises(RuleViolation):
        approvals.reopen_card(manager, card, card.version, "")
    approvals.reopen_card(manager, card, card.version, "Client disputes Thursday.")
    assert card.status == "draft" and not card.is_locked
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_type == "time_cards")
    )
    assert actions.all() == ["timecard.reopened"]


def test_a_decision_on_a_card_someone_else_decided_is_refused_with_who_and_when():
    first, second = (
        make_user(role="service_manager", name="Dana Whitfield"),
        make_user(role="admin"),
    )
    card = make_card(make_user(), MONDAY, "submitted")
    seen_version = card.version
    approvals.approve_card(first, card, seen_version)
    with pytest.raises(approvals.AlreadyDecided) as refused:
        approvals.reject_card(second, card, seen_version, "too late")
    assert "already approved by Dana Whitfield on " in refused.value.message


def test_a_write_based_on_a_stale_version_misses():
    card = make_card(make_user(), MONDAY, "submitted")
    db.session.execute(text("UPDATE time_cards SET version = version + 1"))
    with pytest.raises(StaleDataError):
        approvals.approve_card(make_user(role="admin"), card, card.version)
    db.session.rollback()


def test_bulk_approve_takes_only_clean_cards():
    manager = make_user(role="service_manager")
    clean_tech, flagged_tech = make_user(), make_user()
    full_week(clean_tech)
    full_week(flagged_tech, days=range(3))
    clean = make_card(clean_tech, MONDAY, "submitted")
    flagged = make_card(flagged_tech, MONDAY, "submitted")
    outcome = approvals.bulk_approve(
        manager, {clean.id: clean.version, flagged.id: flagged.version}, AFTER_THE_WEEK
    )
    assert outcome.approved == [clean] and flagged.status == "submitted"
    assert outcome.skipped == [
        f"{flagged_tech.name}, week of 16 Nov: has flags; open it and decide on its own."
    ]


def test_bulk_approve_names_a_card_someone_decided_first_and_leaves_it():
    manager, other = make_user(role="service_manager"), make_user(role="admin", name="Sam Okafor")
    tech = make_user(name="Tess")
    full_week(tech)
    card = make_card(tech, MONDAY, "submitted")
    seen = card.version
    approvals.reject_card(other, card, seen, "Friday is missing.")
    outcome = approvals.bulk_approve(manager, {card.id: seen}, AFTER_THE_WEEK)
    assert outcome.approved == [] and card.status == "rejected"
    assert outcome.decided_by_others == [
        "Tess, week of 16 Nov: This card was already rejected by Sam Okafor on "
        f"{wall_label(card.decided_at, '%a %d %b at %H:%M')}."
    ]


def test_week_cards_lists_every_active_technician_by_name_with_that_weeks_card():
    zed, amy = make_user(name="Zed"), make_user(name="Amy")
    make_user(name="Gone", active=False)
    make_user(role="service_manager", name="Boss")
    card = make_card(zed, MONDAY, "submitted")
    make_card(amy, MONDAY + timedelta(days=7), "submitted")  # another week's
    rows = approvals.week_cards(MONDAY)
    assert [(row.tech.name, row.card) for row in rows] == [("Amy", None), ("Zed", card)]


def test_queue_lists_cards_and_time_off_oldest_first_and_counts_them():
    tech = make_user()
    newer = make_card(tech, MONDAY, "submitted")
    older = make_card(make_user(), MONDAY, "submitted")
    older.submitted_at = newer.submitted_at - timedelta(hours=3)
    request = make_time_off(tech, date(2026, 12, 7), date(2026, 12, 8), status="pending")
    request.created_at = newer.submitted_at - timedelta(hours=1)
    queue = approvals.approval_queue(AFTER_THE_WEEK)
    assert [e.card.card if e.card else e.time_off for e in queue] == [older, request, newer]
    assert approvals.pending_count() == 3


def test_approved_time_off_names_the_schedule_items_to_move():
    manager = make_user(role="service_manager")
    tech = make_user()
    clash = make_schedule_item(tech, at_local(date(2026, 12, 8), 13))
    make_schedule_item(tech, at_local(date(2026, 12, 8), 9))  # morning, before the half day
    request = make_time_off(tech, date(2026, 12, 8), date(2026, 12, 9), status="pending")
    request.starts_midday = True
    assert approvals.decide_time_off(manager, request, True, "Enjoy", expected_version=1) == [clash]
    assert request.status == "approved" and request.decision_note == "Enjoy"
    with pytest.raises(approvals.AlreadyDecided):
        approvals.decide_time_off(manager, request, False, "", expected_version=1)
    assert db.session.scalar(select(ScheduleItem.id).where(ScheduleItem.id == clash.id))
