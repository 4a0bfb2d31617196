"""On the phone, an entry typed for the night the clocks go back (America/New_York, Sun 1 Nov
2026) asks which 01:45 is meant, and the time card shows the choice with its zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from mspboard.models import TimeEntry, db
from tests.e2e.conftest import PHONE, sign_in
from tests.e2e.field_helpers import shoot
from tests.factories import make_client

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def shop_zone_name():
    return "America/New_York"  # this test is about this zone's clock change


def test_a_repeated_clock_time_is_chosen_on_the_phone_and_shown_with_its_zone(
    page: Page, context: BrowserContext, live_server, app: Flask, people, clock
):
    clock.move_to(datetime(2026, 11, 2, 12, tzinfo=NEW_YORK))  # the day after, at noon
    context.clock.set_system_time(datetime.now(UTC))  # the phone's clock with it
    with app.app_context():
        make_client(name="Acme Dental")
        db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, people["technician"])
    page.wait_for_url(f"{live_server}/m/")
    page.goto(f"{live_server}/m/entries/new")
    page.get_by_label("Date").fill("2026-11-01")
    page.get_by_label("Start").fill("01:45")
    page.get_by_label("End", exact=True).fill("02:30")
    page.get_by_label("Client (when there is no SR)").select_option(label="Acme Dental")
    page.get_by_role("button", name="Add entry").click()

    which = page.get_by_label("Which start?")
    expect(which).to_be_visible()
    expect(page.locator("#start-error")).to_contain_text("01:45 happens twice on Sun 01 Nov")
    shoot(page, "entry-which-0145")
    which.select_option(label="01:45 EST, an hour later")
    page.get_by_role("button", name="Add entry").click()
    expect(page).to_have_url(f"{live_server}/m/timecard/2026-10-26")
    expect(page.locator("main")).to_contain_text("01:45 EST\u201302:30")  # an en dash
    with app.app_context():
        entry = db.session.scalar(db.select(TimeEntry))
        assert entry.ended_at - entry.started_at == timedelta(minutes=45)
