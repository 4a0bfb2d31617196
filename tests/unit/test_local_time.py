"""The shop's wall clock across daylight-saving changes (America/New_York: the clocks go
back at 02:00 on Sun 1 Nov 2026 and forward at 02:00 on Sun 8 Mar 2026)."""

from datetime import date, time, timedelta

import pytest

from mspboard.services import local_time as lt
from mspboard.services import time_entries as te
from mspboard.services.errors import RuleViolation

BACK = date(2026, 11, 1)
FORWARD = date(2026, 3, 8)


@pytest.fixture
def shop_zone_name():
    return "America/New_York"  # these tests are about this zone's clock changes


def test_a_duration_is_real_elapsed_time_across_the_clocks_going_back():
    started, ended = te.entry_times(BACK, time(0, 30), duration=timedelta(minutes=240))
    assert ended - started == timedelta(hours=4)
    assert (lt.wall_label(started), lt.wall_label(ended)) == ("00:30", "03:30")


def test_a_duration_is_real_elapsed_time_across_the_clocks_going_forward():
    started, ended = te.entry_times(FORWARD, time(1, 0), duration=timedelta(minutes=120))
    assert ended - started == timedelta(hours=2)
    assert lt.wall_label(ended) == "04:00"


def test_start_and_end_times_span_the_hours_that_really_passed():
    started, ended = te.entry_times(BACK, time(0, 30), end=time(3, 30))
    assert ended - started == timedelta(hours=4)


def test_a_time_that_does_not_exist_is_refused_with_a_suggestion():
    with pytest.raises(RuleViolation) as refused:
        te.entry_times(FORWARD, time(2, 30), end=time(4, 0))
    assert refused.value.field == "start"
    assert refused.value.message == (
        "02:30 does not exist on Sun 08 Mar: the clocks jump forward that night. "
        "Did you mean 03:30?"
    )


def test_a_repeated_time_must_say_which_and_is_shown_with_its_offset():
    with pytest.raises(lt.AmbiguousLocalTime) as refused:
        te.entry_times(BACK, time(1, 45), end=time(2, 30))
    assert refused.value.field == "start"
    assert refused.value.choices == [
        ("0", "01:45 EDT, the first time"),
        ("1", "01:45 EST, an hour later"),
    ]
    first, _ = te.entry_times(BACK, time(1, 45), end=time(2, 30), start_fold=0)
    second, _ = te.entry_times(BACK, time(1, 45), end=time(2, 30), start_fold=1)
    assert second - first == timedelta(hours=1)
    assert (lt.wall_label(first), lt.wall_label(second)) == ("01:45 EDT", "01:45 EST")
    started, ended = te.entry_times(
        BACK, time(1, 45), end=time(1, 15), start_fold=0, end_fold=1
    )  # 01:45 EDT to 01:15 EST: half an hour
    assert ended - started == timedelta(minutes=30)


def test_shop_set_times_resolve_a_missing_hour_forward_and_never_refuse():
    assert lt.wall_label(lt.at_wall(FORWARD, time(2, 30))) == "03:30"
    assert lt.at_wall(BACK, time(1, 30)) + timedelta(hours=1) == lt.typed_instant(
        BACK, time(1, 30), "start", fold=1
    )


def test_half_day_time_off_starts_at_midday_on_the_clocks_even_the_night_they_change():
    from mspboard.services import approvals
    from tests.factories import make_user
    from tests.field_factories import make_schedule_item, make_time_off
    from tests.shop_time import at_local

    tech = make_user()
    morning = make_schedule_item(tech, at_local(BACK, 11, 0), hours=1)  # 11:00 to 12:00
    afternoon = make_schedule_item(tech, at_local(BACK, 12, 0), hours=1)
    request = make_time_off(tech, BACK, BACK, status="pending")
    request.starts_midday = True
    assert approvals.schedule_clashes(request) == [afternoon]
    assert morning not in approvals.schedule_clashes(request)
