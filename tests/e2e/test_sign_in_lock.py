"""A technician types the wrong password until sign-in locks, reads how long to wait, and an
admin unlocks the account so the right password works at once; or the lock runs out."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from mspboard.models import User, db
from tests.e2e.conftest import PHONE, new_context, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import shoot

# The clock runs on while the browser types: the wait shown is a minute or just under.
WAIT = re.compile(r"Too many tries; try again in (1 minute|[1-5]?[0-9] seconds)")


def lock_out(page: Page, base: str, email: str) -> None:
    for _ in range(5):
        sign_in(page, base, email, "not my password")
        expect(page.get_by_role("alert")).to_contain_text("do not match an active account")


def test_a_locked_out_tech_is_told_how_long_and_an_admin_unlocks_them(
    page: Page, browser: Browser, live_server, app, people
):
    tech = people["technician"]
    with app.app_context():
        tech_id = db.session.scalar(db.select(User.id).where(User.email == tech))
    page.set_viewport_size(PHONE)
    lock_out(page, live_server, tech)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(WAIT)
    expect(page.get_by_label("Email")).to_have_value(tech)
    assert serious_accessibility_violations(page) == []
    shoot(page, "sign-in-locked-phone")

    sign_in(page, live_server, tech)  # the right password, still locked
    expect(page.get_by_role("alert")).to_contain_text("Too many tries")
    expect(page).to_have_url(f"{live_server}/login")

    admin = new_context(browser).new_page()
    sign_in(admin, live_server, people["admin"])
    admin.goto(f"{live_server}/admin/users/{tech_id}")
    panel = admin.locator("#sign-in-lock")
    expect(panel).to_contain_text("Locked after 5 wrong passwords")
    panel.get_by_role("button", name="Unlock sign-in").click()
    expect(admin.get_by_role("status")).to_contain_text("can sign in again")
    expect(admin.locator("#sign-in-lock")).to_contain_text("No wrong passwords recently")

    sign_in(page, live_server, tech)
    expect(page).to_have_url(f"{live_server}/m/")


def test_the_lock_runs_out_on_its_own(page: Page, live_server, people, clock):
    lock_out(page, live_server, people["service_manager"])
    expect(page.get_by_role("alert")).to_contain_text(WAIT)
    clock.shift(61)
    sign_in(page, live_server, people["service_manager"])
    expect(page).to_have_url(f"{live_server}/board")
