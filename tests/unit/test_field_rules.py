"""Schedule acknowledgements, check-ins, time off and Monday agenda notes."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from mspboard.models import AuditEvent, ShopSettings, db
from mspboard.services import checkins, time_off
from mspboard.services import schedule_acknowledgements as acks
from mspboard.services.errors import RuleViolation
from mspboard.services.meetings import notes as agenda
from tests.factories import make_user
from tests.field_factories import make_schedule_item, make_time_off
from tests.shop_time import at_local

WEEK = date(2026, 11, 23)


def now() -> datetime:
    """A Wednesday, 14:00 on the shop's clocks."""
    return at_local(date(2026, 11, 25), 14)


def test_acknowledging_records_the_phone_moment_and_what_was_seen():
    tech = make_user()
    item = make_schedule_item(tech, now() + timedelta(days=1))
    tapped = now() - timedelta(minutes=30)
    acks.acknowledge(tech, item.id, item.version, at=tapped, now=now())
    assert item.is_acknowledged and item.acknowledged_at == tapped
    assert item.acknowledged_snapshot["title"] == "Server patching"


def test_acknowledging_tells_the_managers_planner_once_it_is_saved():
    from mspboard import events

    tech = make_user()
    item = make_schedule_item(tech, now() + timedelta(days=1))
    with events.subscribe([events.SCHEDULE]) as planner:
        acks.acknowledge(tech, item.id, item.version, at=now(), now=now())
        assert planner.drain() == set()
        db.session.commit()
        assert planner.drain() == {events.SCHEDULE}


def test_a_change_after_acknowledging_asks_again_and_says_what_changed():
    tech = make_user()
    item = make_schedule_item(tech, now() + timedelta(days=1))
    acks.acknowledge(tech, item.id, 1, at=now(), now=now())
    item.starts_at += timedelta(hours=2)
    item.ends_at += timedelta(hours=2)
    item.out_of_town = True
    item.version += 1
    db.session.flush()
    assert item.changed_since_acknowledged
    assert acks.what_changed(item) == [
        "Start was Thu 26 Nov 14:00.",
        "End was Thu 26 Nov 16:00.",
        "Now out of town.",
    ]


def test_acknowledging_a_version_the_manager_replaced_is_refused():
    tech = make_user()
    item = make_schedule_item(tech, now() + timedelta(days=1))
    item.version = 2
    with pytest.raises(RuleViolation, match="changed after you saw it"):
        acks.acknowledge(tech, item.id, 1, at=now(), now=now())


def test_cannot_acknowledge_someone_elses_or_unpublished_items():
    tech = make_user()
    theirs = make_schedule_item(make_user(), now())
    draft = make_schedule_item(tech, now(), published=False)
    for item in (theirs, draft):
        with pytest.raises(RuleViolation, match="no longer on your schedule"):
            acks.acknowledge(tech, item.id, 1, at=now(), now=now())


def test_acknowledge_all_takes_what_was_seen_and_reports_the_rest():
    tech = make_user()
    items = [make_schedule_item(tech, now() + timedelta(days=d)) for d in (1, 2, 3)]
    items[2].version = 2
    done, skipped = acks.acknowledge_all(tech, {i.id: 1 for i in items}, at=now(), now=now())
    assert done == items[:2] and len(skipped) == 1 and "changed" in skipped[0]


def test_schedule_week_shows_published_items_by_day_and_approved_time_off():
    tech = make_user()
    thursday = make_schedule_item(tech, at_local(date(2026, 11, 26), 9))
    make_schedule_item(tech, at_local(date(2026, 11, 26), 13), published=False)
    make_time_off(tech, date(2026, 11, 27), date(2026, 11, 30))
    make_time_off(tech, date(2026, 11, 24), date(2026, 11, 24), status="pending")
    week = acks.schedule_week(tech, WEEK)
    assert week.days[3].items == [thursday]
    assert [bool(d.time_off) for d in week.days] == [False] * 4 + [True] * 3
    assert week.waiting == [thursday]


def test_checkin_for_the_phone_day_with_urgent_issues():
    tech = make_user()
    checkin = checkins.submit_checkin(
        tech,
        how_it_went="Fine",
        plan_for_tomorrow="Finish the migration",
        issues=[checkins.IssueNote("Backup failing at Acme", urgent=True), checkins.IssueNote(" ")],
        at=now(),
    )
    assert checkin.day == date(2026, 11, 25)
    assert [(i.text, i.urgent) for i in checkin.issues] == [("Backup failing at Acme", True)]


def test_checking_in_again_the_same_day_updates_and_keeps_handled_issues():
    tech = make_user()
    first = checkins.submit_checkin(
        tech, how_it_went="Ok", plan_for_tomorrow="", issues=[checkins.IssueNote("A")], at=now()
    )
    first.issues[0].handled_at = now()
    second = checkins.submit_checkin(
        tech, how_it_went="Better", plan_for_tomorrow="", issues=[checkins.IssueNote("B")], at=now()
    )
    assert second.id == first.id and [i.text for i in second.issues] == ["A", "B"]


def test_a_later_checkin_adds_its_words_once_even_when_they_echo_the_first():
    tech = make_user()
    checkins.submit_checkin(
        tech, how_it_went="All good at Acme", plan_for_tomorrow="", issues=[], at=now()
    )
    for words in ("good", "good", "All good at Acme"):
        checkin = checkins.submit_checkin(
            tech, how_it_went=words, plan_for_tomorrow="", issues=[], at=now()
        )
    assert checkin.how_it_went == "All good at Acme\n\ngood"


def test_checkin_needs_how_the_day_went():
    with pytest.raises(RuleViolation) as refusal:
        checkins.submit_checkin(
            make_user(), how_it_went=" ", plan_for_tomorrow="", issues=[], at=now()
        )
    assert refusal.value.field == "how_it_went"


def _ask(tech, start, end, **kw):
    fields = time_off.TimeOffFields(start, end, **kw)
    return time_off.request_time_off(tech, fields, at=now(), now=now())


def test_time_off_with_half_days_is_pending():
    request = _ask(
        make_user(),
        date(2026, 12, 1),
        date(2026, 12, 3),
        starts_midday=True,
        ends_midday=True,
        note="Family",
    )
    assert request.status == "pending" and request.starts_midday and request.ends_midday


def test_asking_for_time_off_is_audited_under_the_tech_who_asked():
    tech = make_user(name="Tom Reyes")
    request = _ask(tech, date(2026, 12, 1), date(2026, 12, 2), note="Family")
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "time_off.requested")
    ).one()
    assert (event.actor_id, event.entity_type, event.entity_id) == (
        tech.id,
        "time_off_requests",
        request.id,
    )
    assert event.after == {
        "start_date": "2026-12-01",
        "end_date": "2026-12-02",
        "starts_midday": False,
        "ends_midday": False,
        "kind": "vacation",
        "note": "Family",
    }


def test_time_off_refuses_backwards_empty_past_and_overlapping_requests():
    tech = make_user()
    with pytest.raises(RuleViolation, match="on or after"):
        _ask(tech, date(2026, 12, 3), date(2026, 12, 1))
    with pytest.raises(RuleViolation, match="no time off"):
        _ask(tech, date(2026, 12, 3), date(2026, 12, 3), starts_midday=True, ends_midday=True)
    with pytest.raises(RuleViolation, match="today or later"):
        _ask(tech, date(2026, 11, 24), date(2026, 11, 24))
    _ask(tech, date(2026, 12, 1), date(2026, 12, 3))
    with pytest.raises(RuleViolation, match="already asked"):
        _ask(tech, date(2026, 12, 3), date(2026, 12, 4))


def test_agenda_note_lands_on_the_next_monday_meeting():
    tech = make_user()
    assert agenda.add_note(tech, "New backup vendor?", at=now()).meeting_on == date(2026, 11, 30)
    monday_morning = at_local(date(2026, 11, 30), 8)
    assert agenda.next_meeting(monday_morning) == date(2026, 11, 30)
    assert agenda.next_meeting(monday_morning.replace(hour=13)) == date(2026, 12, 7)


def test_agenda_meeting_follows_the_shop_zone():
    db.session.add(ShopSettings(id=1, timezone="Pacific/Auckland"))
    db.session.flush()
    sunday_evening_utc = datetime(2026, 11, 29, 20, tzinfo=UTC)  # Monday 09:00 in Auckland
    assert agenda.next_meeting(sunday_evening_utc) == date(2026, 11, 30)


def test_agenda_note_needs_text():
    with pytest.raises(RuleViolation, match="Write the note"):
        agenda.add_note(make_user(), "  ", at=now())
