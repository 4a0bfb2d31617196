"""The year in figures in a real browser at the manager's desk, on the demo shop: last year's
charts and numbers, the CSV downloaded, the review written and saved, and the page printed
on fewer than three A4 pages."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import Browser, expect

from mspboard import demo
from mspboard.models import db, utcnow
from mspboard.services.time_weeks import local_date
from tests.e2e.conftest import new_context, serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import SHOTS
from tests.e2e.test_maintenance_sheet import pdf_pages

DESK = {"width": 1920, "height": 1080}


@pytest.fixture
def last_year(app) -> int:
    with app.app_context():
        demo.seed_demo(utcnow())
        db.session.commit()
        return local_date(utcnow()).year - 1


def test_the_manager_reads_last_year_downloads_it_writes_the_review_and_prints_it(
    browser: Browser, live_server: str, last_year: int
):
    page = new_context(browser, viewport=DESK, accept_downloads=True).new_page()
    sign_in(page, live_server, "manager@demo.test", demo.DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Year").click()
    expect(page.locator("h1")).to_have_text(f"The year in figures: {last_year + 1}")
    page.get_by_role("link", name=f"← {last_year}").click()
    expect(page.locator("h1")).to_have_text(f"The year in figures: {last_year}")

    charts = page.get_by_role("img")
    expect(charts).to_have_count(7)
    expect(page.get_by_role("img", name=f"Hours logged and billable, {last_year}")).to_be_visible()
    hours = page.locator("#numbers-hours tbody tr").first
    expect(hours.locator("th")).to_have_text("Logged")
    expect(hours.locator("td")).to_have_count(13)  # twelve months and the year
    monthly = [float(text.replace(",", "")) for text in hours.locator("td").all_inner_texts()]
    assert all(value > 0 for value in monthly) and monthly[-1] == pytest.approx(
        sum(monthly[:-1]), abs=12
    )
    expect(page.locator("#chart-hours rect.bar")).to_have_count(2 * 12 + 2)  # and the key
    expect(page.locator("#tech-months tbody tr")).to_have_count(6)
    expect(page.locator("#year-totals")).to_contain_text("Time cards on time")
    assert serious_accessibility_violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "year-desk.png"), full_page=True, caret="initial")

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download CSV").click()
    download = downloading.value
    assert download.suggested_filename == f"year-{last_year}.csv"
    rows = list(csv.DictReader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert [row["Month"] for row in rows if not row["Tech"]] == [
        f"{last_year}-{month:02d}" for month in range(1, 13)
    ]
    assert len([row for row in rows if row["Tech"]]) >= 6 * 11

    review = page.get_by_label("Fails")
    expect(page.get_by_label("Successes")).to_contain_text("Closed more SRs than we opened")
    review.fill("July and August: short of people.\nOne card in eight late.")
    page.get_by_role("button", name="Save the review").click()
    expect(page.locator(".flash")).to_have_text(f"The review of {last_year} is saved.")
    expect(page.get_by_label("Fails")).to_have_value(
        "July and August: short of people.\nOne card in eight late."
    )
    expect(page.locator("#review-saved")).to_contain_text("Last saved by Dana Whitfield")

    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator(".review-form")).to_be_hidden()
    expect(page.locator(".review-text")).to_contain_text("One card in eight late.")
    page.screenshot(path=str(SHOTS / "year-print.png"), full_page=True, caret="initial")
    pdf = page.pdf(format="A4", path=str(SHOTS / "year.pdf"))
    assert 1 <= pdf_pages(pdf) < 3


def test_a_technicians_phone_has_no_year_in_its_menu_and_the_page_refuses_them(
    browser: Browser, live_server: str, last_year: int
):
    page = new_context(browser, viewport={"width": 360, "height": 740}).new_page()
    sign_in(page, live_server, "tech1@demo.test", demo.DEMO_PASSWORD)
    page.wait_for_url(f"{live_server}/m/")
    expect(page.get_by_role("link", name="Year", exact=True)).to_have_count(0)
    answer = page.goto(f"{live_server}/manage/year/{last_year}")
    assert answer is not None and answer.status == 403
