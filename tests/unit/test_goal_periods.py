from datetime import date

import pytest

from mspboard.models import GoalPeriod
from mspboard.services.people.goals import next_quarter_start, period_start, quarter_start

pytestmark = pytest.mark.instant_free


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (date(2026, 1, 1), date(2026, 1, 1)),
        (date(2026, 3, 31), date(2026, 1, 1)),
        (date(2026, 4, 1), date(2026, 4, 1)),
        (date(2026, 9, 30), date(2026, 7, 1)),
        (date(2026, 12, 31), date(2026, 10, 1)),
    ],
)
def test_quarter_starts_on_its_first_day(day, start):
    assert quarter_start(day) == start


def test_the_quarter_after_the_last_is_next_january():
    assert next_quarter_start(date(2026, 11, 15)) == date(2027, 1, 1)
    assert next_quarter_start(date(2026, 3, 31)) == date(2026, 4, 1)


def test_a_year_goal_starts_on_the_first_of_january():
    assert period_start(GoalPeriod.YEAR, date(2026, 8, 9)) == date(2026, 1, 1)
    assert period_start(GoalPeriod.QUARTER, date(2026, 8, 9)) == date(2026, 7, 1)
