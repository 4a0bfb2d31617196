"""The phone's outbox at its seams, one browser test per way it once lost or misattributed a
tech's work: who made a change, what it said, a change the server fails on, forms with no
signal, the server's answers, a second check-in, the phone's moment, and a shared phone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, Route, expect

from mspboard.models import AgendaItem, CheckIn, ScheduleItem, TimeEntry, User, db, utcnow
from tests.e2e.conftest import PHONE, sign_in
from tests.e2e.field_helpers import (
    RestartableServer,
    open_phone,
    outbox_items,
    shoot,
    wait_until,
)
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_entry, make_schedule_item

TOM, ELENA = "tom@example.test", "elena@example.test"


@pytest.fixture
def shop(app: Flask) -> dict:
    with app.app_context():
        tom = make_user(role="technician", email=TOM, name="Tom Nakamura")
        elena = make_user(role="technician", email=ELENA, name="Elena Ruiz")
        sr = make_sr(assignee=tom, priority=1, title="Mail server down")
        other_sr = make_sr(assignee=tom, priority=3, title="Label printer offline")
        client = make_client("Kestrel Architects")
        entry = make_entry(tom, utcnow() - timedelta(hours=3), 30, client=client, notes="Docs")
        db.session.commit()
        return {
            "tom": tom.id,
            "elena": elena.id,
            "sr": sr.number,
            "other_sr": other_sr.id,
            "other_sr_number": other_sr.number,
            "entry": entry.id,
        }


def count(page: Page):
    return page.locator("#outbox-count .outbox-number")


def entries_of(app: Flask, user_id: int) -> list[TimeEntry]:
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(TimeEntry).where(TimeEntry.tech_id == user_id).order_by(TimeEntry.id)
            )
        )


def open_outbox(page: Page) -> None:
    if page.locator("#outbox-list").is_hidden():
        page.locator("#outbox-count").click()


def add_agenda_note(page: Page, text: str) -> None:
    page.locator("#agenda-quick summary").click()
    page.locator("#agenda-quick-form").get_by_label("Note for the Monday meeting").fill(text)
    page.locator("#agenda-quick-form").get_by_role("button").click()


# 1 ---------------------------------------------------------------------------------------


def test_a_change_waits_for_its_maker_and_is_never_saved_under_whoever_signed_in_since(
    context: BrowserContext, server: RestartableServer, app: Flask, shop
):
    base = server.url
    toms_tab = context.new_page()
    open_phone(toms_tab, base, TOM)
    context.set_offline(True)
    toms_tab.get_by_role("button", name=f"Start on {shop['sr']}").click()
    expect(count(toms_tab)).to_have_text("1")
    started_on_phone = outbox_items(toms_tab)[0]["at"]

    # Tom's session lapses; Elena signs in on the same phone in another tab.
    context.clear_cookies()
    context.set_offline(False)
    elenas_tab = context.new_page()
    elenas_tab.set_viewport_size(PHONE)
    sign_in(elenas_tab, base, ELENA)
    elenas_tab.wait_for_url(f"{base}/m/")

    toms_tab.evaluate("() => { window.mspboardOutbox.flush(); }")
    expect(toms_tab.locator("#outbox-others")).to_contain_text(
        "1 change by Tom Nakamura waits for Tom Nakamura to sign in."
    )
    expect(elenas_tab.locator("#outbox-others")).to_contain_text("1 change by Tom Nakamura")
    shoot(toms_tab, "outbox-waits-for-its-maker")
    assert entries_of(app, shop["elena"]) == []
    assert len(entries_of(app, shop["tom"])) == 1  # only the entry he had before

    # Tom signs in again: his change goes, under his name, with the phone's moment.
    toms_tab.get_by_role("button", name="Sign out").click()
    toms_tab.wait_for_url(f"{base}/login")
    sign_in(toms_tab, base, TOM)
    toms_tab.wait_for_url(f"{base}/m/")
    wait_until(toms_tab, "async () => (await window.mspboardOutbox.items()).length === 0")
    expect(toms_tab.locator("#outbox-others")).to_be_hidden()
    toms = entries_of(app, shop["tom"])
    assert len(toms) == 2 and toms[1].started_at.isoformat().startswith(started_on_phone[:19])
    assert entries_of(app, shop["elena"]) == []


# 2 ---------------------------------------------------------------------------------------


def test_a_change_sent_again_with_other_details_is_refused_with_the_reason(
    page: Page, server: RestartableServer, app: Flask, shop
):
    open_phone(page, server.url, TOM)
    page.route("**/m/agenda", lambda route: route.abort())  # no answer: the note stays
    add_agenda_note(page, "Vendor call")
    wait_until(page, "async () => (await window.mspboardOutbox.items()).length === 1")
    [kept] = outbox_items(page)
    page.unroute("**/m/agenda")
    page.evaluate("() => { window.mspboardOutbox.flush(); }")
    expect(count(page)).to_have_text("0")

    # A phone that kept a changed copy under the same id sends it: it is not a replay.
    page.evaluate(
        """async (item) => {
            const body = new URLSearchParams(item.body);
            body.set('text', 'Vendor call about the firewall');
            const open = indexedDB.open('mspboard-outbox', 1);
            const db = await new Promise((ok) => { open.onsuccess = () => ok(open.result); });
            const tx = db.transaction('items', 'readwrite');
            tx.objectStore('items').put({...item, body: body.toString()});
            await new Promise((ok) => { tx.oncomplete = ok; });
            db.close();
            await window.mspboardOutbox.flush();
        }""",
        kept,
    )
    open_outbox(page)
    expect(page.locator("#outbox-list .outbox-reason")).to_contain_text(
        "already sent with different details"
    )
    with app.app_context():
        assert [a.text for a in db.session.scalars(db.select(AgendaItem))] == ["Vendor call"]


# 3 ---------------------------------------------------------------------------------------


def test_a_change_the_server_fails_on_is_retried_then_stuck_and_the_rest_go_on(
    page: Page, server: RestartableServer, app: Flask, shop
):
    open_phone(page, server.url, TOM)
    failures = []

    def fail(route: Route) -> None:
        failures.append(1)
        route.fulfill(
            status=500,
            content_type="text/html",
            body="<html><body><main><h1>Bad gateway</h1><p>Upstream died.</p></main></body></html>",
        )

    page.route("**/m/timer/start", fail)
    page.get_by_role("button", name=f"Start on {shop['sr']}").click()
    page.locator("#stop-pending").get_by_role("button", name="Stop").click()
    add_agenda_note(page, "Order toner")
    # The note behind the failing start is saved; the stop waits for its start.
    expect(page.locator("#outbox-toast")).to_contain_text("Added to the Monday meeting")
    assert [i["kind"] for i in outbox_items(page)] == ["timer-start", "timer-stop"]
    with app.app_context():
        assert [a.text for a in db.session.scalars(db.select(AgendaItem))] == ["Order toner"]
    open_outbox(page)
    stop_row = page.locator(".outbox-item", has_text="Stop timer")
    expect(stop_row).to_contain_text("Waits for its timer start above")
    for tries in (2, 3):  # tried again after 5 s, then after 20 s more
        page.clock.fast_forward(21000 if tries == 3 else 6000)
        for _ in range(100):
            if len(failures) >= tries:
                break
            page.wait_for_timeout(100)
    start_row = page.locator(".outbox-item", has_text="Start timer")
    expect(start_row.locator(".outbox-state")).to_have_text("stuck")
    expect(start_row.locator(".outbox-reason")).to_contain_text("Bad gateway Upstream died.")
    expect(start_row.get_by_role("button", name="Try again")).to_be_visible()
    expect(start_row.get_by_role("button", name="Discard")).to_be_visible()
    assert len(failures) == 3
    shoot(page, "outbox-stuck-item")

    page.unroute("**/m/timer/start")
    start_row.get_by_role("button", name="Try again").click()
    expect(count(page)).to_have_text("0")
    tom = entries_of(app, shop["tom"])
    assert len(tom) == 2 and tom[1].ended_at is not None


# 4 ---------------------------------------------------------------------------------------


def test_entry_forms_and_queue_srs_work_with_no_signal_and_a_page_never_kept_says_so(
    page: Page, context: BrowserContext, server: RestartableServer, app: Flask, shop
):
    base = server.url
    open_phone(page, base, TOM)
    context.set_offline(True)

    page.goto(f"{base}/m/entries/new")
    expect(page.get_by_role("heading", name="Add time")).to_be_visible()
    page.get_by_label("Start", exact=True).fill("07:00")
    page.get_by_label("Or duration (minutes)").fill("30")
    page.get_by_label("Client (when there is no SR)").select_option(label="Kestrel Architects")
    page.get_by_label("Notes").fill("Travel")
    page.get_by_role("button", name="Add entry").click()
    expect(count(page)).to_have_text("1")

    # Edit it before it is sent: the one item is replaced, not doubled.
    open_outbox(page)
    page.locator(".outbox-item").get_by_role("button", name="Edit").click()
    expect(page.get_by_label("Notes")).to_have_value("Travel")
    page.get_by_label("Notes").fill("Travel to Kestrel")
    page.get_by_role("button", name="Add entry").click()
    wait_until(
        page,
        """async () => {
            const items = await window.mspboardOutbox.items();
            return items.length === 1 && items[0].body.includes('Travel+to+Kestrel');
        }""",
    )

    page.goto(f"{base}/m/entries/{shop['entry']}/edit")
    expect(page.get_by_label("Notes")).to_have_value("Docs")

    page.goto(f"{base}/m/queue")
    page.get_by_role("link", name="Label printer offline").click()
    expect(
        page.get_by_role("heading", name=f"{shop['other_sr_number']} Label printer offline")
    ).to_be_visible()
    page.get_by_role("button", name="Start timer").click()
    expect(count(page)).to_have_text("2")

    page.goto(f"{base}/m/timecard/2026-01-05")
    expect(page.get_by_role("heading", name="Not available offline")).to_be_visible()
    expect(page.get_by_text("Tom Nakamura")).to_have_count(0)
    shoot(page, "outbox-not-available-offline")

    page.goto(f"{base}/m/")
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_until(page, "async () => (await window.mspboardOutbox.items()).length === 0")
    tom = entries_of(app, shop["tom"])
    assert sorted(e.notes for e in tom) == ["", "Docs", "Travel to Kestrel"]
    assert [e.sr_id for e in tom if e.ended_at is None] == [shop["other_sr"]]


# 5 ---------------------------------------------------------------------------------------


def test_what_the_server_said_reaches_the_tech_partial_successes_and_html_refusals_included(
    page: Page, context: BrowserContext, server: RestartableServer, app: Flask, shop
):
    base = server.url
    with app.app_context():
        tom = db.session.get(User, shop["tom"])
        soon = utcnow() + timedelta(hours=2)
        items = [
            make_schedule_item(tom, soon + timedelta(hours=h), title=t)
            for h, t in ((0, "Patch servers"), (2, "Replace UPS"), (4, "Audit backups"))
        ]
        db.session.commit()
        changed_id = items[1].id
    open_phone(page, base, TOM)
    page.goto(f"{base}/m/week")
    context.set_offline(True)
    page.get_by_role("button", name="Acknowledge all").first.click()
    expect(count(page)).to_have_text("1")
    with app.app_context():
        item = db.session.get(ScheduleItem, changed_id)
        item.title, item.version = "Replace UPS (moved)", item.version + 1
        db.session.commit()
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    toast = page.locator("#outbox-toast")
    expect(toast).to_contain_text("Acknowledged 2 items. Not acknowledged:")
    expect(toast).to_have_attribute("role", "alert")
    page.wait_for_timeout(500)
    page.clock.fast_forward(10000)
    expect(toast).to_be_visible()  # a partial success stays until read
    expect(page.locator("#outbox-count")).to_be_hidden()  # the outbox is empty again
    shoot(page, "outbox-partial-answer")
    toast.get_by_role("button", name="OK").click()
    expect(toast).to_be_hidden()

    page.goto(f"{base}/m/checkin")
    page.get_by_label("How did the day go?").fill("Fine")
    page.get_by_role("button", name="Send check-in").click()
    expect(page.locator("#outbox-toast")).to_contain_text("Checked in. Thanks!")

    page.route(
        "**/m/agenda",
        lambda route: route.fulfill(
            status=403,
            content_type="text/html",
            body="<html><body><main><h1>Not yours</h1><p>Ask your admin.</p></main></body></html>",
        ),
    )
    add_agenda_note(page, "Order toner")
    open_outbox(page)
    expect(page.locator(".outbox-reason")).to_have_text("Not yours Ask your admin.")


# 6 ---------------------------------------------------------------------------------------


def test_a_second_check_in_adds_to_the_first_and_shows_when_each_was_made(
    page: Page, context: BrowserContext, server: RestartableServer, app: Flask, shop, clock
):
    base = server.url
    open_phone(page, base, TOM)
    page.goto(f"{base}/m/checkin")
    context.set_offline(True)
    page.get_by_label("How did the day go?").fill("Two visits done.")
    page.get_by_label("Issue needing attention").fill("Printer toner low")
    page.get_by_label("Plan for tomorrow").fill("Oakridge firewall")
    page.get_by_role("button", name="Send check-in").click()
    page.evaluate("async () => { await window.mspboardOutbox.stored(); }")
    made_at = outbox_items(page)[0]["at"]
    page.clock.fast_forward("15:00")  # the signal returns a quarter of an hour later
    clock.shift(timedelta(minutes=15))
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(count(page)).to_have_text("0")
    page.wait_for_url(f"{base}/m/")  # sent, the phone shows Today

    page.goto(f"{base}/m/checkin")
    page.get_by_label("Issue needing attention").fill("Server room door sticks")
    page.get_by_role("button", name="Send check-in").click()
    expect(page.locator("#outbox-toast")).to_contain_text("Checked in. Thanks!")
    with app.app_context():
        checkin = db.session.scalar(db.select(CheckIn))
        assert checkin.how_it_went == "Two visits done."
        assert checkin.plan_for_tomorrow == "Oakridge firewall"
        assert [i.text for i in checkin.issues] == ["Printer toner low", "Server room door sticks"]
        assert checkin.created_at.isoformat().startswith(made_at[:19])
        first_shown = page.evaluate("(iso) => new Date(iso).toTimeString().slice(0, 5)", made_at)
    page.goto(f"{base}/m/checkin")
    expect(page.locator("#checked-in")).to_contain_text(f"You checked in today at {first_shown}")
    expect(page.locator("#checked-in")).to_contain_text("and added to it at")


# 7 ---------------------------------------------------------------------------------------


def test_a_change_older_than_a_week_on_the_phone_is_refused_with_what_to_do(
    browser, server: RestartableServer, app: Flask, shop
):
    context = browser.new_context()
    context.clock.install(time=utcnow() - timedelta(days=8))
    page = context.new_page()
    open_phone(page, server.url, TOM)
    add_agenda_note(page, "Old note")
    open_outbox(page)
    expect(page.locator(".outbox-reason")).to_have_text(
        "This change is older than 7 days; enter it by hand and tell your manager."
    )
    expect(page.get_by_role("button", name="Discard")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AgendaItem)) == 0


# 8 ---------------------------------------------------------------------------------------


def test_signing_out_takes_the_techs_pages_off_a_shared_phone(
    page: Page, context: BrowserContext, server: RestartableServer, shop
):
    base = server.url
    open_phone(page, base, ELENA)
    expect(page.locator("main")).to_contain_text("Elena")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/login")
    context.set_offline(True)
    for path in ("/m/", "/m/timecard", "/m/timeoff"):
        page.goto(f"{base}{path}")
        expect(page.get_by_role("heading", name="Not available offline")).to_be_visible()
        expect(page.get_by_text("Elena")).to_have_count(0)


def test_the_offline_banner_follows_the_real_state_within_5_seconds(
    page: Page, context: BrowserContext, server: RestartableServer, shop
):
    base = server.url
    open_phone(page, base, ELENA)
    server.stop()
    page.reload()
    expect(page.locator("#offline-mark")).to_be_visible()
    server.start()
    expect(page.locator("#offline-mark")).to_be_hidden(timeout=5000)

    # The session ends while the page shows a kept copy: it stops greeting Elena.
    server.stop()
    page.reload()
    expect(page.locator("#offline-mark")).to_be_visible()
    context.clear_cookies()
    server.start()
    expect(page.locator("#outbox-signin")).to_be_visible(timeout=5000)
    expect(page.locator(".topbar .account")).to_be_hidden()
    page.goto(f"{base}/m/timecard")  # what the phone kept of her went with the session
    page.wait_for_url(re.compile(r"/login\?next="))
    context.set_offline(True)
    page.goto(f"{base}/m/timecard")
    expect(page.get_by_role("heading", name="Not available offline")).to_be_visible()
