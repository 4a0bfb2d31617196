"""The duty lists' rules: periods in the shop's zone, ticks once per person and period, the
desk's shared ticks, the quarterly review's boundary day, and the admin's edits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select

from mspboard.models import AuditEvent, Duty, DutyListReview, DutyTick, db, utcnow
from mspboard.services.edits import EditConflict
from mspboard.services.errors import RuleViolation
from mspboard.services.people import duties
from tests.factories import make_user
from tests.shop_time import at_local, today_local


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def one(role: str, cadence: str) -> Duty:
    return db.session.scalars(
        select(Duty).where(Duty.role == role, Duty.cadence == cadence).order_by(Duty.position)
    ).first()


@pytest.fixture
def lists():
    duties.load_standard_duties(None)


@pytest.mark.parametrize(
    ("cadence", "day", "start"),
    [
        ("daily", date(2026, 11, 29), date(2026, 11, 29)),
        ("weekly", date(2026, 11, 29), date(2026, 11, 23)),  # a Sunday: the week began Monday
        ("weekly", date(2026, 11, 30), date(2026, 11, 30)),
        ("monthly", date(2026, 11, 30), date(2026, 11, 1)),
        ("quarterly", date(2026, 9, 30), date(2026, 7, 1)),
        ("quarterly", date(2026, 10, 1), date(2026, 10, 1)),
        ("yearly", date(2026, 12, 31), date(2026, 1, 1)),
    ],
)
def test_each_cadence_has_its_period_start(cadence, day, start):
    assert duties.period_start(cadence, day) == start


def test_a_weekly_tick_at_sunday_2359_counts_for_that_week_and_one_at_0000_for_the_next(
    lists, stopped
):
    tech = make_user()
    weekly = one("technician", "weekly")
    sunday = date(2026, 11, 29)
    stopped.move_to(at_local(sunday + timedelta(days=1), 9))
    late = duties.tick(tech, weekly, True, at_local(sunday, 23, 59))
    early = duties.tick(tech, weekly, True, at_local(sunday + timedelta(days=1), 0, 0))
    assert late.period_start == date(2026, 11, 23)
    assert early.period_start == date(2026, 11, 30)
    assert count(DutyTick) == 2


def test_a_daily_duty_is_ticked_once_a_day_and_unticked_writes_nothing_when_not_ticked(lists):
    tech = make_user()
    daily = one("technician", "daily")
    now = utcnow()
    first = duties.tick(tech, daily, True, now)
    again = duties.tick(tech, daily, True, now + timedelta(seconds=1))
    assert again is first and count(DutyTick) == 1
    assert duties.tick(tech, daily, False, now) is None
    assert count(DutyTick) == 0
    assert duties.tick(tech, daily, False, now) is None
    assert count(DutyTick) == 0


def test_techs_tick_their_own_duties_but_the_desks_are_shared(lists):
    ann, bob = make_user(), make_user()
    mona, max_ = make_user(role="service_manager"), make_user(role="admin")
    now = utcnow()
    duties.tick(ann, one("technician", "daily"), True, now)
    assert [row.done for row in duties.checklist(bob, [duties.DutyCadence.DAILY], now)] == [
        False,
        False,
        False,
    ]
    desk = one("service_manager", "daily")
    duties.tick(mona, desk, True, now)
    seen_by_max = duties.checklist(max_, duties.TODAY_AND_THIS_WEEK, now)[0]
    assert seen_by_max.duty == desk and seen_by_max.tick.user == mona


def test_a_tech_cannot_tick_the_desks_duty_nor_a_retired_one(lists):
    tech, admin = make_user(), make_user(role="admin")
    with pytest.raises(RuleViolation, match="service manager's list"):
        duties.tick(tech, one("service_manager", "daily"), True, utcnow())
    daily = one("technician", "daily")
    duties.set_retired(admin, daily, True, daily.version)
    with pytest.raises(RuleViolation, match="taken off the list"):
        duties.tick(tech, daily, True, utcnow())
    assert count(DutyTick) == 0


def test_the_checklist_shows_todays_daily_and_this_weeks_weekly_duties_in_order(lists):
    tech = make_user()
    rows = duties.checklist(tech, duties.TODAY_AND_THIS_WEEK)
    assert [row.duty.cadence for row in rows] == ["daily"] * 3 + ["weekly"] * 5
    assert rows[0].period_start == today_local()
    assert rows[3].period_start == today_local() - timedelta(days=today_local().weekday())


@pytest.mark.parametrize(("days_ago", "due"), [(0, False), (92, False), (93, True)])
def test_the_review_is_due_from_the_93rd_day(stopped, days_ago, due):
    admin = make_user(role="admin")
    today = date(2026, 11, 30)
    stopped.move_to(at_local(today, 9))
    db.session.add(
        DutyListReview(
            reviewed_by_id=admin.id, reviewed_at=at_local(today - timedelta(days=days_ago), 23, 59)
        )
    )
    state = duties.review_state()
    assert (state.due, state.days) == (due, days_ago)


def test_never_reviewed_is_due_and_marking_reviewed_is_audited():
    admin = make_user(role="admin")
    assert duties.review_state().due
    duties.mark_reviewed(admin)
    state = duties.review_state()
    assert not state.due and state.reviewed_on == today_local()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "duty_lists.reviewed")
    ).one()
    assert event.actor == admin and event.before == {"last_reviewed": None}


def test_standard_duties_load_once_and_every_page_they_name_exists(app, lists):
    assert count(Duty) == len(duties.STANDARD_DUTIES)
    assert duties.load_standard_duties(None) == 0
    assert count(Duty) == len(duties.STANDARD_DUTIES)
    assert set(duties.pages()) == set(duties.PAGES)
    with app.test_request_context():
        for endpoint in duties.PAGES:
            assert url_for(endpoint).startswith("/")
    linked = {d.link for d in db.session.scalars(select(Duty))} - {""}
    assert linked <= set(duties.PAGES)


def test_a_duty_links_only_to_a_known_page(lists):
    admin = make_user(role="admin")
    bad = duties.DutyValues("Read the mail", "daily", "https://example.test/")
    with pytest.raises(RuleViolation) as refused:
        duties.add_duty(admin, "technician", bad)
    assert refused.value.field == "link"
    with pytest.raises(RuleViolation) as refused:
        duties.add_duty(admin, "owner", duties.DutyValues("x", "daily", ""))
    assert refused.value.field == "role"
    added = duties.add_duty(admin, "technician", duties.DutyValues(" Read the mail ", "daily", ""))
    assert (added.title, added.position) == ("Read the mail", 9)


def test_an_edit_from_an_old_form_is_refused_and_an_unchanged_save_writes_nothing(lists):
    admin = make_user(role="admin")
    duty = one("technician", "daily")
    same = duties.DutyValues(duty.title, duty.cadence, duty.link)
    before = count(AuditEvent)
    assert duties.edit_duty(admin, duty, same, 1) == {}
    assert (duty.version, count(AuditEvent)) == (1, before)
    duties.edit_duty(admin, duty, duties.DutyValues("Work the queue", "daily", duty.link), 1)
    db.session.flush()
    assert duty.version == 2
    with pytest.raises(EditConflict):
        duties.edit_duty(admin, duty, same, 1)


def test_moving_a_duty_swaps_it_with_its_neighbour_and_keeps_versions(lists):
    admin = make_user(role="admin")
    first, second = duties.list_of("technician")[:2]
    assert duties.move_duty(admin, second, -1)
    assert duties.list_of("technician")[:2] == [second, first]
    assert (first.version, second.version) == (1, 1)
    assert not duties.move_duty(admin, second, -1)  # already first


def test_the_audit_trail_names_the_duty_and_the_lists():
    from mspboard.services.audit_trail import sentence

    admin = make_user(role="admin", name="Sam Admin")
    duties.load_standard_duties(admin)
    duty = duties.add_duty(admin, "technician", duties.DutyValues("Read the mail", "daily", ""))
    duties.mark_reviewed(admin)
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    said = [sentence(event, {}) for event in events if event.entity_type != "users"]
    assert said == [
        "Sam Admin loaded the standard duties",
        "Sam Admin added the duty “Read the mail”",
        "Sam Admin marked reviewed the duty lists",
    ]
    assert duty.version == 1


def test_the_seed_command_loads_the_standard_duties_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["duties", "seed"])
    assert first.exit_code == 0 and f"Loaded {len(duties.STANDARD_DUTIES)}" in first.output
    again = runner.invoke(args=["duties", "seed"])
    assert again.exit_code == 0 and "already has duties" in again.output
    db.session.expire_all()
    assert count(Duty) == len(duties.STANDARD_DUTIES)
