"""An entry made offline that overlaps one already logged comes back refused, with the entry
it collides with named, and is fixed from the outbox with Edit."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from mspboard.models import TimeEntry, User, db, utcnow
from mspboard.services.local_time import local
from tests.e2e.conftest import PHONE, sign_in
from tests.e2e.field_helpers import shoot, wait_until_sent
from tests.factories import make_client
from tests.field_factories import make_entry


def test_an_overlapping_entry_made_offline_is_refused_and_fixed_with_edit(
    page: Page, context: BrowserContext, live_server, app: Flask, people
):
    with app.app_context():
        tech = db.session.scalar(db.select(User).where(User.email == people["technician"]))
        client = make_client(name="Acme Dental")
        logged = make_entry(tech, utcnow() - timedelta(hours=3), minutes=90, client=client)
        starts = local(logged.started_at)
        db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, people["technician"])
    page.wait_for_url(f"{live_server}/m/")
    page.goto(f"{live_server}/m/entries/new")
    context.set_offline(True)
    page.get_by_label("Date").fill(starts.date().isoformat())
    page.get_by_label("Start").fill(f"{starts + timedelta(minutes=30):%H:%M}")
    page.get_by_label("End", exact=True).fill(f"{starts + timedelta(minutes=60):%H:%M}")
    page.get_by_label("Client (when there is no SR)").select_option(label="Acme Dental")
    page.get_by_role("button", name="Add entry").click()
    expect(page.locator("#outbox-count .outbox-number")).to_have_text("1")

    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator("#outbox-count")).to_contain_text("1 not saved")
    page.locator("#outbox-count").click()
    reason = page.locator(".outbox-reason")
    expect(reason).to_contain_text(f"overlaps your entry on {starts:%a %d %b} from {starts:%H:%M}")
    shoot(page, "overlap-refused")
    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_label("Date")).to_be_focused()  # the form is back in edit mode
    page.get_by_label("Start").fill(f"{starts + timedelta(minutes=90):%H:%M}")  # touching
    page.get_by_label("End", exact=True).fill(f"{starts + timedelta(minutes=105):%H:%M}")
    page.get_by_role("button", name="Add entry").click()
    wait_until_sent(page)
    expect(page.locator("#outbox-count .outbox-number")).to_have_text("0")
    with app.app_context():
        assert db.session.query(TimeEntry).count() == 2
