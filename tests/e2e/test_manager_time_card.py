"""A service manager who also works SRs keeps a time card on the phone like a technician, and
another manager approves it: never the manager themselves."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from mspboard.models import db, utcnow
from mspboard.services.time_weeks import week_start_of
from tests.e2e.conftest import PHONE, new_context, sign_in
from tests.e2e.field_helpers import shoot, wait_until_sent
from tests.factories import make_client, make_user

DESK = {"width": 1920, "height": 1080}


@pytest.fixture
def managers(app) -> dict[str, str]:
    with app.app_context():
        mona = make_user(role="service_manager", email="mona@example.test", name="Mona Ruiz")
        mona.keeps_time_card = True
        make_user(role="service_manager", email="sam@example.test", name="Sam Ode")
        make_user(role="admin", email="ada@example.test", name="Ada Admin")
        make_client(name="Acme Dental")
        db.session.commit()
    return {"mona": "mona@example.test", "sam": "sam@example.test", "ada": "ada@example.test"}


def test_a_manager_times_work_on_the_phone_and_another_manager_approves_the_card(
    browser: Browser, page: Page, live_server, app, managers
):
    phone = new_context(browser, viewport=PHONE).new_page()
    sign_in(phone, live_server, managers["mona"])
    phone.wait_for_url(f"{live_server}/board**")
    phone.get_by_role("link", name="My day").click()
    phone.wait_for_url(f"{live_server}/m/")
    phone.get_by_text("Start a timer for a client (no SR)").click()
    phone.get_by_label("Client").select_option(label="Acme Dental")
    phone.get_by_role("button", name="Start timer").click()
    expect(phone.locator("#timer")).to_contain_text("Running since")
    wait_until_sent(phone)
    phone.get_by_role("button", name="Stop", exact=True).click()
    wait_until_sent(phone)
    phone.goto(f"{live_server}/m/timecard")
    expect(phone.locator(".entry-list")).to_contain_text("Acme Dental")
    phone.get_by_role("button", name="Submit time card").click()
    expect(phone.locator("#card-status")).to_contain_text("Submitted", timeout=5000)
    shoot(phone, "manager-card-submitted")

    own_desk = new_context(browser, viewport=DESK).new_page()
    sign_in(own_desk, live_server, managers["mona"])
    own_desk.goto(f"{live_server}/manage/approvals")
    mine = own_desk.locator(".queue-item", has_text="Time card · Mona Ruiz")
    expect(mine).to_contain_text("Your own card: another manager or an admin approves it.")
    expect(mine.get_by_role("button", name="Approve")).to_have_count(0)
    expect(mine.locator("input[name=card]")).to_have_count(0)
    expect(own_desk.get_by_role("button", name="Approve ticked cards")).to_have_count(0)
    expect(own_desk.locator("#approvals-count")).to_have_text("")  # nothing waits for Mona
    shoot(own_desk, "manager-own-card-in-queue")

    page.set_viewport_size(DESK)
    sign_in(page, live_server, managers["sam"])
    page.goto(f"{live_server}/manage/approvals")
    card = page.locator(".queue-item", has_text="Time card · Mona Ruiz")
    card.get_by_role("button", name="Approve").click()
    expect(page.locator("#approval-notice")).to_contain_text("Approved: Mona Ruiz")

    phone.reload()
    expect(phone.locator("#card-status")).to_contain_text("Approved")
    with app.app_context():
        week = week_start_of(utcnow()).isoformat()
    own_desk.goto(f"{live_server}/manage/timecards/{week}")
    row = own_desk.locator("tr", has_text="Mona Ruiz")
    expect(row).to_contain_text("Your own card")
    expect(row.get_by_text("Reopen…")).to_have_count(0)
    shoot(own_desk, "manager-own-card-week")

    admin = new_context(browser, viewport={"width": 1366, "height": 768}).new_page()
    sign_in(admin, live_server, managers["ada"])
    admin.goto(f"{live_server}/admin/users")
    expect(admin.locator("tr", has_text="Mona Ruiz")).to_contain_text("keeps a time card")
    admin.get_by_role("link", name="Mona Ruiz").click()
    expect(admin.get_by_label("Keeps a time card")).to_be_checked()
    shoot(admin, "manager-user-form-1366")
