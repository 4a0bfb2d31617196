"""The planner in the browser: schedule from an SR and as a task, publish, the tech
acknowledges on the phone, the manager sees it; a later edit shows as changed on both
sides; approved time off blocks the planner; axe at desk and phone widths."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from mspboard.models import ScheduleItem, User, db
from mspboard.services.planner import next_week_start
from tests.e2e.conftest import PHONE, new_context, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import shoot
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_schedule_item, make_time_off

DESK = {"width": 1920, "height": 1080}


@pytest.fixture
def shop(app: Flask, people) -> dict:
    with app.app_context():
        tech = db.session.scalar(db.select(User).where(User.email == people["technician"]))
        tech.name = "Alice Field"
        bob = make_user(role="technician", name="Bob Bench")
        client = make_client(name="Acme Dental")
        sr = make_sr(client, title="Mail server down", priority=1)
        make_sr(client, title="New starter laptop", priority=3)
        monday = next_week_start()
        db.session.commit()
        return {
            "tech": tech.id,
            "email": tech.email,
            "sr": sr.number,
            "sr_id": sr.id,
            "monday": monday,
            "manager": people["service_manager"],
            "bob": bob.id,
        }


def _open_planner(page: Page, base: str, email: str) -> None:
    page.set_viewport_size(DESK)
    sign_in(page, base, email)
    page.wait_for_url(f"{base}/board")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Planner").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Planner")


def _cell(page: Page, shop: dict, offset: int):
    day = shop["monday"] + timedelta(days=offset)
    return page.locator(f"#cell-{shop['tech']}-{day.isoformat()}")


def _editor(page: Page):
    return page.locator("#planner-editor")


def test_publish_acknowledge_and_change_loop(
    page: Page, browser: Browser, live_server, app: Flask, shop
):
    _open_planner(page, live_server, shop["manager"])
    page.evaluate("() => { window.stillTheSamePage = true }")
    monday = shop["monday"]

    page.get_by_role("link", name=f"Schedule {shop['sr']}").click()
    expect(_editor(page).get_by_label("Service request")).to_have_value(re.compile(r"\d+"))
    _editor(page).get_by_label("Technician").select_option(label="Alice Field")
    _editor(page).get_by_label("Day").fill(monday.isoformat())
    _editor(page).get_by_label("Start").fill("11:00")
    _editor(page).get_by_label("End", exact=True).fill("09:00")
    _editor(page).get_by_role("button", name="Add item").click()
    expect(page.locator("#end-error")).to_have_text("The end must be after the start.")
    shoot(page, "planner-error")
    _editor(page).get_by_label("Start").fill("09:00")
    _editor(page).get_by_label("End", exact=True).fill("11:00")
    _editor(page).get_by_role("button", name="Add item").click()
    expect(_editor(page).get_by_role("status")).to_contain_text("Added “Mail server down”")
    expect(_cell(page, shop, 0)).to_contain_text(shop["sr"])
    expect(_cell(page, shop, 0)).to_contain_text("Draft, not on the phone yet")
    expect(page.locator(f"#planner-sr-{shop['sr_id']}")).to_have_count(0)

    tuesday = f"{monday + timedelta(days=1):%a %d %b}"
    page.get_by_role("link", name=f"Add an item for Alice Field on {tuesday}").click()
    expect(_editor(page).get_by_label("Day")).to_have_value(
        (monday + timedelta(days=1)).isoformat()
    )
    _editor(page).get_by_label("Title").fill("Quarterly server check")
    _editor(page).get_by_label("Start").fill("13:00")
    _editor(page).get_by_label("End", exact=True).fill("15:00")
    _editor(page).get_by_label("Out of town").check()
    _editor(page).get_by_label("Travel notes").fill("Leave by 11:30; take the spare switch.")
    _editor(page).get_by_role("button", name="Add item").click()
    expect(_cell(page, shop, 1)).to_contain_text("Quarterly server check")
    expect(_cell(page, shop, 1)).to_contain_text("Out of town")
    expect(_cell(page, shop, 1)).to_contain_text("2 of 9 h")
    expect(page.locator(f"#tech-{shop['tech']}")).to_contain_text("2 drafts")

    page.get_by_role("button", name="Publish week (2)").click()
    expect(page.locator("#planner-board")).to_contain_text("Published 2 items")
    expect(page.locator(f"#tech-{shop['tech']}")).to_contain_text("2 not acknowledged")
    expect(_cell(page, shop, 1)).to_contain_text("Not yet acknowledged")
    assert page.evaluate("() => window.stillTheSamePage") is True
    shoot(page, "planner-published")

    phone = new_context(browser, viewport=PHONE).new_page()
    sign_in(phone, live_server, shop["email"])
    phone.wait_for_url(f"{live_server}/m/")
    phone.goto(f"{live_server}/m/week")
    expect(phone.locator(".schedule-item .what", has_text="Quarterly server check")).to_be_visible()
    phone.get_by_role("button", name="Acknowledge all").click()
    expect(phone.get_by_text("✓ Acknowledged")).to_have_count(2)

    # No reload: the planner hears the acknowledgements and refreshes its grid.
    expect(_cell(page, shop, 0)).to_contain_text("✓ Acknowledged")
    expect(_cell(page, shop, 1)).to_contain_text("✓ Acknowledged")
    expect(page.locator(f"#tech-{shop['tech']}")).to_contain_text("All acknowledged")
    assert page.evaluate("() => window.stillTheSamePage") is True

    _cell(page, shop, 1).get_by_role(
        "link", name=re.compile("^Edit Quarterly server check")
    ).click()
    expect(_editor(page).get_by_role("heading")).to_have_text("Edit item")
    _editor(page).get_by_label("Start").fill("14:00")
    _editor(page).get_by_role("button", name="Save changes").click()
    expect(_editor(page).get_by_role("status")).to_contain_text("Saved “Quarterly server check”")
    expect(_cell(page, shop, 1)).to_contain_text("Changed since acknowledged")
    expect(page.locator(f"#tech-{shop['tech']}")).to_contain_text("1 not acknowledged (1 changed)")
    assert page.evaluate("() => window.stillTheSamePage") is True

    phone.reload()
    item = phone.locator(".schedule-item.changed")
    expect(item).to_contain_text("Quarterly server check")
    expect(item).to_contain_text("Changed since you acknowledged")
    expect(item).to_contain_text("Start was")
    with app.app_context():
        changed = db.session.scalar(
            db.select(ScheduleItem).where(ScheduleItem.title == "Quarterly server check")
        )
        assert changed.version == 2 and changed.acknowledged_version == 1


def test_approved_time_off_shows_as_a_block_on_the_planner(
    page: Page, live_server, app: Flask, shop
):
    wednesday = shop["monday"] + timedelta(days=2)
    thursday = shop["monday"] + timedelta(days=3)
    with app.app_context():
        tech = db.session.get(User, shop["tech"])
        afternoon = make_time_off(tech, wednesday, thursday, kind="personal")
        afternoon.starts_midday = True
        make_time_off(
            tech,
            shop["monday"] + timedelta(days=4),
            shop["monday"] + timedelta(days=4),
            status="pending",
        )
        db.session.commit()
    _open_planner(page, live_server, shop["manager"])
    expect(_cell(page, shop, 2).locator(".time-off-block")).to_have_text(
        "Time off (personal), afternoon"
    )
    expect(_cell(page, shop, 2)).to_contain_text("0 of 4 h")
    expect(_cell(page, shop, 3).locator(".time-off-block")).to_have_text(
        "Time off (personal), all day"
    )
    expect(_cell(page, shop, 3)).to_contain_text("0 of 0 h")
    expect(_cell(page, shop, 4).locator(".time-off-block")).to_have_count(0)
    shoot(page, "planner-time-off")

    page.get_by_role("link", name=f"Add an item for Alice Field on {wednesday:%a %d %b}").click()
    _editor(page).get_by_label("Title").fill("Afternoon visit")
    _editor(page).get_by_label("Start").fill("13:00")
    _editor(page).get_by_label("End", exact=True).fill("14:00")
    _editor(page).get_by_role("button", name="Add item").click()
    expect(_editor(page).get_by_role("status")).to_contain_text(
        "This overlaps Alice Field's time off (personal), afternoon."
    )
    expect(_cell(page, shop, 2)).to_contain_text("⚠ Overlaps time off (personal), afternoon")

    page.on("dialog", lambda dialog: dialog.accept())
    _cell(page, shop, 2).get_by_role("link", name=re.compile("^Edit Afternoon visit")).click()
    _editor(page).get_by_role("button", name="Delete item").click()
    expect(_editor(page).get_by_role("status")).to_have_text("Deleted “Afternoon visit”.")
    expect(_cell(page, shop, 2)).not_to_contain_text("Afternoon visit")
    expect(_cell(page, shop, 2)).to_contain_text("0 of 4 h")


def test_planner_passes_axe_at_desk_and_phone_widths(page: Page, live_server, app: Flask, shop):
    with app.app_context():
        tech = db.session.get(User, shop["tech"])
        make_time_off(tech, shop["monday"], shop["monday"])
        db.session.commit()
    _open_planner(page, live_server, shop["manager"])
    assert serious_accessibility_violations(page) == []
    page.get_by_role("link", name=f"Schedule {shop['sr']}").click()
    expect(_editor(page).get_by_label("Technician")).to_be_visible()
    _editor(page).get_by_role("button", name="Add item").click()
    expect(page.locator("#start-error")).to_have_text("Give the start time.")
    assert serious_accessibility_violations(page) == []
    shoot(page, "planner-desk")

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/manage/planner")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    grid = page.locator(".planner-scroll")
    assert grid.evaluate("el => el.scrollWidth > el.clientWidth")
    grid.focus()
    page.keyboard.press("ArrowRight")
    assert serious_accessibility_violations(page) == []
    shoot(page, "planner-phone")


def test_drag_an_item_to_another_techs_day(page: Page, live_server, app: Flask, shop):
    monday = shop["monday"]
    with app.app_context():
        tech = db.session.get(User, shop["tech"])
        starts = datetime.combine(monday, time(9), tzinfo=UTC)
        item_id = make_schedule_item(tech, starts, title="Rack the new switch").id
        db.session.commit()
    _open_planner(page, live_server, shop["manager"])
    bob_tuesday = f"#cell-{shop['bob']}-{monday + timedelta(days=1)}"
    page.drag_and_drop(f"#item-{item_id}", bob_tuesday)
    expect(_editor(page).get_by_role("status")).to_contain_text(
        "Moved “Rack the new switch” for Bob Bench"
    )
    expect(page.locator(bob_tuesday)).to_contain_text("Rack the new switch")
    expect(page.locator(bob_tuesday)).to_contain_text("Not yet acknowledged")
    expect(_cell(page, shop, 0)).not_to_contain_text("Rack the new switch")
    expect(page.locator(f"#tech-{shop['bob']}")).to_contain_text("1 not acknowledged")
    with app.app_context():
        item = db.session.get(ScheduleItem, item_id)
        assert item.tech_id == shop["bob"] and item.version == 2
        assert item.starts_at == datetime.combine(monday + timedelta(days=1), time(9), tzinfo=UTC)
