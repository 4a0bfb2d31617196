"""The planner on a manager's screens: Monday to Friday fit beside the sidebar at 1366x768
(and 1920) with no sideways scroll; finding a P4 behind a long backlog by typing and
scheduling it; "Schedule…" on an SR's page opening the planner's form with that SR."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from mspboard.models import ScheduleItem, User, db
from mspboard.services import planner
from mspboard.services.planner import next_week_start
from tests.e2e.conftest import serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import shoot
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_schedule_item
from tests.shop_time import at_local

LAPTOP = {"width": 1366, "height": 768}
DESK = {"width": 1920, "height": 1080}


@pytest.fixture
def shop(app: Flask, people) -> dict:
    """Three techs with a week of items, more urgent SRs than the backlog lists, and a P4."""
    with app.app_context():
        tech = db.session.scalar(db.select(User).where(User.email == people["technician"]))
        tech.name = "Alice Field"
        techs = [tech, make_user(role="technician", name="Bob Bench")]
        techs.append(make_user(role="technician", name="Carmen Oyelaran-Whitfield"))
        monday = next_week_start()
        client = make_client("Acme Dental")
        for n in range(planner.BACKLOG_LIMIT + 5):
            make_sr(client, title=f"Urgent job {n}", priority=1)
        for day in range(5):
            for person in techs:
                sr = make_sr(client, title=f"Replace the switch in the server room {day}")
                make_schedule_item(person, at_local(monday + timedelta(days=day), 9), sr=sr)
        quiet = make_sr(make_client("Harbor Dental"), title="Lobby label printer jams", priority=4)
        db.session.commit()
        return {
            "manager": people["service_manager"],
            "tech": tech.id,
            "monday": monday,
            "p4": quiet.id,
            "number": quiet.number,
        }


def _open_planner(page: Page, base: str, shop: dict, size: dict) -> None:
    page.set_viewport_size(size)
    sign_in(page, base, shop["manager"])
    page.wait_for_url(f"{base}/board")
    page.goto(f"{base}/manage/planner")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Planner")


FITS = """() => {
  const scroll = document.querySelector('.planner-scroll');
  const heads = document.querySelectorAll('.planner-grid thead th');
  const friday = heads[heads.length - 1].getBoundingClientRect();
  return {
    scrollWidth: scroll.scrollWidth, clientWidth: scroll.clientWidth,
    fridayRight: friday.right, viewport: document.documentElement.clientWidth,
    pageScrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth,
    friday: heads[heads.length - 1].textContent.trim(),
  };
}"""


@pytest.mark.parametrize(("size", "name"), [(LAPTOP, "1366"), (DESK, "1920")])
def test_monday_to_friday_fit_beside_the_sidebar_without_sideways_scroll(
    page: Page, live_server, shop, size, name
):
    _open_planner(page, live_server, shop, size)
    fits = page.evaluate(FITS)
    assert fits["friday"].startswith("Fri")
    assert fits["scrollWidth"] <= fits["clientWidth"], fits
    assert fits["fridayRight"] <= fits["viewport"], fits
    assert not fits["pageScrolls"], fits
    shoot(page, f"planner-{name}")


def test_a_p4_behind_the_backlog_is_found_by_typing_and_scheduled(
    page: Page, live_server, app: Flask, shop
):
    _open_planner(page, live_server, shop, LAPTOP)
    backlog = page.locator("#planner-backlog")
    expect(backlog.locator(f"#planner-sr-{shop['p4']}")).to_have_count(0)
    page.evaluate("() => { window.stillTheSamePage = true }")
    backlog.get_by_label("Find any open SR").press_sequentially("label print", delay=20)
    found = backlog.locator(f"#found-sr-{shop['p4']}")
    expect(found).to_contain_text("Lobby label printer jams")
    expect(found).to_contain_text("Harbor Dental")
    shoot(page, "planner-sr-search")
    found.get_by_role("link", name=f"Schedule {shop['number']}").click()
    editor = page.locator("#planner-editor")
    expect(editor.get_by_label("Service request")).to_have_value(str(shop["p4"]))
    editor.get_by_label("Technician").select_option(label="Alice Field")
    editor.get_by_label("Day").fill(shop["monday"].isoformat())
    editor.get_by_label("Start").fill("13:00")
    editor.get_by_label("End", exact=True).fill("14:00")
    editor.get_by_role("button", name="Add item").click()
    cell = page.locator(f"#cell-{shop['tech']}-{shop['monday'].isoformat()}")
    expect(cell).to_contain_text("Lobby label printer jams")
    assert page.evaluate("() => window.stillTheSamePage") is True
    with app.app_context():
        item = db.session.scalar(db.select(ScheduleItem).where(ScheduleItem.sr_id == shop["p4"]))
        assert item is not None and item.tech_id == shop["tech"]
    backlog.get_by_label("Find any open SR").fill("x" * 100 + "y")  # past maxlength: kept at 100
    assert len(backlog.get_by_label("Find any open SR").input_value()) == 100
    assert serious_accessibility_violations(page) == []


def test_schedule_on_the_sr_page_opens_the_planner_with_that_sr(page: Page, live_server, shop):
    page.set_viewport_size(DESK)
    sign_in(page, live_server, shop["manager"])
    page.wait_for_url(f"{live_server}/board")
    page.goto(f"{live_server}/sr/{shop['number']}")
    page.get_by_role("link", name=re.compile(r"^Schedule…")).click()
    expect(page).to_have_url(re.compile(r"/manage/planner/\d{4}-\d\d-\d\d/items/new\?sr="))
    editor = page.locator("#planner-editor")
    expect(editor.get_by_role("heading", name="Add an item")).to_be_visible()
    expect(editor.get_by_label("Service request")).to_have_value(str(shop["p4"]))
    shoot(page, "planner-from-sr-page")
