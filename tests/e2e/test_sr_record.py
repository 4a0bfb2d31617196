"""The SR's working record in a real browser: a note and a close with its resolution at the
desk, and a note written on the phone with no signal that reaches the server once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from mspboard.models import ServiceRequest, SRNote, User, db, utcnow
from mspboard.services import client_contacts
from tests.e2e.conftest import sign_in
from tests.e2e.field_helpers import (
    RestartableServer,
    open_phone,
    outbox_items,
    shoot,
    wait_until_sent,
)
from tests.factories import make_client, make_sr


@pytest.fixture
def sr_setup(app: Flask, people) -> dict:
    with app.app_context():
        tech = db.session.scalar(db.select(User).where(User.email == people["technician"]))
        client = make_client("Harbor Dental")
        ana = client_contacts.add_contact(
            tech,
            client,
            client_contacts.ContactFields(
                "Ana Ruiz", "Office manager", "+1 (555) 010-2030", "ana@harbor.test"
            ),
        )
        sr = make_sr(
            client, "Reception printer jams", priority=2, status="in_progress", assignee=tech
        )
        sr.requester = ana
        db.session.commit()
        return {"id": sr.id, "number": sr.number, "tech": tech.email}


def _notes(app: Flask) -> list[tuple[str, str, datetime]]:
    with app.app_context():
        return [
            (n.kind, n.body, n.written_at)
            for n in db.session.scalars(db.select(SRNote).order_by(SRNote.id))
        ]


def test_the_desk_adds_a_note_and_closes_the_sr_with_its_resolution(
    page: Page, live_server: str, people, app: Flask, sr_setup
):
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in(page, live_server, people["service_manager"])
    page.goto(f"{live_server}/sr/{sr_setup['number']}")
    page.get_by_label("Note", exact=True).fill("Pickup roller worn; new one ordered.")
    page.get_by_role("button", name="Add note").click()
    notes = page.locator("#notes")
    expect(notes.locator(".note-body")).to_have_text(["Pickup roller worn; new one ordered."])
    expect(notes.get_by_role("link", name="Edit")).to_be_visible()
    shoot(page, "desk-sr-note-1920")

    page.goto(f"{live_server}/board")
    menu = page.get_by_role("dialog", name=f"Move {sr_setup['number']}")
    page.get_by_role("button", name=f"Move {sr_setup['number']}").click()
    expect(menu.get_by_label("Resolution")).to_be_hidden()
    menu.get_by_label("Move to").select_option("done")
    expect(menu.get_by_label("Resolution")).to_be_visible()
    menu.get_by_role("button", name="Move", exact=True).click()
    # Refused for want of a resolution: the menu again, the reason beside the field.
    expect(menu).to_be_visible()
    expect(menu.locator("#move-resolution-error")).to_contain_text("Say how it was resolved")
    shoot(page, "desk-board-close-refused-1920")
    with app.app_context():
        assert db.session.get(ServiceRequest, sr_setup["id"]).status == "in_progress"
    menu.get_by_label("Resolution").fill("Fitted the new roller; 50 test pages, no jams.")
    menu.get_by_role("button", name="Move", exact=True).click()
    expect(menu).to_be_hidden()
    card = page.locator(f"#col-done #sr-{sr_setup['id']}")
    expect(card).to_be_visible()
    expect(card.locator(".notes")).to_contain_text("2")

    page.goto(f"{live_server}/sr/{sr_setup['number']}")
    expect(page.locator("#resolution")).to_contain_text("Fitted the new roller")
    expect(page.locator(".activity-log")).to_contain_text("Resolution: Fitted the new roller")
    shoot(page, "desk-sr-resolved-1920")
    page.set_viewport_size({"width": 1366, "height": 900})
    shoot(page, "desk-sr-resolved-1366")
    assert [kind for kind, _body, _at in _notes(app)] == ["note", "resolution"]


def test_a_note_written_offline_on_the_phone_syncs_once_with_its_moment(
    page: Page, context: BrowserContext, server: RestartableServer, app: Flask, sr_setup
):
    base = server.url
    written = (utcnow() - timedelta(minutes=20)).replace(microsecond=0)
    page.clock.install(time=written - timedelta(seconds=5))
    page.clock.pause_at(written)
    open_phone(page, base, sr_setup["tech"])
    page.goto(f"{base}/m/sr/{sr_setup['id']}")

    call = page.get_by_role("link", name="Call +1 (555) 010-2030")
    expect(call).to_have_attribute("href", "tel:+15550102030")
    expect(page.get_by_role("link", name="Email ana@harbor.test")).to_have_attribute(
        "href", "mailto:ana@harbor.test"
    )
    for link in (call, page.get_by_role("link", name="Email ana@harbor.test")):
        box = link.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 44

    context.set_offline(True)
    page.reload()  # as last seen, from the phone
    page.get_by_label("Add a note").fill("Roller worn; ordered one. Basement, no signal.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#outbox-count .outbox-number")).to_have_text("1")
    shoot(page, "phone-sr-note-offline-360")
    queued = outbox_items(page)
    assert [i["kind"] for i in queued] == ["sr-note"]
    assert _notes(app) == []

    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_until_sent(page)
    assert _notes(app) == [("note", "Roller worn; ordered one. Basement, no signal.", written)]

    # The whole outbox once more, as a phone that never heard the answer: still one note.
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
    assert len(_notes(app)) == 1
    page.goto(f"{base}/m/sr/{sr_setup['id']}")
    expect(page.locator(".note-body")).to_have_text(
        ["Roller worn; ordered one. Basement, no signal."]
    )
    shoot(page, "phone-sr-notes-360")
