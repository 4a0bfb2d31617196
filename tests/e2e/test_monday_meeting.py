"""The Monday Morning Meeting in a real browser: the manager drafts the agenda at the desk
(adds, reorders, takes off) and runs it (an item discussed with a note, another made into an
SR); the demo's agenda prints on fewer than three A4 pages; and a tech reads the agenda on a
360 px phone, with no signal too."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from mspboard import demo
from mspboard.models import AgendaItem, ServiceRequest, User, db, utcnow
from mspboard.services.meetings import agenda, notes
from tests.e2e.conftest import new_context, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import RestartableServer, open_phone, shoot
from tests.factories import make_client, make_user

DESK = {"width": 1920, "height": 1080}


@pytest.fixture
def meeting_shop(app: Flask, people) -> dict:
    """Two techs' notes for the next meeting, a client for the SR, and Mona to run it."""
    with app.app_context():
        tech = db.session.scalar(db.select(User).where(User.email == people["technician"]))
        elena = make_user(name="Elena Ortiz")
        make_user(role="service_manager", name="Mona Manager", email="mona@example.test")
        make_client("Acme Dental")
        now = utcnow()
        notes.add_note(tech, "Vendor call about the new backup tool", now)
        notes.add_note(elena, "Ladder for the Birch Law ceiling APs", now)
        db.session.commit()
        return {"monday": agenda.current_meeting_day(now), "email": tech.email}


def _item(page: Page, text: str):
    return page.locator(".meeting-items .agenda-item", has_text=text)


def _order(page: Page) -> list[str]:
    return page.locator(".meeting-items .agenda-item .item-text").all_inner_texts()


def test_the_manager_drafts_and_runs_the_agenda(
    app: Flask, browser: Browser, live_server: str, meeting_shop
):
    page = new_context(browser, viewport=DESK).new_page()
    sign_in(page, live_server, "mona@example.test")
    page.wait_for_url(f"{live_server}/board")
    page.get_by_role("link", name="Monday", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Monday meeting · ")
    expect(_item(page, "Ladder for the Birch")).to_contain_text("from Elena Ortiz")

    # Drafting: add, reorder, take off.
    page.get_by_label("Add an item").fill("Holiday on-call rota")
    page.get_by_role("button", name="Add to the agenda").click()
    expect(page.locator(".flash-success")).to_have_text("Added to the agenda.")
    assert _order(page) == [
        "Vendor call about the new backup tool",
        "Ladder for the Birch Law ceiling APs",
        "Holiday on-call rota",
    ]
    page.get_by_role("button", name="Move “Holiday on-call rota” up").click()
    expect(page.locator(".flash-success")).to_contain_text("Moved “Holiday on-call rota” up.")
    assert _order(page)[1] == "Holiday on-call rota"
    page.get_by_role("button", name="Take “Ladder for the Birch Law ceiling APs” off").click()
    expect(page.locator(".removed-items summary")).to_contain_text("Taken off 1")
    assert len(_order(page)) == 2

    # Running: one item discussed with a note, another made into an SR.
    rota = _item(page, "Holiday on-call rota")
    rota.get_by_label("Note on “Holiday on-call rota”").fill("Elena drafts it by Friday")
    rota.get_by_role("button", name="Discussed").click()
    expect(_item(page, "Holiday on-call rota")).to_contain_text(
        "Discussed: Elena drafts it by Friday"
    )
    _item(page, "Vendor call").get_by_role("link", name="Make an SR or assign…").click()
    expect(page.locator("h1")).to_have_text("What came of it")
    page.screenshot(path=str(_shots() / "monday-outcome-1920.png"), caret="initial")
    assert serious_accessibility_violations(page) == []
    page.get_by_label("Note").fill("Trial in January")
    page.get_by_label("Client").select_option(label="Acme Dental")
    page.get_by_label("Priority").select_option("2")
    page.get_by_role("button", name="Make an SR").click()
    with app.app_context():
        sr = db.session.scalar(db.select(ServiceRequest))
        assert sr.title == "Vendor call about the new backup tool"
        number = sr.number
    expect(page.locator(".flash-success")).to_have_text(f"Discussed; made {number}.")
    expect(_item(page, "Vendor call")).to_contain_text(f"SR made: {number}")
    page.screenshot(path=str(_shots() / "monday-desk-1920.png"), full_page=True, caret="initial")
    assert serious_accessibility_violations(page) == []


def _shots():
    from tests.e2e.field_helpers import SHOTS

    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_the_demo_agendas_print_on_fewer_than_three_pages(
    app: Flask, browser: Browser, live_server: str
):
    with app.app_context():
        demo.seed_demo()
        db.session.commit()
        coming = agenda.current_meeting_day()
        assert db.session.scalar(db.select(db.func.count()).select_from(AgendaItem)) > 0
    page = new_context(browser, viewport=DESK).new_page()
    sign_in(page, live_server, "manager@demo.test", demo.DEMO_PASSWORD)
    page.wait_for_url(f"{live_server}/board")
    page.goto(f"{live_server}/manage/monday/{coming.isoformat()}")
    page.screenshot(path=str(_shots() / "monday-demo-1920.png"), full_page=True, caret="initial")
    page.get_by_role("link", name="Print view").click()
    expect(page.locator("h1")).to_contain_text("Monday Morning Meeting · ")
    expect(page.locator(".print-items")).to_contain_text("carried over from")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    page.screenshot(path=str(_shots() / "monday-print.png"), full_page=True, caret="initial")
    pages = pdf_pages(page.pdf(format="A4", print_background=True))
    assert 1 <= pages < 3, pages

    page.emulate_media(media="screen")
    last = coming.fromordinal(coming.toordinal() - 7)
    page.goto(f"{live_server}/manage/monday/{last.isoformat()}/print")
    expect(page.locator(".report-meta")).to_contain_text("Held")
    expect(page.locator(".print-items")).to_contain_text("SR made:")
    page.emulate_media(media="print")
    assert 1 <= pdf_pages(page.pdf(format="A4", print_background=True)) < 3


def test_a_tech_reads_the_agenda_on_the_phone_with_and_without_signal(
    page: Page, context: BrowserContext, server: RestartableServer, app: Flask, meeting_shop
):
    base = server.url
    open_phone(page, base, meeting_shop["email"])
    page.get_by_role("link", name="Monday agenda", exact=True).click()
    expect(page.locator("h1")).to_have_text(
        f"Monday agenda · {meeting_shop['monday'].strftime('%a %d %b')}"
    )
    items = page.locator("ol.phone-agenda li")
    expect(items).to_have_count(2)
    expect(items.nth(1)).to_contain_text("from Elena Ortiz")
    expect(page.get_by_role("button", name="Take", exact=False)).to_have_count(0)
    shoot(page, "monday-phone-360")
    assert serious_accessibility_violations(page) == []
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360

    context.set_offline(True)
    page.goto(f"{base}/m/agenda")
    expect(page.locator("#offline-mark")).to_contain_text("Offline")
    expect(page.locator("ol.phone-agenda li")).to_have_count(2)
    expect(page.locator("ol.phone-agenda")).to_contain_text("Ladder for the Birch Law ceiling APs")
    shoot(page, "monday-phone-offline")
