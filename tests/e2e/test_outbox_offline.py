"""The offline contract on a phone-sized Chromium: work with no signal, nothing lost, nothing
doubled, and the time recorded is the moment on the phone."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from mspboard.models import CheckIn, IdempotencyKey, ScheduleItem, TimeEntry, User, db, utcnow
from tests.e2e.field_helpers import (
    RestartableServer,
    open_phone,
    outbox_items,
    shoot,
    wait_until,
    wait_until_sent,
)
from tests.factories import make_sr
from tests.field_factories import make_schedule_item


@pytest.fixture
def tech_setup(app: Flask, people) -> dict:
    with app.app_context():
        tech = db.session.scalar(db.select(User).where(User.email == people["technician"]))
        sr = make_sr(assignee=tech, priority=1, title="Mail server down")
        soon = utcnow() + timedelta(hours=3)
        items = [
            make_schedule_item(tech, soon + timedelta(hours=h), title=title)
            for h, title in ((0, "Patch servers"), (2, "Replace UPS"), (4, "Audit backups"))
        ]
        db.session.commit()
        return {"email": tech.email, "sr": sr.number, "items": [i.id for i in items]}


def _count(page: Page):
    return page.locator("#outbox-count .outbox-number")


def _stored(app: Flask):
    with app.app_context():
        entries = db.session.scalars(db.select(TimeEntry)).all()
        items = db.session.scalars(db.select(ScheduleItem).order_by(ScheduleItem.id)).all()
        checkins = db.session.scalars(db.select(CheckIn)).all()
        keys = db.session.scalar(db.select(db.func.count()).select_from(IdempotencyKey))
        return {
            "entries": [(e.uuid, e.started_at, e.ended_at) for e in entries],
            "acks": [i.acknowledged_at for i in items],
            "checkins": [(c.how_it_went, len(c.issues)) for c in checkins],
            "keys": keys,
        }


def _work_offline(page: Page, context: BrowserContext, base: str, sr: str) -> None:
    """Start a timer, stop it two minutes of phone time later, acknowledge three items and
    check in, all with no network."""
    context.set_offline(True)
    page.get_by_role("button", name=f"Start on {sr}").click()
    expect(_count(page)).to_have_text("1")
    expect(page.locator("#timer")).to_contain_text("waiting to send")
    page.clock.fast_forward("02:00")
    expect(page.locator("#timer .elapsed")).to_have_text("· 2 min")  # phone time, ticking
    page.locator("#stop-pending").get_by_label("Notes").fill("Restarted the mail service")
    page.locator("#stop-pending").get_by_role("button", name="Stop").click()
    expect(_count(page)).to_have_text("2")
    page.goto(f"{base}/m/week")
    for title in ("Patch servers", "Replace UPS", "Audit backups"):
        page.clock.fast_forward("00:30")
        page.get_by_role("button", name=f"Acknowledge {title}").click()
    expect(_count(page)).to_have_text("5")
    page.goto(f"{base}/m/checkin")
    page.get_by_label("How did the day go?").fill("Mail back up; UPS next")
    page.get_by_label("Issue needing attention").fill("Client's UPS battery swollen")
    page.get_by_label("Urgent (first issue)").check()
    page.get_by_role("button", name="Send check-in").click()
    expect(_count(page)).to_have_text("6")


def test_offline_work_is_kept_shown_and_synced_once_with_the_phone_times(
    page: Page, context: BrowserContext, server: RestartableServer, app: Flask, tech_setup
):
    base = server.url
    phone_start = (utcnow() - timedelta(minutes=20)).replace(microsecond=0)
    page.clock.install(time=phone_start - timedelta(seconds=5))
    page.clock.pause_at(phone_start)
    open_phone(page, base, tech_setup["email"])
    _work_offline(page, context, base, tech_setup["sr"])

    # Still offline: reload the week and see it as last seen, with the waiting items.
    page.goto(f"{base}/m/week")
    page.reload()
    expect(page.locator("#offline-mark")).to_contain_text("Offline - last updated")
    expect(_count(page)).to_have_text("6")
    expect(page.get_by_role("heading", name="This week")).to_be_visible()
    pending = page.locator("form.is-pending")
    expect(pending).to_have_count(3)
    page.locator("#outbox-count").click()
    expect(page.locator("#outbox-list")).to_contain_text("End-of-day check-in")
    shoot(page, "offline-week-pending")
    queued = outbox_items(page)
    assert [i["kind"] for i in queued] == [
        "timer-start",
        "timer-stop",
        "ack",
        "ack",
        "ack",
        "checkin",
    ]
    assert _stored(app)["keys"] == 0

    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    # The counter can read 0 while a page is still loading its outbox: wait for the outbox.
    wait_until_sent(page)
    expect(_count(page)).to_have_text("0")
    expect(page.locator("#offline-mark")).to_be_hidden()

    stored = _stored(app)
    at = {i["uuid"]: datetime.fromisoformat(i["at"].replace("Z", "+00:00")) for i in queued}
    start, stop = queued[0], queued[1]
    assert stored["entries"] == [(start["uuid"], at[start["uuid"]], at[stop["uuid"]])]
    assert at[stop["uuid"]] - at[start["uuid"]] == timedelta(minutes=2)
    assert at[start["uuid"]] == phone_start
    assert stored["acks"] == [at[i["uuid"]] for i in queued[2:5]]
    assert stored["checkins"] == [("Mail back up; UPS next", 1)]
    assert stored["keys"] == 6
    expect(page.locator("form.is-pending")).to_have_count(0)
    expect(page.get_by_text("✓ Acknowledged")).to_have_count(3)

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
    expect(_count(page)).to_have_text("0")
    assert _stored(app) == stored


def test_server_dies_mid_sync_and_the_sync_finishes_after_restart_with_nothing_lost_or_doubled(
    page: Page, context: BrowserContext, server: RestartableServer, app: Flask, tech_setup
):
    base = server.url
    phone_start = (utcnow() - timedelta(minutes=20)).replace(microsecond=0)
    page.clock.install(time=phone_start - timedelta(seconds=5))
    page.clock.pause_at(phone_start)
    open_phone(page, base, tech_setup["email"])
    _work_offline(page, context, base, tech_setup["sr"])
    queued = outbox_items(page)

    # The second acknowledgement is stored, then the server dies before answering.
    server.cutter.arm("/m/week/acknowledge", let_through=1)
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    assert server.cutter.cut.wait(timeout=30)
    wait_until(
        page,
        "async () => !(await window.mspboardOutbox.items()).some((i) => i.kind === 'timer-stop')",
    )
    expect(_count(page)).to_have_text("3")  # the cut acknowledgement, the third, the check-in
    left = outbox_items(page)
    assert [i["uuid"] for i in left] == [i["uuid"] for i in queued[3:]]
    assert all(i["state"] == "pending" for i in left)
    assert _stored(app)["keys"] == 4  # start, stop, first ack, and the cut one: stored, unanswered

    server.start()
    page.evaluate("() => { window.mspboardOutbox.flush(); }")
    expect(_count(page)).to_have_text("0")
    stored = _stored(app)
    at = {i["uuid"]: datetime.fromisoformat(i["at"].replace("Z", "+00:00")) for i in queued}
    assert stored["keys"] == 6
    assert stored["entries"] == [(queued[0]["uuid"], at[queued[0]["uuid"]], at[queued[1]["uuid"]])]
    assert stored["acks"] == [at[i["uuid"]] for i in queued[2:5]]
    assert stored["checkins"] == [("Mail back up; UPS next", 1)]


def test_taps_in_quick_succession_are_sent_in_the_order_they_were_made(
    page: Page, context: BrowserContext, server: RestartableServer, app: Flask, tech_setup
):
    open_phone(page, server.url, tech_setup["email"])
    page.goto(f"{server.url}/m/week")
    context.set_offline(True)
    page.clock.pause_at(utcnow().replace(microsecond=0) + timedelta(minutes=1))
    tapped = page.evaluate(
        """() => Array.from(document.querySelectorAll("form[data-kind=ack]"), (form) => {
            form.requestSubmit();  // three taps before the first is stored
            return form.id;
        })"""
    )
    expect(_count(page)).to_have_text("3")
    queued = outbox_items(page)
    assert [i["formId"] for i in queued] == tapped
    seqs = [i["seq"] for i in queued]
    assert seqs == sorted(set(seqs)), "each tap has its own place in the sending order"

    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(_count(page)).to_have_text("0")
    assert _stored(app)["keys"] == 3
