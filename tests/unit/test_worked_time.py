"""One rule for worked time: the time card and payroll agree to the minute, overlaps are
refused or paid once as the shop chooses, and the long-day flag starts past 10 hours."""

import csv
import io
from datetime import date, timedelta

import pytest

from mspboard.models import TimeEntry, db
from mspboard.services import card_review, exports
from mspboard.services import time_cards as tc
from mspboard.services import time_entries as te
from mspboard.services.errors import RuleViolation
from mspboard.services.shop_settings import current_settings
from mspboard.services.worked_time import Worked, whole_minutes, worked_in_day
from tests.factories import make_client, make_user
from tests.field_factories import make_card, make_entry, new_uuid
from tests.shop_time import at_local

WEEK = date(2026, 11, 16)  # a Monday
TUE = WEEK + timedelta(days=1)


def allow_overlaps(allowed: bool) -> None:
    settings = current_settings()  # the defaults, in the test's shop zone
    settings.allow_overlapping_entries = allowed
    db.session.add(settings)
    db.session.flush()


def payroll_rows(week=WEEK):
    return list(csv.DictReader(io.StringIO(exports.payroll_csv(week))))


@pytest.mark.parametrize(
    ("seconds", "minutes"), [(0, 0), (29, 0), (30, 1), (89, 1), (90, 2), (6179, 103)]
)
def test_whole_minutes_round_half_up(seconds, minutes):
    assert whole_minutes(timedelta(seconds=seconds)) == minutes


def test_the_time_card_and_payroll_count_the_same_minutes():
    tech = make_user()
    start = at_local(TUE, 9)
    entry = make_entry(tech, start, minutes=None)
    entry.ended_at = start + timedelta(minutes=102, seconds=59)  # 102.98 minutes
    make_entry(tech, at_local(TUE, 13), minutes=60, billable=False)
    make_card(tech, WEEK, "approved")
    view = tc.card_view(tech, WEEK, now=at_local(WEEK + timedelta(days=7), 9))
    assert view.days[1].total == timedelta(minutes=163)
    [row] = payroll_rows()
    assert (row["Minutes"], row["BillableMinutes"], row["NonBillableMinutes"]) == (
        "163",
        "103",
        "60",
    )
    assert row["Hours"] == "2.72"
    assert view.total == sum((d.total for d in view.days), timedelta())


def test_overlapping_entries_are_refused_unless_the_shop_allows_them(clock):
    clock.move_to(at_local(TUE, 12))
    tech = make_user()
    client = make_client()
    te.add_entry(
        tech,
        te.EntryFields(at_local(TUE, 9), at_local(TUE, 10), client_id=client.id),
        uuid=new_uuid(),
        at=at_local(TUE, 10),
    )
    overlapping = te.EntryFields(at_local(TUE, 9, 30), at_local(TUE, 11), client_id=client.id)
    with pytest.raises(RuleViolation) as refused:
        te.add_entry(tech, overlapping, uuid=new_uuid(), at=at_local(TUE, 11))
    assert refused.value.field == "start"
    assert "overlaps your entry on Tue 17 Nov from 09:00 to 10:00" in refused.value.message
    touching = te.EntryFields(at_local(TUE, 10), at_local(TUE, 11), client_id=client.id)
    te.add_entry(tech, touching, uuid=new_uuid(), at=at_local(TUE, 11))  # touching is fine

    allow_overlaps(True)
    te.add_entry(tech, overlapping, uuid=new_uuid(), at=at_local(TUE, 11))
    make_card(tech, WEEK, "approved")
    view = tc.card_view(tech, WEEK, now=at_local(WEEK + timedelta(days=7), 9))
    assert view.days[1].total == timedelta(hours=2)  # 09:00 to 11:00, the overlap once
    assert "Tue: 09:00 to 10:00 overlaps 09:30 to 11:00; the overlap counts once." in (
        view.warnings
    )
    assert payroll_rows()[0]["Minutes"] == "120"


def test_a_timer_cannot_start_inside_an_entry_already_logged(clock):
    clock.move_to(at_local(TUE, 12))
    tech = make_user()
    client = make_client()
    te.add_entry(
        tech,
        te.EntryFields(at_local(TUE, 9), at_local(TUE, 10), client_id=client.id),
        uuid=new_uuid(),
        at=at_local(TUE, 10),
    )
    with pytest.raises(RuleViolation, match="overlaps your entry"):
        te.start_timer(
            tech,
            uuid=new_uuid(),
            at=at_local(TUE, 9, 45),
            client_id=client.id,
            now=at_local(TUE, 12),
        )
    assert db.session.query(TimeEntry).filter(TimeEntry.ended_at.is_(None)).count() == 0


def test_an_edit_may_keep_its_own_times(clock):
    clock.move_to(at_local(TUE, 12))
    tech = make_user()
    client = make_client()
    fields = te.EntryFields(at_local(TUE, 9), at_local(TUE, 10), client_id=client.id)
    entry = te.add_entry(tech, fields, uuid=new_uuid(), at=at_local(TUE, 10))
    fields.notes = "Swapped the toner"
    te.update_entry(tech, entry, fields, now=at_local(TUE, 12))
    assert entry.notes == "Swapped the toner"


@pytest.mark.parametrize(("minutes", "flagged"), [(600, False), (601, True)])
def test_a_day_is_long_only_past_ten_hours(minutes, flagged):
    tech = make_user()
    make_entry(tech, at_local(TUE, 7), minutes=minutes)
    card = make_card(tech, WEEK, "submitted")
    view = tc.card_view(tech, WEEK, now=at_local(WEEK + timedelta(days=7), 9))
    assert ("Tue: over 10 hours logged." in view.warnings) is flagged
    review = card_review.review_card(card, at_local(WEEK + timedelta(days=7), 9))
    assert any(flag.kind == "long_day" for flag in review.flags) is flagged


def test_touching_entries_are_not_an_overlap():
    tech = make_user()
    make_entry(tech, at_local(TUE, 9), minutes=60)
    make_entry(tech, at_local(TUE, 10), minutes=60)
    card = make_card(tech, WEEK, "submitted")
    view = tc.card_view(tech, WEEK, now=at_local(WEEK + timedelta(days=7), 9))
    assert not [w for w in view.warnings if "overlaps" in w]
    review = card_review.review_card(card, at_local(WEEK + timedelta(days=7), 9))
    assert not [flag for flag in review.flags if flag.kind == "overlap"]


def test_an_entry_inside_a_long_one_is_found_even_when_not_next_to_it():
    tech = make_user()
    entries = [
        make_entry(tech, at_local(TUE, 8), minutes=240),
        make_entry(tech, at_local(TUE, 9), minutes=30),
        make_entry(tech, at_local(TUE, 10), minutes=30),
    ]
    assert worked_in_day(entries, at_local(TUE, 18)) == Worked(240, 240)
    view = tc.card_view(tech, WEEK, now=at_local(WEEK + timedelta(days=7), 9))
    assert len([w for w in view.warnings if "overlaps" in w]) == 2


def test_a_typed_time_right_after_a_timer_that_stopped_seconds_later_follows_it(clock):
    clock.move_to(at_local(TUE, 12))
    tech = make_user()
    client = make_client()
    timer = make_entry(tech, at_local(TUE, 8), minutes=None, client=client)
    timer.ended_at = at_local(TUE, 9) + timedelta(seconds=12)  # shown as 08:00 to 09:00
    follows = te.EntryFields(at_local(TUE, 9), at_local(TUE, 10), client_id=client.id)
    te.add_entry(tech, follows, uuid=new_uuid(), at=at_local(TUE, 10))
    view = tc.card_view(tech, WEEK, now=at_local(WEEK + timedelta(days=7), 9))
    assert not [w for w in view.warnings if "overlaps" in w]
    assert view.days[1].total == timedelta(hours=2)  # paid once: 08:00 to 10:00
    a_minute_in = te.EntryFields(at_local(TUE, 8, 59), at_local(TUE, 9, 30), client_id=client.id)
    with pytest.raises(RuleViolation, match="overlaps your entry"):
        te.add_entry(tech, a_minute_in, uuid=new_uuid(), at=at_local(TUE, 10))
