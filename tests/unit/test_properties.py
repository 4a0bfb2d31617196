"""Properties over generated weeks: entries, shop settings, rates and zones, including the
weeks the clocks change. Each holds for every example Hypothesis finds, not just for the
hand-picked ones elsewhere. `make properties` runs the long profile.

The invoice reference below is written from the rules in the README, not from the code:
each entry counts its started minutes, rounded up to the shop's increment; each SR's time on
one shop-local day bills at least the minimum; an amount is the hours to two decimals (half
up) times the rate, to the cent (half up).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from flask import g
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mspboard.models import ShopSettings, db
from mspboard.services import exports, invoicing
from mspboard.services import time_cards as tc
from mspboard.services import time_entries as te
from mspboard.services.errors import RuleViolation
from mspboard.services.time_weeks import local_date
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_card, make_entry

ZONES = ["UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"]
# Mondays of ordinary weeks and of weeks with a clock change in one of the zones.
WEEKS = [date(2026, 11, 16), date(2026, 10, 26), date(2026, 3, 23), date(2026, 3, 2),
         date(2026, 4, 6), date(2026, 9, 28)]  # fmt: skip
PROPERTY = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)


def _fresh_example(zone: str, rounding: int = 15, minimum: int = 0, rate: int = 12500):
    """Every example starts from the same empty shop; the test rolls it back afterwards."""
    db.session.rollback()
    g.pop("shop_settings", None)
    shop = ShopSettings.with_defaults(zone)
    shop.billing_rounding_minutes, shop.minimum_charge_minutes = rounding, minimum
    shop.default_rate_cents = rate
    db.session.add(shop)
    db.session.flush()


entry_shapes = st.lists(
    st.tuples(
        st.integers(0, 6 * 24 * 60 + 23 * 60),  # start: minutes into the week, local wall time
        st.integers(1, 10 * 3600),  # length in seconds
        st.integers(0, 2),  # which SR (2: none, the client directly)
        st.booleans(),  # billable
    ),
    min_size=1,
    max_size=12,
)


def _local_start(week: date, offset_minutes: int, zone: ZoneInfo) -> datetime:
    wall = datetime.combine(week, time(0)) + timedelta(minutes=offset_minutes)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def _reference_total(entries, rounding: int, minimum: int, rate: int, zone: ZoneInfo) -> int:
    per_visit: dict[tuple, int] = defaultdict(int)
    for started, seconds, line, _billable in entries:
        minutes = math.ceil(seconds / 60)
        if rounding:
            minutes = math.ceil(minutes / rounding) * rounding
        per_visit[(line, started.astimezone(zone).date())] += minutes
    per_line: dict = defaultdict(int)
    for (line, _day), minutes in per_visit.items():
        per_line[line] += max(minutes, minimum)
    total = Decimal(0)
    for minutes in per_line.values():
        hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"), ROUND_HALF_UP)
        total += (hours * Decimal(rate) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return int(total * 100)


@PROPERTY
@given(
    shapes=entry_shapes,
    zone=st.sampled_from(ZONES),
    week=st.sampled_from(WEEKS),
    rounding=st.sampled_from([0, 6, 15, 30]),
    minimum=st.sampled_from([0, 15, 30, 60]),
    client_rate=st.one_of(st.none(), st.integers(0, 50000)),
    default_rate=st.integers(0, 50000),
)
def test_invoice_totals_match_the_rules_and_regenerating_changes_nothing(
    shapes, zone, week, rounding, minimum, client_rate, default_rate
):
    _fresh_example(zone, rounding, minimum, default_rate)
    tz = ZoneInfo(zone)
    tech = make_user()
    client = make_client(rate_cents=client_rate)
    srs = [make_sr(client, "Backups"), make_sr(client, "Printers")]
    billable = []
    for offset, seconds, which, is_billable in shapes:
        started = _local_start(week, offset, tz)
        sr = srs[which] if which < 2 else None
        entry = make_entry(tech, started, None, sr=sr, client=client, billable=is_billable)
        entry.ended_at = started + timedelta(seconds=seconds)
        if is_billable and local_date(started) - week < timedelta(days=7):
            billable.append((started, seconds, which, is_billable))
    make_card(tech, week, "approved")
    db.session.flush()

    invoices = invoicing.regenerate(week)
    rate = default_rate if client_rate is None else client_rate
    expected = _reference_total(billable, rounding, minimum, rate, tz)
    assert sum(invoicing.invoice_total(invoice) for invoice in invoices) == expected
    lines = [line for invoice in invoices for line in invoice.lines]
    billed = [entry.id for line in lines for entry in line.entries]
    assert len(billed) == len(set(billed)) == len(billable)  # each entry billed once
    db.session.flush()
    invoicing.regenerate(week)
    assert not db.session.dirty and not db.session.new and not db.session.deleted
    db.session.rollback()


@PROPERTY
@given(
    shapes=entry_shapes,
    zone=st.sampled_from(ZONES),
    week=st.sampled_from(WEEKS),
    overlaps=st.booleans(),
)
def test_days_sum_to_the_week_and_the_week_is_what_payroll_pays(shapes, zone, week, overlaps):
    _fresh_example(zone)
    tz = ZoneInfo(zone)
    tech = make_user()
    client = make_client()
    taken: list[tuple[datetime, datetime]] = []
    for offset, seconds, _which, is_billable in shapes:
        started = _local_start(week, offset, tz)
        ended = started + timedelta(seconds=seconds)
        if not overlaps and any(started < end and start < ended for start, end in taken):
            continue  # a shop that refuses overlaps never stores one
        taken.append((started, ended))
        entry = make_entry(tech, started, None, client=client, billable=is_billable)
        entry.ended_at = ended
    make_card(tech, week, "approved")
    db.session.flush()

    view = tc.card_view(tech, week, now=datetime(2031, 1, 1, tzinfo=UTC))
    assert view.total == sum((day.total for day in view.days), timedelta())
    assert view.billable + view.non_billable == view.total
    paid = sum(int(row.split(",")[3]) for row in exports.payroll_csv(week).splitlines()[1:])
    assert timedelta(minutes=paid) == view.total
    if not overlaps:  # with no overlap, worked time is the entries' own lengths
        exact = sum((end - start for start, end in taken if start.astimezone(tz).date() - week
                     < timedelta(days=7)), timedelta())  # fmt: skip
        assert abs(view.total - exact) <= timedelta(seconds=30) * 7
    db.session.rollback()


@PROPERTY
@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    start=st.times(),
    minutes=st.integers(1, 1440),
    fold=st.sampled_from([0, 1]),
)
def test_a_typed_duration_is_the_utc_time_that_passes(zone, day, start, minutes, fold):
    _fresh_example(zone)
    start = start.replace(second=0, microsecond=0)
    try:
        started, ended = te.entry_times(
            day, start, duration=timedelta(minutes=minutes), start_fold=fold
        )
    except RuleViolation:  # a time that does not exist that night
        return
    assert ended - started == timedelta(minutes=minutes)
    assert started.tzinfo is UTC and ended.tzinfo is UTC
    shown = started.astimezone(ZoneInfo(zone))
    assert (shown.date(), shown.time().replace(fold=0)) == (day, start)


@pytest.fixture(autouse=True)
def _no_leftovers():
    yield
    db.session.rollback()
