"""How times of day and ages read: on the shop's 12- or 24-hour clock, and in units no one
takes for another ("2 min", never "2 m")."""

from datetime import UTC, datetime, time, timedelta

import pytest

from mspboard.models import db
from mspboard.services.durations import age, spent
from mspboard.services.local_time import clock_format, clock_text, wall_label
from mspboard.services.shop_settings import current_settings
from mspboard.templating import hhmm


@pytest.fixture
def shop_zone_name():
    return "UTC"  # the wall times below are the instants' own


def on_clock(hours: int) -> None:
    settings = current_settings()
    settings.clock_hours = hours
    db.session.add(settings)
    db.session.flush()


@pytest.mark.parametrize(
    ("wall", "twelve", "twenty_four"),
    [
        (time(0, 0), "12:00 AM", "00:00"),
        (time(0, 5), "12:05 AM", "00:05"),
        (time(6, 43), "6:43 AM", "06:43"),
        (time(11, 59), "11:59 AM", "11:59"),
        (time(12, 0), "12:00 PM", "12:00"),
        (time(12, 30), "12:30 PM", "12:30"),
        (time(18, 43), "6:43 PM", "18:43"),
        (time(23, 59), "11:59 PM", "23:59"),
    ],
)
def test_a_time_of_day_reads_on_the_shops_clock(wall, twelve, twenty_four):
    on_clock(12)
    assert clock_text(wall) == twelve
    assert hhmm(wall) == twelve
    on_clock(24)
    assert clock_text(wall) == twenty_four
    assert hhmm(wall) == twenty_four


def test_every_time_of_day_in_a_format_goes_through_the_clock():
    moment = datetime(2026, 3, 2, 18, 43, tzinfo=UTC)
    on_clock(12)
    assert wall_label(moment) == "6:43 PM"
    assert wall_label(moment, "%a %d %b %H:%M") == "Mon 02 Mar 6:43 PM"
    assert wall_label(moment, "%H:%M on %a %d %b") == "6:43 PM on Mon 02 Mar"
    assert clock_format(moment, "%d %b") == "02 Mar"
    on_clock(24)
    assert wall_label(moment, "%a %d %b at %H:%M") == "Mon 02 Mar at 18:43"


def test_the_setting_is_read_unless_the_caller_names_the_clock():
    on_clock(24)
    assert clock_text(time(18, 43), hours=12) == "6:43 PM"


@pytest.mark.parametrize(
    ("elapsed", "shown"),
    [
        (timedelta(seconds=-30), "0 min"),
        (timedelta(seconds=59), "0 min"),
        (timedelta(minutes=1), "1 min"),
        (timedelta(minutes=59, seconds=59), "59 min"),
        (timedelta(minutes=60), "1 h"),
        (timedelta(hours=23, minutes=59), "23 h"),
        (timedelta(hours=24), "1 d"),
        (timedelta(days=6, hours=23, minutes=59), "6 d"),
        (timedelta(days=7), "1 wk"),
        (timedelta(days=13), "1 wk"),
        (timedelta(days=14), "2 wk"),
        (timedelta(days=35), "5 wk"),
        (timedelta(days=400), "57 wk"),
    ],
)
def test_an_age_reads_in_its_largest_whole_unit(elapsed, shown):
    assert age(elapsed) == shown


@pytest.mark.parametrize(
    ("elapsed", "shown"),
    [
        (timedelta(seconds=59), "0 min"),
        (timedelta(minutes=59), "59 min"),
        (timedelta(minutes=60), "1 h 00 min"),
        (timedelta(hours=3, minutes=5), "3 h 05 min"),
        (timedelta(hours=26), "26 h 00 min"),
    ],
)
def test_time_spent_reads_in_hours_and_minutes(elapsed, shown):
    assert spent(elapsed) == shown
