"""The input layer's parsers, without HTTP."""

from decimal import Decimal

import pytest

from mspboard.inputs import (
    CONTROL_MESSAGE,
    db_id,
    decimal_in_range,
    id_or_none,
    id_pairs,
    real_time_zone,
    single_line,
    text,
)
from mspboard.services.errors import RuleViolation


@pytest.mark.parametrize("raw", ["1", "42", "2147483647", " 7 "])
def test_ids_in_the_column_range_are_read(raw):
    assert db_id(raw) == int(raw)


@pytest.mark.parametrize(
    "raw", ["0", "-1", "2147483648", "9" * 5000, "²", "٣", "1.0", "1e3", "", "None", "0x10"]
)
def test_anything_else_is_not_an_id(raw):
    assert id_or_none(raw) is None


def test_id_pairs_keep_only_pairs_of_ids():
    assert id_pairs(["1:2", "²:1", "2147483648:1", "3:0", "4:5", "x"]) == {1: 2, 4: 5}


@pytest.mark.parametrize(
    "raw", ["sNaN", "NaN", "Infinity", "-Infinity", "1e999999", "1e999998", "169", "-1", "1" * 40]
)
def test_numbers_outside_the_range_or_not_finite_are_none(raw):
    assert decimal_in_range(raw, Decimal(0), Decimal(168)) is None


def test_a_number_in_range_is_read_exactly():
    assert decimal_in_range(" 1.25 ", Decimal(0), Decimal(168)) == Decimal("1.25")


@pytest.mark.parametrize("name", ["America", "Etc", "US", "Mars/Olympus", "../etc/passwd", ""])
def test_folders_and_made_up_names_are_not_time_zones(name):
    with pytest.raises(RuleViolation) as refused:
        real_time_zone(name)
    assert refused.value.field == "timezone"


def test_real_zones_are_time_zones():
    assert real_time_zone("America/New_York") == "America/New_York"
    assert real_time_zone("UTC") == "UTC"


def test_single_line_text_loses_line_breaks_and_bidi_overrides():
    assert single_line("a\nb\tc\u202ed\u2066e\u2069") == "a b cde"


def test_request_text_is_trimmed_and_refused_with_control_characters():
    assert text("  kept\nlines  ", "note", 100) == "kept\nlines"
    with pytest.raises(RuleViolation, match=CONTROL_MESSAGE):
        text("a\x00b", "note", 100)
    with pytest.raises(RuleViolation, match="under 5 characters"):
        text("toolong", "note", 5)


def test_a_day_in_a_url_is_read_within_five_years_of_the_shops_today(app):
    from datetime import timedelta

    from mspboard.services.time_weeks import URL_DAYS_AROUND, day_from_text
    from tests.shop_time import today_local

    with app.app_context():
        today = today_local()
        for inside in (today - URL_DAYS_AROUND, today, today + URL_DAYS_AROUND):
            assert day_from_text(inside.isoformat()) == inside
        for outside in (
            today - URL_DAYS_AROUND - timedelta(days=1),
            today + URL_DAYS_AROUND + timedelta(days=1),
        ):
            assert day_from_text(outside.isoformat()) is None
        assert [day_from_text(text) for text in ("", "2026-02-30", "0001-01-01", None)] == [
            None
        ] * 4
