"""A maintenance run in the browser: the manager places it from the planner's sidebar onto a
tech's day and publishes the week; the tech's phone shows the visit to acknowledge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from mspboard.models import ChecklistRun, User, db, utcnow
from mspboard.services.maintenance import months
from mspboard.services.planner import next_week_start
from tests.e2e.conftest import PHONE, new_context, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import shoot
from tests.factories import make_client, make_user
from tests.maintenance_factories import make_item

DESK = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def shop(app: Flask, people) -> dict:
    """This month opened for two clients; Kestrel Architects' run is Alice's."""
    with app.app_context():
        alice = db.session.scalar(db.select(User).where(User.email == people["technician"]))
        alice.name = "Alice Field"
        make_user(role="technician", name="Bob Bench")
        for position, (title, minutes) in enumerate(
            [("Backups verified with a restore test", 20), ("Windows and macOS patches", 15)]
        ):
            make_item(title, estimate_minutes=minutes, position=position)
        kestrel = make_client("Kestrel Architects")
        kestrel.maintenance_owner_id = alice.id
        make_item("Plotter service", client=kestrel, estimate_minutes=30)
        make_client("Acme Dental")
        now = utcnow()
        month = months.this_month(now)
        months.open_month(None, month, now)
        run = db.session.scalar(db.select(ChecklistRun).where(ChecklistRun.client_id == kestrel.id))
        db.session.commit()
        return {
            "tech": alice.id,
            "email": alice.email,
            "manager": people["service_manager"],
            "run": run.id,
            "month": month,
            "monday": next_week_start(),
        }


def test_the_manager_places_a_run_publishes_and_the_tech_acknowledges_it_on_the_phone(
    page: Page, browser: Browser, live_server, app: Flask, shop
):
    page.set_viewport_size(DESK)
    sign_in(page, live_server, shop["manager"])
    page.wait_for_url(f"{live_server}/board")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Planner").click()
    sidebar = page.locator("#planner-runs")
    expect(sidebar.get_by_role("heading")).to_have_text("Maintenance to place 2")
    kestrel = sidebar.locator(f"#planner-run-{shop['run']}")
    expect(kestrel).to_contain_text("Kestrel Architects")
    expect(kestrel).to_contain_text("Alice Field · 3 items · 1.25 h")
    assert serious_accessibility_violations(page) == []
    shoot(page, "maintenance-planner-1920")
    page.set_viewport_size(LAPTOP)
    shoot(page, "maintenance-planner-1366")
    page.set_viewport_size(DESK)

    month = shop["month"].strftime("%B")
    kestrel.get_by_role("link", name=f"Place Kestrel Architects's {month} maintenance").click()
    editor = page.locator("#planner-editor")
    expect(editor.get_by_label("Maintenance run")).to_have_value(str(shop["run"]))
    expect(editor.get_by_label("Technician")).to_have_value(str(shop["tech"]))
    expect(editor.get_by_label("Start")).to_have_value("08:00")
    expect(editor.get_by_label("End", exact=True)).to_have_value("09:15")
    tuesday = shop["monday"] + timedelta(days=1)
    editor.get_by_label("Day").fill(tuesday.isoformat())
    shoot(page, "maintenance-planner-editor")
    editor.get_by_role("button", name="Add item").click()

    expect(editor.get_by_role("status")).to_contain_text(
        "Added “Monthly maintenance: Kestrel Architects” for Alice Field"
    )
    cell = page.locator(f"#cell-{shop['tech']}-{tuesday.isoformat()}")
    expect(cell).to_contain_text("Monthly maintenance: Kestrel Architects")
    expect(cell.locator(".badge.maintenance")).to_have_text("Maintenance")
    expect(sidebar.locator(f"#planner-run-{shop['run']}")).to_have_count(0)
    expect(sidebar.get_by_role("heading")).to_have_text("Maintenance to place 1")

    page.get_by_role("button", name="Publish week (1)").click()
    expect(page.locator("#planner-board")).to_contain_text("Published 1 item")
    expect(cell).to_contain_text("Not yet acknowledged")
    shoot(page, "maintenance-planner-placed")

    phone = new_context(browser, viewport=PHONE).new_page()
    sign_in(phone, live_server, shop["email"])
    phone.wait_for_url(f"{live_server}/m/")
    phone.goto(f"{live_server}/m/week")
    visit = phone.locator(".schedule-item", has_text="Monthly maintenance: Kestrel Architects")
    expect(visit).to_be_visible()
    button = visit.get_by_role("button", name="Acknowledge Monthly maintenance: Kestrel Architects")
    assert button.bounding_box()["height"] >= 44
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(phone, "maintenance-phone-week")
    button.click()
    expect(visit).to_contain_text("✓ Acknowledged")

    # No reload: the planner hears the acknowledgement.
    expect(cell).to_contain_text("✓ Acknowledged")
