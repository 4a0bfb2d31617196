"""Approve a card, then review and export the week's invoices in the browser."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Page, expect

from mspboard.models import User, db
from tests.e2e.conftest import serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import SHOTS
from tests.factories import make_client, make_sr
from tests.field_factories import make_card, make_entry

MONDAY = date(2026, 11, 16)


@pytest.fixture
def submitted_week(app, people) -> dict:
    with app.app_context():
        tech = db.session.scalar(db.select(User).where(User.email == people["technician"]))
        client = make_client("Quarry Hill Winery", rate_cents=12000)
        sr = make_sr(client, "Replace the cellar Wi-Fi access point")
        for day in range(5):
            entry = make_entry(tech, datetime(2026, 11, 16 + day, 8, tzinfo=UTC), 8 * 60, sr=sr)
            entry.synced_at = entry.ended_at
        make_card(tech, MONDAY, "submitted")
        db.session.commit()
        return {"sr": sr.number}


def test_approve_review_adjust_annotate_and_export(
    page: Page, live_server, people, submitted_week, tmp_path
):
    sign_in(page, live_server, people["service_manager"])
    page.goto(f"{live_server}/manage/approvals")
    page.locator(".queue-item", has_text="Time card").get_by_role("button", name="Approve").click()
    expect(page.locator("#approval-notice")).to_contain_text("Approved")
    # A live refresh of the queue (as when another manager decides) keeps what was just said.
    with page.expect_response(lambda r: r.request.method == "GET" and "/manage/approvals" in r.url):
        page.evaluate(
            "() => document.getElementById('manage-live').dispatchEvent("
            "new CustomEvent('refresh', {bubbles: true, detail: {data: 'approvals'}}))"
        )
    expect(page.locator("#approval-queue")).to_contain_text("Nothing waits for a decision.")
    expect(page.locator("#approval-notice")).to_contain_text("Approved")  # and keeps the notice

    page.goto(f"{live_server}/manage/invoices/{MONDAY.isoformat()}")
    # Looking at the week proposes nothing; the manager asks for the proposals.
    expect(page.locator("#proposal-state")).to_contain_text("No invoices proposed yet")
    expect(page.locator("article.invoice")).to_have_count(0)
    page.get_by_role("button", name="Propose invoices").click()
    expect(page.locator(".flashes")).to_contain_text("Proposed invoices are up to date")
    expect(page.locator("#proposal-state")).to_have_count(0)
    invoice = page.locator("article.invoice", has_text="Quarry Hill Winery")
    expect(invoice).to_contain_text("40.00 h")
    expect(invoice.locator(".invoice-total")).to_have_text("$4,800.00")
    line = invoice.locator(".invoice-line").first
    line.get_by_label("Bill (hours)").fill("38")
    line.get_by_label("Note").fill("Two hours were setup we do not charge")
    line.get_by_role("button", name="Save").click()
    invoice = page.locator("article.invoice", has_text="Quarry Hill Winery")
    expect(invoice.locator(".invoice-total")).to_have_text("$4,560.00")
    invoice.get_by_label("Note on this invoice").fill("Send with the access point receipt")
    # Mark the invoice on the page; the server's answer replaces it with an unmarked one.
    page.evaluate("() => { document.querySelector('article.invoice').dataset.before = 'yes' }")
    invoice.get_by_role("button", name="Save note").click()
    expect(page.locator("article.invoice[data-before]")).to_have_count(0)
    expect(page.get_by_label("Note on this invoice")).to_have_value(
        "Send with the access point receipt"
    )
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.locator("article.invoice .status-pill")).to_have_text("Reviewed")
    assert serious_accessibility_violations(page) == []

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export reviewed invoices (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == f"invoices-{MONDAY.isoformat()}.csv"
    path = tmp_path / "invoices.csv"
    download.save_as(path)
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1
    row = rows[0]
    assert (
        row["Customer"],
        row["Item"],
        row["Quantity"],
        row["Rate (USD)"],
        row["Amount (USD)"],
    ) == (
        "Quarry Hill Winery",
        submitted_week["sr"],
        "38.00",
        "120.00",
        "4560.00",
    )
    assert "Two hours were setup" in row["Description"]


def test_late_time_and_a_rate_change_show_on_the_invoices_and_the_new_rate_is_applied(
    page: Page, live_server, app, people
):
    with app.app_context():
        from mspboard.services import invoicing
        from tests.factories import make_user

        manager = db.session.scalar(db.select(User).where(User.email == people["service_manager"]))
        client = make_client("Quarry Hill Winery", rate_cents=12000)
        sr = make_sr(client, "Replace the cellar Wi-Fi access point")
        first, late = make_user(name="Ana Early"), make_user(name="Luis Late")
        for tech, day in ((first, 16), (late, 17)):
            entry = make_entry(tech, datetime(2026, 11, day, 8, tzinfo=UTC), 4 * 60, sr=sr)
            entry.synced_at = entry.ended_at
        make_card(first, MONDAY, "approved")
        late_card = make_card(late, MONDAY, "submitted")
        [invoice] = invoicing.regenerate(MONDAY)
        invoicing.mark_reviewed(manager, invoice, expected_version=invoice.version)
        invoicing.mark_exported(manager, [invoice])
        late_card.status, late_card.decided_at = "approved", invoice.exported_at
        db.session.commit()
        client_id = client.id

    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server, people["service_manager"])
    page.goto(f"{live_server}/manage/invoices/{MONDAY.isoformat()}")
    expect(page.locator("#proposal-state")).to_contain_text("Proposals are out of date")
    expect(page.locator("article.invoice")).to_have_count(1)  # only what was exported
    page.get_by_role("button", name="Update proposals").click()
    expect(page.locator("article.invoice")).to_have_count(2)
    exported, supplement = page.locator("article.invoice").all()
    expect(exported.locator(".status-pill")).to_have_text("Exported")
    expect(exported.locator(".invoice-total")).to_have_text("$480.00")  # as it was sent
    expect(supplement).to_contain_text("Late time: approved after this week's invoice")
    expect(supplement).to_contain_text("(worked Tue 17 Nov)")
    expect(supplement.locator(".invoice-total")).to_have_text("$480.00")

    with app.app_context():
        from mspboard.models import Client

        db.session.get(Client, client_id).billing_rate_cents = 15000
        db.session.commit()
    page.reload()
    supplement = page.locator("article.invoice").nth(1)
    expect(supplement).to_contain_text("the client's rate is now $150.00")
    expect(supplement.locator(".invoice-total")).to_have_text("$480.00")  # not repriced
    # caret="initial": hiding the caret leaves style="" on inputs, which htmx then copies
    # onto their replacements, and the page's Content-Security-Policy refuses that.
    page.screenshot(path=str(SHOTS / "invoices-late-time.png"), full_page=True, caret="initial")
    supplement.get_by_role("button", name="Bill at today's rate ($150.00)").click()
    supplement = page.locator("article.invoice").nth(1)
    expect(supplement.locator(".invoice-total")).to_have_text("$600.00")
    assert serious_accessibility_violations(page) == []
