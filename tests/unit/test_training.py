"""Training events: the Final Friday arithmetic, the prompt to plan one, and an event's
attendees' schedule items and logged time."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mspboard.models import AuditEvent, ScheduleItem, TimeEntry, TrainingKind, db
from mspboard.services import invoicing, planner, time_entries
from mspboard.services import schedule_acknowledgements as acks
from mspboard.services.calendar_feeds import feed_ics, turn_on
from mspboard.services.edits import EditConflict
from mspboard.services.errors import RuleViolation
from mspboard.services.people import training
from mspboard.services.people.training import TrainingFields
from tests.factories import make_client, make_user
from tests.field_factories import make_card, make_schedule_item, new_uuid
from tests.shop_time import at_local

# ---- the calendar ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "friday"),
    [
        (2026, 7, date(2026, 7, 31)),  # the month ends on a Friday
        (2026, 4, date(2026, 4, 24)),  # ends on a Thursday: the Friday a week before
        (2026, 12, date(2026, 12, 25)),  # December (ends on a Thursday)
        (2027, 12, date(2027, 12, 31)),  # December ending on a Friday
        (2026, 11, date(2026, 11, 27)),  # ends on a Monday
    ],
)
def test_final_friday_is_the_last_friday_of_the_month(year, month, friday):
    assert training.final_friday(year, month) == friday
    assert friday.weekday() == 4


def test_planning_opens_fourteen_days_before_the_months_last_day():
    assert training.planning_opens(2026, 12) == date(2026, 12, 17)
    assert training.planning_opens(2027, 2) == date(2027, 2, 14)


def test_next_final_friday_is_this_months_until_it_is_past():
    assert training.next_final_friday(date(2026, 12, 25)) == date(2026, 12, 25)
    assert training.next_final_friday(date(2026, 12, 26)) == date(2027, 1, 29)


# ---- the prompt on /manage/today ------------------------------------------------------------


def _fields(day: date, attendees, kind=TrainingKind.FINAL_FRIDAY, **changes) -> TrainingFields:
    values = {
        "kind": kind,
        "title": "Final Friday Training",
        "starts_at": at_local(day, 15),
        "ends_at": at_local(day, 17),
        "attendee_ids": [tech.id for tech in attendees],
        "place_or_link": "Back office",
        "materials": "Bring a laptop.",
    }
    return TrainingFields(**{**values, **changes})


def test_prompt_shows_from_the_first_minute_of_the_last_two_weeks(stopped):
    stopped.move_to(at_local(date(2026, 12, 10), 12))
    assert training.plan_prompt(at_local(date(2026, 12, 16), 23, 59)) is None
    assert training.plan_prompt(at_local(date(2026, 12, 17), 0, 0)) == date(2026, 12, 25)
    assert training.plan_prompt(at_local(date(2026, 12, 31), 23, 59)) == date(2027, 1, 29)
    assert training.plan_prompt(at_local(date(2027, 1, 1), 0, 0)) is None


def test_prompt_goes_once_the_final_friday_is_planned_and_comes_back_when_cancelled(stopped):
    stopped.move_to(at_local(date(2026, 12, 18), 9))
    manager, tech = make_user(role="service_manager"), make_user()
    friday = date(2026, 12, 25)
    short = training.create_event(
        manager, _fields(friday, [tech], TrainingKind.SHORT_NOTICE, title="Firewalls")
    )
    assert training.plan_prompt() == friday  # short-notice training is not the Final Friday
    event = training.create_event(manager, _fields(friday, [tech]))
    assert training.plan_prompt() is None
    training.cancel_event(manager, event, expected_version=event.version)
    assert training.plan_prompt() == friday
    assert short.cancelled_at is None


def test_after_the_final_friday_the_prompt_asks_for_next_months(stopped):
    stopped.move_to(at_local(date(2026, 12, 28), 9))
    manager, tech = make_user(role="service_manager"), make_user()
    training.create_event(manager, _fields(date(2026, 12, 25), [tech]))
    assert training.plan_prompt() == date(2027, 1, 29)
    training.create_event(manager, _fields(date(2027, 1, 29), [tech]))
    assert training.plan_prompt() is None


def test_plan_final_friday_offers_the_first_one_not_yet_planned(stopped):
    stopped.move_to(at_local(date(2026, 12, 6), 9))
    manager, tech = make_user(role="service_manager"), make_user()
    assert training.first_unplanned_final_friday(date(2026, 12, 6)) == date(2026, 12, 25)
    short = training.create_event(
        manager, _fields(date(2026, 12, 25), [tech], TrainingKind.SHORT_NOTICE, title="Wi-Fi")
    )
    assert training.first_unplanned_final_friday(date(2026, 12, 6)) == date(2026, 12, 25)
    december = training.create_event(manager, _fields(date(2026, 12, 25), [tech]))
    training.create_event(manager, _fields(date(2027, 1, 29), [tech]))
    assert training.first_unplanned_final_friday(date(2026, 12, 6)) == date(2027, 2, 26)
    training.cancel_event(manager, december, expected_version=december.version)
    assert training.first_unplanned_final_friday(date(2026, 12, 6)) == date(2026, 12, 25)
    assert short.cancelled_at is None


# ---- events on the schedule -----------------------------------------------------------------


def test_a_final_friday_training_is_only_on_the_last_friday(stopped):
    stopped.move_to(at_local(date(2026, 12, 10), 9))
    manager, tech = make_user(role="service_manager"), make_user()
    with pytest.raises(RuleViolation) as refused:
        training.create_event(manager, _fields(date(2026, 12, 18), [tech]))
    assert refused.value.field == "day" and "Fri 25 Dec" in refused.value.message
    training.create_event(manager, _fields(date(2026, 12, 18), [tech], TrainingKind.SHORT_NOTICE))


def test_creating_a_training_blocks_each_attendees_planner_and_asks_them(stopped):
    stopped.move_to(at_local(date(2026, 12, 16), 9))
    manager = make_user(role="service_manager")
    ann, bob, cy = make_user(name="Ann"), make_user(name="Bob"), make_user(name="Cy")
    friday = date(2026, 12, 25)
    make_schedule_item(bob, at_local(friday, 16), hours=2, title="Server patching")
    event = training.create_event(manager, _fields(friday, [ann, bob]))

    week = planner.planner_week(friday - timedelta(days=4))
    ann_cell, bob_cell = week.cell(ann.id, friday), week.cell(bob.id, friday)
    assert ann_cell.booked == 2.0 and week.cell(cy.id, friday).booked == 0.0
    [item] = ann_cell.items
    assert item.training_event_id == event.id and item.is_published
    assert "Overlaps “Final Friday Training”" in bob_cell.clashes[bob_cell.items[1].id]
    assert [i.title for i in acks.schedule_week(ann, friday - timedelta(days=4)).waiting] == [
        "Final Friday Training"
    ]
    with pytest.raises(RuleViolation, match="Training page"):
        planner.delete_item(manager, item, expected_version=item.edit_version)


def test_moving_a_training_asks_each_attendee_to_acknowledge_again(stopped):
    stopped.move_to(at_local(date(2026, 12, 16), 9))
    manager, tech = make_user(role="service_manager"), make_user()
    friday = date(2026, 12, 25)
    event = training.create_event(manager, _fields(friday, [tech]))
    [item] = training.items_of(event)
    acks.acknowledge(tech, item.id, item.version, at=at_local(date(2026, 12, 16), 9))

    moved = _fields(friday, [tech], starts_at=at_local(friday, 14), place_or_link="Zoom room 2")
    assert training.update_event(manager, event, moved, expected_version=event.version)
    assert item.version == 2 and not item.is_acknowledged
    assert item.starts_at == at_local(friday, 14)
    changes = acks.what_changed(item)
    assert "Start was Fri 25 Dec 15:00." in changes
    assert "The place was “Back office”." in changes


def test_saving_a_training_unchanged_writes_nothing(stopped):
    stopped.move_to(at_local(date(2026, 12, 16), 9))
    manager, tech = make_user(role="service_manager"), make_user()
    event = training.create_event(manager, _fields(date(2026, 12, 25), [tech]))
    audits = db.session.scalar(select(func.count(AuditEvent.id)))
    same = _fields(date(2026, 12, 25), [tech])
    assert not training.update_event(manager, event, same, expected_version=event.version)
    assert event.version == 1
    assert db.session.scalar(select(func.count(AuditEvent.id))) == audits


def test_a_stale_training_form_is_refused(stopped):
    stopped.move_to(at_local(date(2026, 12, 16), 9))
    manager, tech = make_user(role="service_manager"), make_user()
    event = training.create_event(manager, _fields(date(2026, 12, 25), [tech]))
    retitled = _fields(date(2026, 12, 25), [tech], title="Backups deep dive")
    training.update_event(manager, event, retitled, expected_version=1)
    with pytest.raises(EditConflict):
        training.update_event(
            manager, event, _fields(date(2026, 12, 25), [tech]), expected_version=1
        )


def test_changing_attendees_adds_and_removes_their_items(stopped):
    stopped.move_to(at_local(date(2026, 12, 16), 9))
    manager, ann, bob = make_user(role="service_manager"), make_user(), make_user()
    event = training.create_event(manager, _fields(date(2026, 12, 25), [ann]))
    training.update_event(
        manager, event, _fields(date(2026, 12, 25), [bob]), expected_version=event.version
    )
    assert [item.tech_id for item in training.items_of(event)] == [bob.id]
    assert event.version == 2
    with pytest.raises(RuleViolation, match="Pick who attends"):
        training.update_event(
            manager, event, _fields(date(2026, 12, 25), []), expected_version=event.version
        )


def test_cancelling_takes_it_off_every_schedule(stopped):
    stopped.move_to(at_local(date(2026, 12, 16), 9))
    manager, ann, bob = make_user(role="service_manager"), make_user(), make_user()
    event = training.create_event(manager, _fields(date(2026, 12, 25), [ann, bob]))
    training.cancel_event(manager, event, expected_version=event.version)
    assert event.is_cancelled
    assert db.session.scalar(select(func.count(ScheduleItem.id))) == 0
    listing = training.training_list()
    assert listing.upcoming == [] and [row.event for row in listing.cancelled] == [event]


def test_the_calendar_feed_carries_the_training_and_where_it_is(stopped):
    stopped.move_to(at_local(date(2026, 12, 16), 9))
    manager, tech = make_user(role="service_manager"), make_user()
    training.create_event(
        manager, _fields(date(2026, 12, 25), [tech], place_or_link="https://meet.example/ff")
    )
    ics = feed_ics(turn_on(tech).feed).decode()
    assert "SUMMARY:Final Friday Training" in ics
    assert "LOCATION:https://meet.example/ff" in ics
    assert "Materials: Bring a laptop." in ics


# ---- time logged against training -----------------------------------------------------------


def _entry(day: date, training_id=None, **changes) -> time_entries.EntryFields:
    values = {
        "started_at": at_local(day, 15),
        "ended_at": at_local(day, 17),
        "training_id": training_id,
    }
    return time_entries.EntryFields(**{**values, **changes})


def test_training_time_has_no_client_and_is_never_billed(stopped):
    stopped.move_to(at_local(date(2026, 12, 26), 9))
    manager, tech = make_user(role="service_manager"), make_user()
    friday = date(2026, 12, 25)
    event = training.create_event(manager, _fields(friday, [tech]), now=at_local(friday, 8))
    entry = time_entries.add_entry(
        tech, _entry(friday, event.id, billable=True), uuid=new_uuid(), at=at_local(friday, 17)
    )
    assert entry.client_id is None and entry.billable is False
    assert entry.work_label == "Training: Final Friday Training"
    make_card(tech, friday - timedelta(days=4), "approved")
    assert invoicing.regenerate(friday - timedelta(days=4)) == []
    assert training.training_list().logged_minutes == {event.id: 120}


def test_only_attendees_log_time_against_a_training(stopped):
    stopped.move_to(at_local(date(2026, 12, 26), 9))
    manager, ann, bob = make_user(role="service_manager"), make_user(), make_user()
    friday = date(2026, 12, 25)
    event = training.create_event(manager, _fields(friday, [ann]), now=at_local(friday, 8))
    with pytest.raises(RuleViolation, match="not on the list") as refused:
        time_entries.add_entry(
            bob, _entry(friday, event.id), uuid=new_uuid(), at=at_local(friday, 17)
        )
    assert refused.value.field == "training_id"
    client = make_client()
    with pytest.raises(RuleViolation, match="on its own"):
        time_entries.add_entry(
            ann,
            _entry(friday, event.id, client_id=client.id),
            uuid=new_uuid(),
            at=at_local(friday, 17),
        )
    assert [e.id for e in training.loggable_for(ann)] == [event.id]
    assert training.loggable_for(bob) == []


def test_the_database_refuses_billable_training_time_and_time_with_no_client(stopped):
    stopped.move_to(at_local(date(2026, 12, 26), 9))
    manager, tech = make_user(role="service_manager"), make_user()
    friday = date(2026, 12, 25)
    event = training.create_event(manager, _fields(friday, [tech]), now=at_local(friday, 8))
    db.session.commit()
    for values in ({"training_event_id": event.id, "billable": True}, {"billable": False}):
        db.session.add(
            TimeEntry(
                uuid=new_uuid(),
                tech_id=tech.id,
                started_at=at_local(friday, 15),
                ended_at=at_local(friday, 16),
                **values,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
