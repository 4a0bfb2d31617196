"""The outbox's count sits over the top of every phone page only while something waits to
send or was not saved: an empty outbox shows nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from mspboard.models import User, db, utcnow
from tests.e2e.field_helpers import open_phone, shoot, wait_until_sent
from tests.factories import make_sr
from tests.field_factories import make_schedule_item


@pytest.fixture
def tech(app: Flask, people) -> dict:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == people["technician"]))
        make_sr(assignee=user, priority=1, title="Mail server down")
        make_schedule_item(user, utcnow() + timedelta(hours=3), title="Patch servers")
        db.session.commit()
        return {"email": user.email}


def test_the_count_shows_only_while_something_waits(
    page: Page, context: BrowserContext, live_server, tech
):
    open_phone(page, live_server, tech["email"])
    pill = page.locator("#outbox-count")
    for path in ("/m/", "/m/week", "/m/timecard"):
        page.goto(f"{live_server}{path}")
        page.wait_for_function("() => !!window.mspboardOutbox")
        expect(pill).to_be_hidden()
    shoot(page, "outbox-pill-empty")

    context.set_offline(True)
    page.goto(f"{live_server}/m/week")  # read from the phone's own copy
    page.get_by_role("button", name="Acknowledge Patch servers").click()
    expect(pill).to_be_visible()
    expect(pill).to_contain_text("1 waiting to send")
    shoot(page, "outbox-pill-waiting")

    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_until_sent(page)
    expect(pill).to_be_hidden()
    expect(page.locator("#outbox-list")).to_be_hidden()
