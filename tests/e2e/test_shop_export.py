"""The admin exports everything from the Data page and gets a zip with every file in it."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from mspboard.models import db
from tests.e2e.conftest import serious_accessibility_violations, sign_in
from tests.e2e.field_helpers import shoot
from tests.factories import make_client

SIZES = [({"width": 1366, "height": 768}, "1366"), ({"width": 360, "height": 740}, "360")]


@pytest.fixture
def shop(app: Flask, people) -> str:
    with app.app_context():
        make_client("Quarry Hill Winery", rate_cents=12_000)
        db.session.commit()
    return people["admin"]


@pytest.mark.parametrize(("size", "name"), SIZES)
def test_the_admin_clicks_export_and_downloads_a_zip_with_the_clients(
    page: Page, live_server, shop, tmp_path, size, name
):
    page.set_viewport_size(size)
    sign_in(page, live_server, shop)
    page.wait_for_url(f"{live_server}/board")
    page.get_by_role("link", name="Data", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your shop's data")
    expect(page.get_by_role("heading", name="Import")).to_be_visible()
    page.get_by_text("What the zip holds").click()
    expect(page.get_by_text("maintenance_run_items.csv")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, f"admin-data-{name}")
    assert serious_accessibility_violations(page) == []

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export everything").click()
    download = download_info.value
    assert download.suggested_filename.startswith("mspboard-export-our-shop-")
    assert download.suggested_filename.endswith("Z.zip")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert "README.txt" in archive.namelist()
        clients = archive.read("clients.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(clients, newline="")))
    assert [(row["name"], row["hourly_rate"]) for row in rows] == [("Quarry Hill Winery", "120.00")]
    expect(page.get_by_role("heading", level=1)).to_have_text("Your shop's data")
