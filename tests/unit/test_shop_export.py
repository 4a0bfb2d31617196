"""The shop export's names and times: a file name any system can save, times in UTC."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from mspboard.services.shop_export import file_name, moment_text

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("shop", "expected"),
    [
        ("Harbor Lane IT", "harbor-lane-it"),
        ("Café & Søn / IT", "cafe-sn-it"),
        ("../../etc", "etc"),
        ("株式会社", "shop"),
    ],
)
def test_the_file_is_named_by_the_shop_in_plain_letters_and_the_utc_moment(shop, expected):
    taken = datetime(2026, 11, 29, 23, 59, 30, tzinfo=NEW_YORK)
    assert file_name(shop, taken) == f"mspboard-export-{expected}-20261130T045930Z.zip"


def test_times_are_written_in_utc_with_their_offset():
    moment = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK)
    assert moment_text(moment) == "2026-11-01T06:30:00+00:00"
    assert moment_text(None) == ""
