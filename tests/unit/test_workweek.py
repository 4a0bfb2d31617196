import pytest

from mspboard.workweek import MONDAY_TO_FRIDAY, describe, from_mask, to_mask


def test_weekdays_round_trip_through_the_mask():
    assert to_mask([1, 2, 3, 4, 5]) == MONDAY_TO_FRIDAY
    assert from_mask(to_mask([6, 1])) == [1, 6]


def test_describe_names_the_days():
    assert describe(MONDAY_TO_FRIDAY) == "Mon-Fri"
    assert describe(to_mask([2, 4])) == "Tue, Thu"


def test_weekday_out_of_range_is_refused():
    with pytest.raises(ValueError):
        to_mask([0])
