"""The duty lists in a real browser: the admin edits a duty and marks the lists reviewed at
1920 px; the manager ticks a duty on Today at 1920 px (htmx swaps the panel); a tech ticks a
daily duty on the phone's Today at 360 px, offline, and it lands once when the signal is back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from mspboard.models import Duty, DutyListReview, DutyTick, User, db
from mspboard.services.people import duties
from tests.e2e.conftest import new_context, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import SHOTS, RestartableServer, open_phone, shoot, wait_until_sent
from tests.factories import make_user
from tests.shop_time import at_local, today_local

DESK = {"width": 1920, "height": 1080}


@pytest.fixture
def duty_shop(app: Flask, people) -> dict:
    """The standard duties, reviewed 120 days ago by the admin (so the reminder shows)."""
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        duties.load_standard_duties(admin)
        db.session.add(
            DutyListReview(
                reviewed_by_id=admin.id,
                reviewed_at=at_local(today_local() - timedelta(days=120), 12),
            )
        )
        make_user(role="service_manager", name="Mona Manager", email="mona@example.test")
        db.session.commit()
    return people


def _desk(browser: Browser, base: str, email: str) -> Page:
    page = new_context(browser, viewport=DESK).new_page()
    sign_in(page, base, email)
    page.wait_for_url(f"{base}/board")
    return page


def test_the_admin_edits_a_duty_and_marks_the_lists_reviewed(
    app: Flask, browser: Browser, live_server: str, duty_shop
):
    page = _desk(browser, live_server, duty_shop["admin"])
    page.get_by_role("link", name="Duties").click()
    expect(page.locator("h1")).to_have_text("Duty lists")
    expect(page.locator("#duty-review")).to_contain_text("Duty lists due for review.")
    expect(page.locator("#duty-review")).to_contain_text("120 days ago")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "duties-admin-1920.png"), full_page=True, caret="initial")
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name="Note items to raise at the Monday Morning Meeting").click()
    page.get_by_label("Duty").fill("Note items for the Monday Morning Meeting as they come up")
    page.get_by_label("When").select_option("daily")
    page.get_by_label("Page that does it").select_option(label="Phone: Monday agenda")
    page.screenshot(path=str(SHOTS / "duty-edit-1920.png"), caret="initial")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Saved “Note items for the Monday Morning Meeting as they come up”."
    )
    row = page.locator("#duties-technician tr", has_text="as they come up")
    expect(row).to_contain_text("Daily")
    expect(row.get_by_role("link", name="Phone: Monday agenda")).to_have_attribute(
        "href", "/m/agenda"
    )

    page.get_by_role("button", name="Mark reviewed today").click()
    expect(page.locator(".flash-success")).to_have_text(
        "The duty lists are marked as reviewed today."
    )
    expect(page.locator("#duty-review")).to_contain_text("(0 days ago)")
    expect(page.locator("#duty-review")).not_to_contain_text("due for review")
    with app.app_context():
        duty = db.session.scalars(select(Duty).where(Duty.title.contains("come up"))).one()
        assert (duty.cadence, duty.link, duty.version) == ("daily", "field.agenda_page", 2)


def test_the_manager_ticks_a_duty_on_today(
    app: Flask, browser: Browser, live_server: str, duty_shop
):
    page = _desk(browser, live_server, "mona@example.test")
    page.get_by_role("link", name="Today", exact=True).click()
    panel = page.locator("#today-duties")
    expect(panel).to_contain_text("0/11 done")
    expect(panel.locator("#duty-review")).to_contain_text("Duty lists due for review.")
    backlog = panel.locator("li", has_text="Keep the backlog prioritised")
    expect(backlog.get_by_role("link")).to_have_attribute("href", "/manage/backlog")

    backlog.get_by_role("button", name="Not done: Keep the backlog prioritised").click()

    expect(panel).to_contain_text("1/11 done")
    ticked = panel.locator("li", has_text="Keep the backlog prioritised")
    expect(ticked.get_by_role("button")).to_have_attribute("aria-pressed", "true")
    expect(ticked).to_contain_text("Mona Manager")
    page.screenshot(path=str(SHOTS / "duties-today-1920.png"), full_page=True, caret="initial")
    assert serious_accessibility_violations(page) == []
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(DutyTick)) == 1


def test_a_tech_ticks_a_daily_duty_on_the_phone_offline_and_it_lands_once(
    page: Page, context: BrowserContext, server: RestartableServer, app: Flask, duty_shop
):
    base = server.url
    open_phone(page, base, duty_shop["technician"])
    duties_panel = page.locator("#my-duties")
    expect(duties_panel).to_contain_text("0/8")
    expect(duties_panel.get_by_role("link", name="Keep the time card current")).to_have_attribute(
        "href", "/m/timecard"
    )
    shoot(page, "duties-phone-360")

    context.set_offline(True)
    page.goto(f"{base}/m/")
    expect(page.locator("#offline-mark")).to_contain_text("Offline")
    button = duties_panel.get_by_role("button", name="Not done: Report status and issues")
    button.click()
    expect(page.locator("#outbox-count .outbox-number")).to_have_text("1")
    pending = duties_panel.locator("form", has_text="waiting to send")
    expect(pending).to_contain_text("Done · waiting to send")
    shoot(page, "duties-phone-offline-360")

    context.set_offline(False)
    wait_until_sent(page)
    done = duties_panel.get_by_role("button", name="Done: Report status and issues")
    expect(done).to_have_attribute("aria-pressed", "true")
    expect(duties_panel).to_contain_text("1/8")
    shoot(page, "duties-phone-ticked-360")
    assert serious_accessibility_violations(page) == []
    with app.app_context():
        ticks = db.session.scalars(select(DutyTick)).all()
        assert len(ticks) == 1 and ticks[0].duty.title.startswith("Report status")
