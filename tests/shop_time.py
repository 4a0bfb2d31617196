"""Wall times in the shop's zone for test data, so a test reads the same under any --zone.

Call inside an app context: the zone is the shop's setting, as the app sees it.
"""

from __future__ import annotations

from datetime import date, datetime, time

from mspboard.models import utcnow
from mspboard.services.shop_settings import shop_zone
from mspboard.services.time_weeks import local_date


def at_local(day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    """The aware instant that shows as `day` `hour:minute` on the shop's clocks."""
    return datetime.combine(day, time(hour, minute, fold=fold), tzinfo=shop_zone())


def today_local() -> date:
    """The shop's calendar day at the test's controlled 'now'."""
    return local_date(utcnow())
