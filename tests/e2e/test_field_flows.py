"""The phone view online, on a 360x740 Chromium: timers, entries, refusals, sign-in and token
expiry, and accessibility."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from mspboard.models import IdempotencyKey, ScheduleItem, TimeEntry, User, db, utcnow
from mspboard.services.time_weeks import week_start_of
from tests.e2e.conftest import PHONE, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import shoot, wait_until_sent
from tests.factories import make_client, make_sr
from tests.field_factories import make_card, make_entry, make_schedule_item

PAGES = ["/m/", "/m/queue", "/m/week", "/m/timecard", "/m/checkin", "/m/timeoff"]


@pytest.fixture
def tech(app: Flask, people) -> dict:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == people["technician"]))
        sr = make_sr(assignee=user, priority=1, title="Mail server down")
        make_sr(assignee=user, priority=3, title="New starter laptop")
        make_client(name="Acme Dental")
        soon = utcnow() + timedelta(hours=2)
        make_schedule_item(user, soon, title="Patch servers")
        make_schedule_item(user, soon + timedelta(days=1), title="Replace UPS")
        make_entry(user, utcnow() - timedelta(hours=3), minutes=90, sr=sr, notes="Diagnosed")
        db.session.commit()
        return {"email": user.email, "id": user.id, "sr": sr.number}


def _phone(page: Page, base: str, email: str) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, base, email)
    page.wait_for_url(f"{base}/m/")


def _count(page: Page):
    return page.locator("#outbox-count .outbox-number")


def test_start_and_stop_a_timer_with_one_thumb(page: Page, live_server, app: Flask, tech):
    _phone(page, live_server, tech["email"])
    page.get_by_role("button", name=f"Start on {tech['sr']}").click()
    expect(page.locator("#timer")).to_contain_text("Running since")
    wait_until_sent(page)
    expect(_count(page)).to_have_text("0")
    shoot(page, "today-running")
    stop = page.get_by_role("button", name="Stop", exact=True)
    box = stop.bounding_box()
    assert box["height"] >= 44 and box["width"] >= PHONE["width"] * 0.8
    page.locator("#stop-timer").get_by_label("Notes").fill("Restarted services")
    stop.click()
    expect(page.locator("#timer")).to_contain_text("No timer running")
    wait_until_sent(page)
    with app.app_context():
        entries = db.session.scalars(db.select(TimeEntry).order_by(TimeEntry.id)).all()
        assert entries[-1].notes == "Restarted services" and entries[-1].ended_at is not None
        assert entries[-1].service_request.status == "in_progress"


def test_manual_entry_errors_show_next_to_the_field_then_it_saves(
    page: Page, live_server, app: Flask, tech
):
    _phone(page, live_server, tech["email"])
    page.goto(f"{live_server}/m/entries/new")
    page.get_by_label("Start").fill("10:00")
    page.get_by_label("End", exact=True).fill("09:00")
    page.get_by_label("Client (when there is no SR)").select_option(label="Acme Dental")
    page.get_by_role("button", name="Add entry").click()
    expect(page.locator("#end-error")).to_have_text("The end must be after the start.")
    shoot(page, "entry-error")
    page.get_by_label("End", exact=True).fill("11:15")
    page.get_by_role("button", name="Add entry").click()
    expect(page).to_have_url(f"{live_server}/m/timecard/{_this_week(app)}")
    expect(page.locator("main")).to_contain_text("Acme Dental")
    wait_until_sent(page)
    expect(_count(page)).to_have_text("0")


def _this_week(app: Flask) -> str:
    with app.app_context():
        return week_start_of(utcnow()).isoformat()


def test_a_refused_change_stays_visible_with_its_reason_until_discarded(
    page: Page, live_server, app: Flask, tech
):
    with app.app_context():
        make_card(db.session.get(User, tech["id"]), week_start_of(utcnow()), status="approved")
        db.session.commit()
    _phone(page, live_server, tech["email"])
    page.get_by_role("button", name=f"Start on {tech['sr']}").click()
    expect(page.locator("#outbox-count")).to_contain_text("1 not saved")
    page.locator("#outbox-count").click()
    reason = page.locator(".outbox-reason")
    expect(reason).to_contain_text("is approved; time in that week can no longer change")
    shoot(page, "refused-item")
    page.reload()
    expect(page.locator("#outbox-count")).to_contain_text("1 not saved")
    page.locator("#outbox-count").click()
    page.get_by_role("button", name="Discard").click()
    expect(_count(page)).to_have_text("1")  # one tap is not enough to throw work away
    page.get_by_role("button", name="Tap again to discard").click()
    expect(_count(page)).to_have_text("0")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(TimeEntry)) == 1


def test_an_ended_session_keeps_the_queue_and_sends_it_after_signing_in(
    page: Page, context: BrowserContext, live_server, app: Flask, tech
):
    _phone(page, live_server, tech["email"])
    page.goto(f"{live_server}/m/week")
    context.set_offline(True)
    page.get_by_role("button", name="Acknowledge Patch servers").click()
    expect(_count(page)).to_have_text("1")
    context.clear_cookies()
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator("#outbox-signin")).to_be_visible()
    expect(_count(page)).to_have_text("1")
    page.locator("#outbox-signin").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(tech["email"])
    from tests.factories import PASSWORD

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/m/week")
    expect(_count(page)).to_have_text("0")
    expect(page.get_by_text("✓ Acknowledged")).to_have_count(1)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(IdempotencyKey)) == 1
        acked = db.session.scalars(
            db.select(ScheduleItem).where(ScheduleItem.title == "Patch servers")
        )
        assert acked.one().is_acknowledged


class TestExpiredToken:
    @pytest.fixture
    def app_config(self) -> dict[str, object]:
        return {"WTF_CSRF_ENABLED": True, "WTF_CSRF_TIME_LIMIT": 3}

    def test_an_expired_csrf_token_is_replaced_and_the_change_sent(
        self, page: Page, live_server, app: Flask, tech, caplog
    ):
        caplog.set_level("INFO", logger="werkzeug")
        _phone(page, live_server, tech["email"])
        page.goto(f"{live_server}/m/agenda")
        # Token ages are whole seconds, so wait until it is surely more than 3 seconds old.
        time.sleep(4.5)
        page.get_by_label("Note for the Monday meeting").fill("Spare UPS batteries")
        page.get_by_role("button", name="Add to agenda").click()
        expect(page).to_have_url(f"{live_server}/m/")  # sent, so the phone moves on
        wait_until_sent(page)
        expect(_count(page)).to_have_text("0")
        served = [
            re.sub(r"\x1b\[[0-9;]*m", "", r.getMessage())
            for r in caplog.records
            if r.name == "werkzeug"
        ]
        assert any('"POST /m/agenda HTTP/1.1" 400' in line for line in served)
        assert any('"GET /m/csrf HTTP/1.1" 200' in line for line in served)
        with app.app_context():
            from mspboard.models import AgendaItem

            assert [a.text for a in db.session.scalars(db.select(AgendaItem))] == [
                "Spare UPS batteries"
            ]


def test_every_phone_page_fits_360_wide_and_has_no_serious_accessibility_problem(
    page: Page, live_server, tech
):
    _phone(page, live_server, tech["email"])
    for path in PAGES:
        page.goto(f"{live_server}{path}")
        name = path.strip("/").replace("/", "-") or "m-today"
        shoot(page, name)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        assert serious_accessibility_violations(page) == [], path


def test_touch_targets_are_at_least_44_px(page: Page, live_server, tech):
    _phone(page, live_server, tech["email"])
    for path in ["/m/", "/m/week", "/m/timecard"]:
        page.goto(f"{live_server}{path}")
        small = page.evaluate(
            """() => [...document.querySelectorAll(
                    'main button, main a.button, .tabbar a, main summary')]
                .filter((el) => el.offsetParent !== null)
                .map((el) => [el.textContent.trim(), el.getBoundingClientRect().height])
                .filter(([, h]) => h < 44)"""
        )
        assert small == [], path


def test_a_refused_request_can_be_edited_from_the_outbox_and_sent_again(
    page: Page, context: BrowserContext, live_server, app: Flask, tech
):
    first_day = (utcnow() + timedelta(days=20)).date()
    with app.app_context():
        from tests.field_factories import make_time_off

        make_time_off(db.session.get(User, tech["id"]), first_day, first_day, status="pending")
        db.session.commit()
    _phone(page, live_server, tech["email"])
    page.goto(f"{live_server}/m/timeoff")
    context.set_offline(True)
    page.get_by_label("First day").fill(first_day.isoformat())
    page.get_by_label("Last day").fill(first_day.isoformat())
    page.get_by_label("Note for the manager").fill("School play")
    page.get_by_role("button", name="Send request").click()
    expect(_count(page)).to_have_text("1")
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator("#outbox-count")).to_contain_text("1 not saved")
    page.locator("#outbox-count").click()
    expect(page.locator(".outbox-reason")).to_contain_text("You already asked for")
    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_label("First day")).to_be_focused()  # the form is back in edit mode
    expect(page.get_by_label("Note for the manager")).to_have_value("School play")
    next_day = first_day + timedelta(days=1)
    page.get_by_label("First day").fill(next_day.isoformat())
    page.get_by_label("Last day").fill(next_day.isoformat())
    page.get_by_role("button", name="Send request").click()
    wait_until_sent(page)
    expect(_count(page)).to_have_text("0")
    with app.app_context():
        from mspboard.models import TimeOffRequest

        notes = db.session.scalars(db.select(TimeOffRequest.note).order_by(TimeOffRequest.id))
        assert list(notes) == ["", "School play"]


def test_acknowledge_all_offline_marks_every_item_and_stores_each_once(
    page: Page, context: BrowserContext, live_server, app: Flask, tech
):
    with app.app_context():
        user = db.session.get(User, tech["id"])
        make_schedule_item(user, utcnow() + timedelta(hours=5), title="Check RAID")
        db.session.commit()
    _phone(page, live_server, tech["email"])
    page.goto(f"{live_server}/m/week")
    week = page.locator("section.week").filter(
        has=page.get_by_role("button", name="Acknowledge all")
    )
    week = page.locator(f"section[aria-labelledby='{week.first.get_attribute('aria-labelledby')}']")
    listed = week.locator("form[data-kind=ack]").count()
    assert listed >= 2
    context.set_offline(True)
    week.get_by_role("button", name="Acknowledge all").click()
    expect(_count(page)).to_have_text("1")
    expect(week.locator("form.is-pending")).to_have_count(listed + 1)  # each item and the button
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(_count(page)).to_have_text("0")
    with app.app_context():
        items = db.session.scalars(db.select(ScheduleItem)).all()
        assert sum(i.is_acknowledged for i in items) == listed
        assert db.session.scalar(db.select(db.func.count()).select_from(IdempotencyKey)) == 1
