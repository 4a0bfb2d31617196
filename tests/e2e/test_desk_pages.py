"""The manager's week of time cards, Today page and backlog in the browser, at 1366 and 1920
wide: a draft card shows its state, hours and overdue mark; a tech off today is not missing;
each backlog list says what it holds and holds just that."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from mspboard.models import User, db, utcnow
from mspboard.services.time_weeks import local_date, week_start_of
from tests.e2e.conftest import serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import shoot
from tests.factories import make_sr, make_user
from tests.field_factories import make_entry, make_time_off
from tests.shop_time import at_local

SIZES = [({"width": 1366, "height": 768}, "1366"), ({"width": 1920, "height": 1080}, "1920")]


@pytest.fixture
def shop(app: Flask, people) -> dict:
    """Last week: Alice logged 21 h 45 min and never submitted; Bob is on time off today."""
    with app.app_context():
        alice = db.session.scalar(db.select(User).where(User.email == people["technician"]))
        alice.name = "Alice Field"
        bob = make_user(role="technician", name="Bob Bench")
        last_week = week_start_of(utcnow()) - timedelta(days=7)
        for day in range(3):
            make_entry(alice, at_local(last_week + timedelta(days=day), 8), minutes=435)
        today = local_date(utcnow())
        make_time_off(bob, today, today)
        db.session.commit()
        return {"manager": people["service_manager"], "alice": alice.id, "bob": bob.id}


@pytest.mark.parametrize(("size", "name"), SIZES)
def test_last_weeks_cards_show_the_phones_state_hours_and_overdue(
    page: Page, live_server, shop, size, name
):
    page.set_viewport_size(size)
    sign_in(page, live_server, shop["manager"])
    page.wait_for_url(f"{live_server}/board")
    page.goto(f"{live_server}/manage/timecards")
    row = page.locator(f"#week-card-{shop['alice']}")
    expect(row).to_contain_text("Draft")
    expect(row).to_contain_text("21.8 h")
    expect(row).to_contain_text("Overdue since Fri 17:00")
    expect(row).not_to_contain_text("Not started")
    shoot(page, f"timecards-{name}")
    assert serious_accessibility_violations(page) == []


@pytest.mark.parametrize(("size", "name"), SIZES)
def test_today_names_who_is_off_and_counts_only_missing_check_ins(
    page: Page, live_server, shop, size, name
):
    page.set_viewport_size(size)
    sign_in(page, live_server, shop["manager"])
    page.wait_for_url(f"{live_server}/board")
    page.goto(f"{live_server}/manage/today")
    checkins = page.locator("section", has=page.locator("#checkins-heading"))
    # On a weekend --at he is not working anyway: either way he owes no check-in.
    away = re.compile("On time off|Not working today")
    expect(checkins.locator("li", has_text="Bob Bench")).to_contain_text(away)
    expect(checkins.locator("li", has_text="Bob Bench")).not_to_contain_text("not checked in")
    shoot(page, f"today-{name}")
    assert serious_accessibility_violations(page) == []


def test_the_backlog_says_what_each_list_holds_and_shows_ages(
    page: Page, live_server, app: Flask, people
):
    with app.app_context():
        tech = db.session.scalar(db.select(User).where(User.email == people["technician"]))
        three_weeks_ago = utcnow() - timedelta(days=20)
        for title in ("Quiet printer", "Worked switch"):
            sr = make_sr(title=title, assignee=tech, created_at=three_weeks_ago)
            sr.updated_at = three_weeks_ago
        make_entry(tech, utcnow() - timedelta(days=2), minutes=60, sr=sr)  # on the switch
        make_sr(title="Server down", priority=1)
        make_sr(title="Waiting on the vendor", priority=1, status="waiting")
        db.session.commit()
    page.set_viewport_size(SIZES[0][0])
    sign_in(page, live_server, people["service_manager"])
    page.wait_for_url(f"{live_server}/board")
    page.goto(f"{live_server}/manage/backlog")
    stale = page.locator("#stale")
    expect(stale).to_contain_text("no change and no time logged for 14 days or more")
    expect(stale.locator("tr", has_text="Quiet printer")).to_contain_text("2 wk")
    expect(stale).not_to_contain_text("Worked switch")
    urgent = page.locator("#urgent")
    expect(urgent).to_contain_text("nobody has started: New or Scheduled")
    expect(urgent).to_contain_text("Server down")
    expect(urgent).not_to_contain_text("Waiting on the vendor")
    shoot(page, "backlog-1366")
    assert serious_accessibility_violations(page) == []
