"""A maintenance run ticked on a 360 px phone with no signal: the checks show as waiting at
once, a Problem is raised as an SR in one tap, and once the signal is back every tick lands
exactly once, with the phone's moment and the tech who made it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from mspboard.models import ChecklistRunItem, IdempotencyKey, ServiceRequest, User, db, utcnow
from mspboard.services.maintenance import months
from tests.e2e.conftest import serious_accessibility_violations
from tests.e2e.field_helpers import (
    RestartableServer,
    open_phone,
    outbox_items,
    shoot,
    wait_until_sent,
)
from tests.factories import make_client
from tests.maintenance_factories import make_item, open_month

CHECKS = [
    ("Backups verified", "Open the backup console; every job of the last month succeeded."),
    ("Patches applied", "Windows Update and third-party patches on every machine."),
    ("UPS self-test", "Run the UPS self-test from its web page and read the battery state."),
    ("Firewall firmware", "Compare the running firmware with the vendor's latest."),
]


@pytest.fixture
def run_setup(app: Flask, people) -> dict:
    with app.app_context():
        tech = db.session.scalar(db.select(User).where(User.email == people["technician"]))
        for position, (title, how) in enumerate(CHECKS):
            make_item(title, position=position).instruction = how
        make_client("Harbor Dental")
        (run,) = open_month(months.this_month())
        db.session.commit()
        return {
            "email": tech.email,
            "tech": tech.id,
            "run": run.id,
            "items": [item.id for item in run.items],
        }


def _count(page: Page):
    return page.locator("#outbox-count .outbox-number")


def _ticks(app: Flask) -> list[tuple]:
    with app.app_context():
        items = db.session.scalars(db.select(ChecklistRunItem).order_by(ChecklistRunItem.position))
        return [(i.outcome, i.note, i.ticked_at, i.ticked_by_id, i.sr_id) for i in items]


def test_a_run_ticked_offline_syncs_once_with_the_phone_moments_and_one_sr(
    page: Page, context: BrowserContext, server: RestartableServer, app: Flask, run_setup
):
    base = server.url
    phone_start = (utcnow() - timedelta(minutes=20)).replace(microsecond=0)
    page.clock.install(time=phone_start - timedelta(seconds=5))
    page.clock.pause_at(phone_start)
    open_phone(page, base, run_setup["email"])
    run_url = f"{base}/m/maintenance/runs/{run_setup['run']}"
    page.goto(f"{base}/m/maintenance")
    expect(page.locator(".run-row")).to_contain_text("0/4")
    shoot(page, "maintenance-runs-phone")
    page.get_by_role("link", name="Harbor Dental").click()
    page.wait_for_url(run_url)
    shoot(page, "maintenance-run-phone")

    # The signal goes; the run page, kept by the phone, still opens and takes ticks.
    context.set_offline(True)
    page.goto(run_url)
    expect(page.locator("#offline-mark")).to_contain_text("Offline")
    backups, patches, ups, _firewall = (f"#run-item-{i}" for i in run_setup["items"])
    page.locator(backups).get_by_label("Note").fill("Veeam job 'Nightly' OK, 28 restore points")
    page.locator(backups).get_by_role("button", name="Done").click()
    expect(_count(page)).to_have_text("1")
    page.clock.fast_forward("00:30")
    page.locator(patches).get_by_role("button", name="N/A").click()
    page.clock.fast_forward("00:30")
    page.locator(ups).get_by_label("Note").fill("Battery swollen; self-test failed")
    page.locator(ups).get_by_role("button", name="Problem").click()
    raise_button = page.locator(ups).get_by_role("button", name="Raise as SR")
    expect(raise_button).to_be_visible()
    page.clock.fast_forward("00:10")
    raise_button.click()
    expect(_count(page)).to_have_text("4")

    expect(page.locator(f"{backups} .pending-tick")).to_have_text("Done · waiting to send")
    expect(page.locator(f"{patches} .pending-tick")).to_have_text(
        "Not applicable · waiting to send"
    )
    expect(page.locator(f"{ups} .pending-tick")).to_have_text("Problem · waiting to send")
    expect(page.locator(ups).get_by_role("button", name="Problem")).to_have_attribute(
        "aria-pressed", "true"
    )
    ups_id = run_setup["items"][2]
    expect(page.locator(f"#raise-{ups_id} button")).to_have_text("Raising as SR · waiting to send")
    shoot(page, "maintenance-run-offline")
    page.locator("#outbox-count").click()
    expect(page.locator("#outbox-list")).to_contain_text("UPS self-test: Problem")
    expect(page.locator("#outbox-list")).to_contain_text("Waits for the change above")
    shoot(page, "maintenance-run-outbox")
    queued = outbox_items(page)
    assert [i["kind"] for i in queued] == ["tick", "tick", "tick", "raise-sr"]
    assert queued[3]["dependsOn"] == queued[2]["uuid"]
    assert [t[0] for t in _ticks(app)] == [None, None, None, None]

    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_until_sent(page)
    expect(_count(page)).to_have_text("0")

    at = [datetime.fromisoformat(i["at"].replace("Z", "+00:00")) for i in queued]
    assert at[0] == phone_start
    with app.app_context():
        sr = db.session.scalar(db.select(ServiceRequest))
        assert db.session.scalar(db.select(db.func.count()).select_from(ServiceRequest)) == 1
        assert sr.title == "UPS self-test: Battery swollen; self-test failed"
        assert sr.assignee_id == run_setup["tech"] and sr.client.name == "Harbor Dental"
        keys = db.session.scalar(db.select(db.func.count()).select_from(IdempotencyKey))
    tech = run_setup["tech"]
    assert _ticks(app) == [
        ("done", "Veeam job 'Nightly' OK, 28 restore points", at[0], tech, None),
        ("not_applicable", "", at[1], tech, None),
        ("problem", "Battery swollen; self-test failed", at[2], tech, sr.id),
        (None, "", None, None, None),
    ]
    assert keys == 4
    expect(page.locator(ups)).to_contain_text(f"Raised as {sr.number}")
    expect(page.locator(".run-head")).to_contain_text("3/4 ticked")
    expect(page.locator("#outbox-count")).to_be_hidden()  # nothing waits: no pill, no list
    page.locator("#outbox-toast").get_by_role("button", name="OK").click()
    page.locator(ups).scroll_into_view_if_needed()
    shoot(page, "maintenance-run-synced")

    # Send the whole outbox again, as a phone that never heard the answers would.
    page.evaluate(
        """async (items) => {
            const open = indexedDB.open('mspboard-outbox', 1);
            const db = await new Promise((ok) => { open.onsuccess = () => ok(open.result); });
            const tx = db.transaction('items', 'readwrite');
            for (const item of items) tx.objectStore('items').put({...item, state: 'pending'});
            await new Promise((ok) => { tx.oncomplete = ok; });
            db.close();
            await window.mspboardOutbox.flush();
        }""",
        queued,
    )
    wait_until_sent(page)
    assert _ticks(app)[2][4] == sr.id
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ServiceRequest)) == 1


def test_the_run_page_fits_a_phone_with_big_targets(
    page: Page, server: RestartableServer, run_setup
):
    open_phone(page, server.url, run_setup["email"])
    page.goto(f"{server.url}/m/maintenance/runs/{run_setup['run']}")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360
    for button in page.locator(".outcome-buttons .button").all():
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
    page.locator(".instruction summary").first.click()
    expect(page.locator(".instruction p").first).to_be_visible()
    assert serious_accessibility_violations(page) == []
