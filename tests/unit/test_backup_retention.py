"""Which backups retention keeps: the newest of each of the last N days (today included) and
the newest of each of the M ISO weeks before them, counted in UTC."""

from datetime import UTC, datetime, timedelta

import pytest

from mspboard.services.backups.retention import kept

# Explicit instants only: the rule never reads the clock.
pytestmark = pytest.mark.instant_free

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)  # Wednesday of ISO week 48


def at(day: int, hour: int = 2, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def test_the_newest_of_each_day_is_kept_and_the_rest_of_that_day_pruned():
    times = [at(25, 1), at(25, 2), at(24, 2), at(24, 23, 59, 59)]
    assert kept(times, NOW, daily=2, weekly=0) == {at(25, 2), at(24, 23, 59, 59)}


def test_one_day_means_today_only_from_its_first_second():
    midnight, just_before = at(25, 0), at(24, 23, 59, 59)
    assert kept([midnight, just_before], NOW, daily=1, weekly=0) == {midnight}


def test_the_daily_window_ends_exactly_n_days_back():
    first_kept, first_pruned = at(19, 0), at(18, 23, 59, 59)  # 7 days: 19th .. 25th
    assert kept([first_kept, first_pruned], NOW, daily=7, weekly=0) == {first_kept}


def test_the_weeks_before_the_daily_window_keep_their_newest():
    # daily=2 keeps the 24th and 25th; the week before them is ISO week 48 up to the 23rd
    # (Monday), then week 47 (16th .. 22nd), then week 46.
    monday_48, sunday_47, monday_47, sunday_46 = at(23), at(22), at(16), at(15)
    times = [monday_48, sunday_47, monday_47, sunday_46]
    assert kept(times, NOW, daily=2, weekly=1) == {monday_48}
    assert kept(times, NOW, daily=2, weekly=2) == {monday_48, sunday_47}
    assert kept(times, NOW, daily=2, weekly=3) == {monday_48, sunday_47, sunday_46}


def test_a_sunday_and_the_monday_after_it_are_in_different_weeks():
    sunday_late, monday_early = at(22, 23, 59, 59), at(23, 0)
    # daily=1 keeps only the 25th; week 48 (before the 25th) holds Monday, week 47 Sunday.
    assert kept([sunday_late, monday_early], NOW, daily=1, weekly=1) == {monday_early}
    assert kept([sunday_late, monday_early], NOW, daily=1, weekly=2) == {
        sunday_late,
        monday_early,
    }


def test_no_weeks_keeps_only_the_days():
    assert kept([at(1), at(10)], NOW, daily=7, weekly=0) == set()


def test_a_backup_dated_after_today_is_kept():
    tomorrow = NOW + timedelta(days=1)
    assert kept([tomorrow], NOW, daily=1, weekly=0) == {tomorrow}


def test_the_year_turning_counts_iso_weeks_not_calendar_years():
    now = datetime(2027, 1, 6, 12, tzinfo=UTC)  # Wednesday of ISO week 2027-W01
    thursday = datetime(2026, 12, 31, 12, tzinfo=UTC)  # ISO 2026-W53
    monday = datetime(2027, 1, 4, 12, tzinfo=UTC)  # ISO 2027-W01
    # daily=1 keeps the 6th; week 1 before it holds Monday the 4th; week 53 of 2026 the 31st.
    assert kept([thursday, monday], now, daily=1, weekly=1) == {monday}
    assert kept([thursday, monday], now, daily=1, weekly=2) == {thursday, monday}
