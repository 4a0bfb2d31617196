"""The server-drawn charts: their scales, and what they draw for no data, one month, all
zeros and a missing value."""

import pytest

from mspboard.charts import (
    HEIGHT,
    LEFT,
    TOP,
    WIDTH,
    Series,
    bar_chart,
    line_chart,
    nice_step,
    scale_top,
)

pytestmark = pytest.mark.instant_free

BOTTOM_Y = HEIGHT - 26


@pytest.mark.parametrize(
    ("top", "step"),
    [(0, 1), (-3, 1), (1, 0.25), (4, 1), (7, 2), (10, 2.5), (100, 25), (101, 50), (763, 200)],
)
def test_the_axis_steps_in_ones_twos_and_fives(top, step):
    assert nice_step(top) == step


def test_the_axis_reaches_past_the_highest_value_with_room_for_its_number():
    assert scale_top([700, 763]) == (1000, 250)
    assert scale_top([8]) == (10, 2.5)
    # At a step's edge: one step more, so the printed number fits above the bar.
    assert scale_top([20, None]) == (30, 10)
    # Counts printed without decimals step by whole numbers.
    assert scale_top([1], whole=True) == (2, 1)
    assert scale_top([1]) == (1.5, 0.5)


def test_no_data_and_all_zero_draw_axes_from_zero_to_one():
    for values in ([], [0, 0, 0], [None, None]):
        assert scale_top(values) == (1, 1)
    chart = bar_chart("z", "Nothing", "Nothing at all.", ["Jan", "Feb"], [Series("A", [0, 0])])
    assert [(t.y, t.text) for t in chart.ticks] == [(BOTTOM_Y, "0"), (TOP, "1")]
    assert all(bar.height == 0 and bar.text == "0" for bar in chart.bars)
    assert chart.table == [("A", ["0", "0"])]


def test_a_bar_is_as_tall_as_its_value_on_the_scale():
    chart = bar_chart(
        "h", "Hours", "Hours.", ["Jan", "Feb"], [Series("Logged", [100, 50])], totals=[150]
    )
    top, _ = scale_top([100, 50])
    plot = BOTTOM_Y - TOP
    first, second = chart.bars
    assert first.height == pytest.approx(plot * 100 / top)
    assert second.height == pytest.approx(first.height / 2)
    assert first.y + first.height == pytest.approx(BOTTOM_Y)
    assert first.text == "100" and first.text_y < first.y
    assert LEFT <= first.x < second.x < WIDTH
    assert chart.table == [("Logged", ["100", "50", "150"])]


def test_one_month_fills_its_slot_and_two_series_sit_side_by_side_with_their_own_fill():
    chart = bar_chart(
        "c", "Cards", "Cards.", ["Jan"], [Series("On time", [3]), Series("Late", [1])]
    )
    on_time, late = chart.bars
    assert on_time.x + on_time.width == pytest.approx(late.x)
    assert (on_time.pattern, late.pattern) == ("solid", "hatch")
    assert [key.pattern for key in chart.keys] == ["solid", "hatch"]


def test_a_missing_value_draws_nothing_reads_as_a_dash_and_breaks_the_line():
    chart = line_chart(
        "s", "Share", "Share.", ["Jan", "Feb", "Mar"], [Series("Billable", [70, None, 80])],
        unit="%", top=100,
    )  # fmt: skip
    [line] = chart.lines
    assert [p.text for p in line.points] == ["70%", "80%"]
    assert line.path.count("M") == 2 and "L" not in line.path
    assert chart.table == [("Billable", ["70%", "\u2013", "80%"])]
    joined = line_chart("s", "S", "S.", ["Jan", "Feb"], [Series("B", [70, 80])], top=100)
    assert joined.lines[0].path.startswith("M") and joined.lines[0].path.count("L") == 1


def test_a_share_is_drawn_against_a_hundred_percent_and_numbers_sit_clear_of_each_other():
    chart = line_chart(
        "s", "Share", "Share.", ["Jan", "Feb"],
        [Series("Billable", [100, 60]), Series("Utilisation", [80, 90])],
        unit="%", top=100,
    )  # fmt: skip
    billable, utilisation = chart.lines
    assert billable.points[0].y == pytest.approx(TOP)
    assert [p.above for p in billable.points] == [True, False]
    assert [p.above for p in utilisation.points] == [False, True]
    assert chart.ticks[-1].text == "100%"
