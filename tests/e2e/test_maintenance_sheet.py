"""The Monthly Tracking Sheet in a real browser at the manager's desk: progress shows live,
next month is reviewed and opened, and a client's month summary prints on one or two A4
pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from mspboard import events
from mspboard.models import ChecklistRun, User, db, utcnow
from mspboard.services.maintenance import months
from tests.e2e.conftest import new_context, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import SHOTS
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_entry
from tests.maintenance_factories import make_item, ticked
from tests.shop_time import at_local, today_local

DESK = {"width": 1920, "height": 1080}

CHECKS = [
    ("Backups verified", "Veeam job 'Nightly' OK, 28 restore points, last run 02:14"),
    ("Offsite copy verified", "Wasabi bucket in sync, 31 days kept"),
    ("Test restore of one file", "Restored Q3-report.xlsx from Tuesday, opened fine"),
    ("Antivirus definitions current", "All 24 endpoints on today's definitions"),
    ("Windows updates installed", "22 of 24 patched; two laptops offline since Friday"),
    ("Server disk space", "C: 41% free, D: 18% free after clearing old logs"),
    ("Event logs reviewed", "No critical events; two disk warnings on FS01 (see SR)"),
    ("Firewall firmware current", "FortiGate on 7.2.8, no advisories open"),
    ("VPN accounts reviewed", "Removed the account of a leaver (J. Park)"),
    ("Admin accounts reviewed", "Three domain admins, all expected"),
    ("UPS self-test", "Battery at 40% capacity after self-test: replacement needed"),
    ("Printer supplies", "Toner ordered for the reception printer"),
    ("Wi-Fi access points", "Firmware current on all four APs"),
    ("SSL certificates", "Mail certificate renews in 52 days, auto-renew on"),
    ("Documentation updated", "Network diagram updated with the new switch"),
]
PROBLEMS = {"Event logs reviewed", "UPS self-test"}


@pytest.fixture
def month_shop(app) -> dict:
    """Tess owns Acme's and Birch's runs of this month; Acme's has the fifteen checks."""
    with app.app_context():
        tess = make_user(name="Tess Tech", email="tess@example.test")
        make_user(role="service_manager", name="Mona Manager", email="mona@example.test")
        for position, (title, _note) in enumerate(CHECKS):
            make_item(title, position=position)
        for name in ("Acme Dental", "Birch Law"):
            make_client(name).maintenance_owner_id = tess.id
        months.open_month(None, months.this_month())
        db.session.commit()
        runs = {run.client.name: run.id for run in db.session.scalars(db.select(ChecklistRun))}
        return {"acme": runs["Acme Dental"], "birch": runs["Birch Law"], "tess": tess.id}


def desk(browser: Browser, live_server: str) -> Page:
    page = new_context(browser, viewport=DESK).new_page()
    sign_in(page, live_server, "mona@example.test")
    page.wait_for_url(f"{live_server}/board")
    return page


def test_the_sheet_shows_a_tick_made_elsewhere_without_a_reload(
    app, browser: Browser, live_server: str, month_shop
):
    page = desk(browser, live_server)
    page.get_by_role("link", name="Maintenance").click()
    acme = page.locator(f"#run-{month_shop['acme']}")
    expect(acme).to_contain_text("0/15")
    expect(acme).to_contain_text("Not started")
    expect(page.locator("#manage-live")).to_have_attribute("data-live", "connected")

    with app.app_context():
        run = db.session.get(ChecklistRun, month_shop["acme"])
        tess = db.session.get(User, month_shop["tess"])
        ticked(run.items[0], tess, utcnow(), note=CHECKS[0][1])
        events.announce(db.session, events.MAINTENANCE)
        db.session.commit()

    expect(acme).to_contain_text("1/15")
    expect(acme).to_contain_text("In progress")
    expect(page.locator("#sheet-summary")).to_contain_text("Runs done 0/2")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "maintenance-sheet-1920.png"), full_page=True, caret="initial")
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name="Acme Dental").click()
    expect(page.locator(".run-items")).to_contain_text("Veeam job 'Nightly' OK")
    expect(page.locator(".run-items")).to_contain_text("Tess Tech")
    page.screenshot(path=str(SHOTS / "maintenance-run-1920.png"), full_page=True, caret="initial")
    assert serious_accessibility_violations(page) == []


def test_next_month_is_reviewed_then_opened_from_the_desk(
    app, browser: Browser, live_server: str, month_shop
):
    page = desk(browser, live_server)
    page.goto(f"{live_server}/manage/maintenance")
    page.get_by_role("link", name="Review next month").click()
    next_label = page.locator("h1").inner_text().split("·")[-1].strip()
    expect(page.locator("table.preview")).to_contain_text("Acme Dental")
    expect(page.locator("table.preview")).to_contain_text("Tess Tech")
    assert serious_accessibility_violations(page) == []

    page.get_by_role("button", name=f"Open {next_label}").click()

    expect(page.locator(".flash-success")).to_have_text(f"Opened {next_label}: 2 runs.")
    expect(page.locator("h1")).to_have_text(f"Maintenance · {next_label}")
    expect(page.locator("table.sheet tbody tr")).to_have_count(2)
    expect(page.get_by_role("button", name=f"Open {next_label}")).to_have_count(0)


def pdf_pages(pdf: bytes) -> int:
    """The pages of a PDF: its page objects (/Type /Page, not the /Pages tree)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_a_clients_month_summary_prints_on_one_or_two_a4_pages(
    app, browser: Browser, live_server: str, month_shop
):
    with app.app_context():
        run = db.session.get(ChecklistRun, month_shop["acme"])
        tess = db.session.get(User, month_shop["tess"])
        for item, (title, note) in zip(run.items, CHECKS, strict=True):
            sr = None
            if title in PROBLEMS:
                sr = make_sr(client=run.client, title=f"{title}: follow up", assignee=tess)
            outcome = "problem" if title in PROBLEMS else "done"
            ticked(item, tess, at_local(today_local(), 10), outcome, note, sr=sr)
        make_entry(tess, at_local(today_local(), 8), minutes=95).checklist_run_id = run.id
        db.session.commit()

    page = desk(browser, live_server)
    page.goto(f"{live_server}/manage/maintenance/runs/{month_shop['acme']}")
    page.get_by_role("link", name="Printable summary").click()
    expect(page.locator("h1")).to_have_text("Monthly maintenance · Acme Dental")
    expect(page.locator(".report-found li")).to_have_count(2)
    expect(page.locator(".report-head")).to_contain_text("time spent: 1 h 35 min")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "maintenance-report.png"), full_page=True, caret="initial")

    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    page.screenshot(
        path=str(SHOTS / "maintenance-report-print.png"), full_page=True, caret="initial"
    )
    pdf = page.pdf(format="A4", path=str(SHOTS / "maintenance-report.pdf"))

    assert 1 <= pdf_pages(pdf) <= 2
