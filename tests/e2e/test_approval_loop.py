"""The week's loop between a tech's phone and the manager's desk, in two browsers."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from mspboard.models import User, db, utcnow
from mspboard.services.time_weeks import week_start_of
from tests.e2e.conftest import PHONE, new_context, serious_accessibility_violations, sign_in
from tests.field_factories import make_entry, make_time_off


@pytest.fixture
def last_week(app, people) -> dict:
    """A tech with a full last week logged, plus a stray duplicate on its Tuesday, and a
    pending time-off request for a day next week."""
    with app.app_context():
        tech = db.session.scalar(db.select(User).where(User.email == people["technician"]))
        monday = week_start_of(utcnow()) - timedelta(weeks=1)
        for day in range(5):
            start = datetime.combine(monday + timedelta(days=day), time(8), tzinfo=UTC)
            entry = make_entry(tech, start, minutes=8 * 60, notes="Site work")
            entry.synced_at = entry.ended_at
        tuesday = datetime.combine(monday + timedelta(days=1), time(10), tzinfo=UTC)
        stray = make_entry(tech, tuesday, minutes=30, notes="Typed twice")
        stray.synced_at = stray.ended_at
        next_wednesday = monday + timedelta(weeks=2, days=2)
        make_time_off(tech, next_wednesday, next_wednesday, status="pending", kind="personal")
        db.session.commit()
        return {"monday": monday.isoformat(), "stray": stray.id, "off": next_wednesday}


def phone_for(browser: Browser, base: str, email: str) -> Page:
    phone = new_context(browser, viewport=PHONE).new_page()
    sign_in(phone, base, email)
    phone.wait_for_url(f"{base}/m/")
    return phone


def test_submit_reject_fix_resubmit_approve_and_the_card_locks(
    browser: Browser, page: Page, live_server, people, last_week
):
    phone = phone_for(browser, live_server, people["technician"])
    card_url = f"{live_server}/m/timecard/{last_week['monday']}"
    phone.goto(card_url)
    phone.get_by_role("button", name="Submit time card").click()
    expect(phone.locator("#card-status")).to_contain_text("Submitted", timeout=5000)

    sign_in(page, live_server, people["service_manager"])
    page.get_by_role("link", name="Approvals").click()
    expect(page.locator("#approvals-count")).to_have_text("2")  # the card and the time off
    card = page.locator(".queue-item", has_text="Time card")
    expect(card).to_contain_text("overlaps")
    card.get_by_text("Reject…").click()
    card.get_by_label("Why (the tech sees this)").fill("Tuesday 10:00 looks typed twice.")
    card.get_by_role("button", name="Send back").click()
    expect(page.locator("#approval-notice")).to_contain_text("Sent back")
    expect(page.locator(".queue-item", has_text="Time card")).to_have_count(0)

    phone.goto(card_url)
    expect(phone.locator(".rejected-reason")).to_contain_text("Tuesday 10:00 looks typed twice.")
    phone.locator(f"#entry-{last_week['stray']}").get_by_role("button", name="Delete").click()
    expect(phone.locator(f"#entry-{last_week['stray']}")).to_have_count(0, timeout=5000)
    phone.get_by_role("button", name="Submit again").click()
    expect(phone.locator("#card-status")).to_contain_text("Submitted", timeout=5000)

    page.reload()
    card = page.locator(".queue-item", has_text="Time card")
    expect(card).to_contain_text("No flags")
    card.get_by_role("button", name="Approve").click()
    expect(page.locator("#approval-notice")).to_contain_text("Approved")

    phone.goto(card_url)
    expect(phone.locator("#card-status")).to_contain_text("read-only")
    expect(phone.get_by_role("button", name="Delete")).to_have_count(0)
    expect(phone.get_by_role("button", name="Submit time card")).to_have_count(0)


def test_approved_time_off_shows_on_the_planner_and_the_phone(
    browser: Browser, page: Page, live_server, people, last_week
):
    sign_in(page, live_server, people["service_manager"])
    page.goto(f"{live_server}/manage/approvals")
    request = page.locator(".queue-item", has_text="Time off")
    request.get_by_label("Note to").fill("Fine, enjoy.")
    request.get_by_role("button", name="Approve").click()
    expect(page.locator("#approval-notice")).to_contain_text("Approved time off")
    assert serious_accessibility_violations(page) == []

    off = last_week["off"]
    page.goto(f"{live_server}/manage/planner/{(off - timedelta(days=off.weekday())).isoformat()}")
    expect(page.locator(".time-off-block").first).to_contain_text("Time off")

    phone = phone_for(browser, live_server, people["technician"])
    phone.goto(f"{live_server}/m/week")
    expect(phone.locator(".time-off-block").first).to_contain_text("Time off (personal)")


def test_manager_desk_pages_pass_axe(page: Page, live_server, people, last_week):
    sign_in(page, live_server, people["service_manager"])
    for path in ("/manage/today", "/manage/approvals", "/manage/timecards"):
        for viewport in (PHONE, {"width": 1920, "height": 1080}):
            page.set_viewport_size(viewport)
            page.goto(f"{live_server}{path}")
            assert serious_accessibility_violations(page) == [], f"{path} at {viewport['width']}px"
