"""An admin imports an old tool's sheet of open SRs in the browser at 1920 wide: the guessed
mapping, the dry run's row-by-row results with a refused row and its reason, the import."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mspboard.models import ServiceRequest, db
from tests.e2e.conftest import serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import shoot
from tests.factories import make_client, make_user

SAMPLE = Path(__file__).parent.parent / "samples" / "old-psa-tickets.csv"


@pytest.fixture
def shop(app: Flask, people) -> str:
    with app.app_context():
        make_client("Acme Dental")
        make_user(email="tom@shop.test", name="Tom Tech")
        db.session.commit()
    return people["admin"]


def test_an_admin_imports_srs_through_the_dry_run(page: Page, live_server, app: Flask, shop):
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in(page, live_server, shop)
    page.wait_for_url(f"{live_server}/board")
    page.goto(f"{live_server}/admin/import")
    page.get_by_label("What the file holds").select_option("service_requests")
    page.get_by_label("CSV file").set_input_files(str(SAMPLE))
    shoot(page, "import-upload-1920")
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("old-psa-tickets.csv")
    expect(page.locator("#sheet-facts")).to_contain_text("5 rows")
    expect(page.get_by_label("Ticket number in the old tool *")).to_have_value("Ticket Number")
    expect(page.get_by_label("Title *")).to_have_value("Subject")
    expect(page.get_by_label("Assigned to (email or name)")).to_have_value("Assigned To")
    expect(page.get_by_label("Closed", exact=True)).to_have_value("skip")
    # Words the old tool used are guessed into the tables.
    expect(page.get_by_label("Waiting on customer")).to_have_value("waiting")
    expect(page.get_by_label("Urgent")).to_have_value("1")
    shoot(page, "import-mapping-1920")
    assert serious_accessibility_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="Dry run").click()

    expect(page.locator("#count-create")).to_contain_text("3 to create")
    expect(page.locator("#count-refused")).to_contain_text("1 refused")
    expect(page.locator("#count-skipped")).to_contain_text("1 skipped")
    refused = page.locator("#row-4")
    expect(refused).to_contain_text("Refused")
    expect(refused).to_contain_text("No client has the reference or name “Nowhere Inc”")
    expect(page.locator("#import-rows tbody tr").first).to_have_id("row-4")
    expect(page.locator("#row-3")).to_contain_text('=HYPERLINK("http://example.test")')
    expect(page.locator("#row-5")).to_contain_text("Closed in the old tool")
    shoot(page, "import-dry-run-1920")
    assert serious_accessibility_violations(page) == []
    with app.app_context():
        assert db.session.scalars(select(ServiceRequest)).all() == []

    page.get_by_role("button", name="Import the other 3 rows, skip the 1 refused").click()
    expect(page.get_by_role("status")).to_contain_text(
        "3 created, 0 updated, 0 unchanged, 1 skipped, 1 refused and left out"
    )
    shoot(page, "import-result-1920")
    with app.app_context():
        refs = sorted(db.session.scalars(select(ServiceRequest.external_ref)))
        assert refs == ["T-1041", "T-1042", "T-1045"]
