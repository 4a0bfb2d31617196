"""A manager narrows the audit to one time card on a phone-sized screen and reads who did
what to it, and when, with what changed."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from mspboard.models import User, db
from mspboard.services import approvals
from mspboard.services import time_cards as tc
from tests.e2e.conftest import PHONE, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import SHOTS
from tests.factories import make_user
from tests.field_factories import make_entry
from tests.shop_time import at_local
from tests.web.test_approvals_web import last_monday


def test_a_manager_filters_the_audit_to_one_card_and_sees_who_did_what(
    page: Page, live_server, app, people
):
    monday = last_monday(app)
    with app.app_context():
        manager = db.session.scalar(db.select(User).where(User.email == people["service_manager"]))
        manager.name = "Priya Shah"
        tom, uma = make_user(name="Tom Reyes"), make_user(name="Uma Lind")
        for tech in (tom, uma):
            make_entry(tech, at_local(monday + timedelta(days=1), 9), 120)
            card = tc.submit_card(tech, monday)
            approvals.approve_card(manager, card, card.version)
            db.session.flush()
            if tech is tom:
                approvals.reopen_card(manager, card, card.version, "Client disputes Tuesday")
                tom_card = card.id
        db.session.commit()

    page.set_viewport_size(PHONE)
    sign_in(page, live_server, people["service_manager"])
    page.goto(f"{live_server}/manage/audit")
    expect(page.locator("#audit-events")).to_contain_text("Priya Shah reopened Tom Reyes")
    page.get_by_label("Record type").select_option(label="Time card")
    page.get_by_label("Record number").fill(str(tom_card))
    page.get_by_role("button", name="Show").click()

    expect(page.locator("#audit-count")).to_have_text("3 events")
    events = page.locator(".audit-event")
    expect(events.nth(0)).to_contain_text(
        f"Priya Shah reopened Tom Reyes's time card for the week of {monday:%d %b}"
    )
    expect(events.nth(0)).to_contain_text("Client disputes Tuesday")
    expect(events.nth(1)).to_contain_text("Priya Shah approved Tom Reyes's time card")
    expect(events.nth(2)).to_contain_text("Tom Reyes submitted their time card")
    expect(page.locator("#audit-events")).not_to_contain_text("Uma Lind")
    # Nothing is wider than the phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "audit-one-card-phone.png"), full_page=True, caret="initial")
    assert serious_accessibility_violations(page) == []

    # Who: only Priya's decisions, on any record.
    page.goto(f"{live_server}/manage/audit")
    page.get_by_label("Who").select_option(label="Priya Shah")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#audit-count")).to_have_text("3 events")
    expect(page.locator("#audit-events")).to_contain_text("Priya Shah approved Uma Lind")
