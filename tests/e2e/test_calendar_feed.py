"""On a 360x740 phone, a technician turns on the calendar feed at /m/week, sees its address,
and a calendar app (here: the page's own request context) can read it."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import vobject
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mspboard.models import CalendarFeed, User, db, utcnow
from tests.e2e.conftest import PHONE, serious_accessibility_violations, sign_in
from tests.field_factories import make_schedule_item


def test_tech_turns_on_the_feed_and_a_calendar_reads_it(
    page: Page, live_server: str, app: Flask, people
):
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        make_schedule_item(tech, utcnow() + timedelta(days=1), title="Replace UPS")
        db.session.commit()

    page.set_viewport_size(PHONE)
    sign_in(page, live_server, people["technician"])
    page.wait_for_url(f"{live_server}/m/")
    page.goto(f"{live_server}/m/week")
    panel = page.locator("#calendar-feed")
    expect(panel).to_contain_text("Off.")
    assert serious_accessibility_violations(page) == []

    panel.get_by_role("button", name="Turn on calendar feed").click()
    address = page.get_by_label("Calendar address")
    expect(address).to_be_visible()
    url = address.input_value()
    assert url.startswith(f"{live_server}/calendar/") and url.endswith(".ics")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    small = panel.evaluate(
        """(panel) => [...panel.querySelectorAll('a, button, summary, input:not([type=hidden])')]
            .map((el) => [el.textContent.trim(), el.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)"""
    )
    assert small == []
    assert serious_accessibility_violations(page) == []

    response = page.request.get(url)
    assert response.status == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    body = response.body()
    summaries = [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")]
    assert summaries == ["Replace UPS"]
    assert [e.summary.value for e in vobject.readOne(body.decode()).vevent_list] == ["Replace UPS"]

    page.reload()
    expect(page.get_by_label("Calendar address")).to_have_count(0)
    expect(panel).to_contain_text("Last read by a calendar app")
    panel.get_by_role("button", name="Turn off").click()
    expect(panel.get_by_role("button", name="Turn on calendar feed")).to_be_visible()
    assert page.request.get(url).status == 404
    with app.app_context():
        assert db.session.scalar(select(CalendarFeed.revoked_at)) is not None
