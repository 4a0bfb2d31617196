"""The admin's import pages with CSRF on, as a browser sends them: upload, map, dry run,
import; who may use them; bad files answered next to the field."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from mspboard.models import Client, ImportMapping, ServiceRequest, User, db
from mspboard.services.imports import uploads
from tests.factories import make_client, make_user
from tests.page_forms import form_data, signed_in

SRS = (
    "Ticket Number,Company,Subject,Priority,Status,Assigned To,Created\r\n"
    "T-100,Acme Dental,Printer offline,High,Open,tom@shop.test,2026-11-20 09:15\r\n"
    "T-101,Acme Dental,=2+2,Urgent,Pending,,11/21/2026\r\n"
    "T-102,Nowhere Inc,Lost client,Low,Open,,\r\n"
    "T-103,Acme Dental,Done already,Low,Closed,,\r\n"
)


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """Uploads are dated and sheets' dates judged on a clock that stays put, on the day the
    sheets were written (their dates lie before it at whatever instant the suite runs)."""
    stopped.move_to(datetime(2026, 12, 3, 15, 0, tzinfo=UTC))


@pytest.fixture
def shop(app: Flask, people) -> None:
    with app.app_context():
        make_client("Acme Dental")
        make_user(email="tom@shop.test", name="Tom Tech")
        db.session.commit()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def upload(browser, kind: str, text: str | bytes, name: str = "tickets.csv"):
    page = browser.get("/admin/import").get_data(as_text=True)
    data = text if isinstance(text, bytes) else text.encode()
    return browser.post(
        "/admin/import",
        data={"csrf_token": _token(page), "kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _count(app: Flask, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_an_admin_imports_srs_through_the_dry_run(app: Flask, people, shop):
    admin = signed_in(app, people["admin"])
    answer = upload(admin, "service_requests", SRS)
    assert answer.status_code == 302
    mapping_url = answer.headers["Location"]
    page = admin.get(mapping_url).get_data(as_text=True)
    assert '<option value="Ticket Number" selected>' in page
    assert '<option value="Subject" selected>' in page
    assert "UTF-8 · separated by comma" in page
    sent = form_data(page, mapping_url)
    assert sent["status-0"] == "new"  # Open
    assert sent["status-1"] == "waiting"  # Pending
    assert sent["status-2"] == "skip"  # Closed
    assert sent["priority-1"] == "1"  # Urgent
    sent["mapping_name"] = "Old PSA tickets"
    answer = admin.post(mapping_url, data=sent)
    assert answer.status_code == 302
    dry_run_url = answer.headers["Location"]
    page = admin.get(dry_run_url).get_data(as_text=True)
    assert _count(app, ServiceRequest) == 0
    assert re.search(r'id="count-create"><span class="n">2</span>', page)
    assert re.search(r'id="count-refused"><span class="n">1</span>', page)
    # Refused rows come first, with their reason.
    assert page.index('id="row-4"') < page.index('id="row-2"')
    assert "No client has the reference or name “Nowhere Inc”" in page
    assert "=2+2" in page
    run_url = dry_run_url.replace("/dry-run", "/run")
    sent = form_data(page, run_url)
    assert sent == {"csrf_token": sent["csrf_token"], "skip_refused": "1", "refused_seen": "1"}
    answer = admin.post(run_url, data=sent)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "2 created, 0 updated, 0 unchanged, 1 skipped, 1 refused and left out" in page
    with app.app_context():
        titles = sorted(db.session.scalars(select(ServiceRequest.title)))
        assert titles == ["=2+2", "Printer offline"]
        assert db.session.scalar(select(ImportMapping.name)) == "Old PSA tickets"
    # The upload is gone after the run.
    assert admin.get(mapping_url).status_code == 404


def test_a_second_import_of_the_same_sheet_creates_nothing(app: Flask, people, shop):
    admin = signed_in(app, people["admin"])
    pages = []
    for _ in range(2):
        location = upload(admin, "service_requests", SRS).headers["Location"]
        page = admin.get(location).get_data(as_text=True)
        dry_run_url = admin.post(location, data=form_data(page, location)).headers["Location"]
        pages.append(admin.get(dry_run_url).get_data(as_text=True))
        if len(pages) == 1:
            run_url = dry_run_url.replace("/dry-run", "/run")
            assert admin.post(run_url, data=form_data(pages[0], run_url)).status_code == 200
    assert re.search(r'id="count-unchanged"><span class="n">2</span>', pages[1])
    assert re.search(r'id="count-create"><span class="n">0</span>', pages[1])
    assert "Nothing to import" in pages[1]
    assert _count(app, ServiceRequest) == 2


def test_a_refused_run_saves_nothing_and_says_so(app: Flask, people, shop):
    admin = signed_in(app, people["admin"])
    location = upload(admin, "service_requests", SRS).headers["Location"]
    page = admin.get(location).get_data(as_text=True)
    dry_run_url = admin.post(location, data=form_data(page, location)).headers["Location"]
    page = admin.get(dry_run_url).get_data(as_text=True)
    run_url = dry_run_url.replace("/dry-run", "/run")
    answer = admin.post(run_url, data={"csrf_token": _token(page)})  # without skipping
    assert answer.status_code == 422
    assert "1 row is refused" in answer.get_data(as_text=True)
    assert _count(app, ServiceRequest) == 0


def test_invited_users_links_are_shown_once_with_the_full_address(app: Flask, people):
    admin = signed_in(app, people["admin"])
    sheet = "Full Name,Email Address,Role\r\nNia New,nia@shop.test,technician\r\n"
    location = upload(admin, "users", sheet).headers["Location"]
    page = admin.get(location).get_data(as_text=True)
    dry_run_url = admin.post(location, data=form_data(page, location)).headers["Location"]
    page = admin.get(dry_run_url).get_data(as_text=True)
    run_url = dry_run_url.replace("/dry-run", "/run")
    page = admin.post(run_url, data=form_data(page, run_url)).get_data(as_text=True)
    assert "Copy them now; they are not shown again." in page
    assert re.search(r'value="http://localhost/auth/set-password/[A-Za-z0-9_-]{40,}"', page)
    assert "nia@shop.test" in page
    with app.app_context():
        nia = db.session.scalar(select(User).where(User.email == "nia@shop.test"))
        assert nia.name == "Nia New"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("Name\r\nAcme\r\n".encode("utf-16"), "This file is UTF-16 text"),
        (("Name\r\n" + "x\r\n" * 100_000).encode(), "more than 20,000 rows; split them"),
        (b"", "Choose the CSV file to import."),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_next_to_the_field(
    app: Flask, people, data, message
):
    admin = signed_in(app, people["admin"])
    answer = upload(admin, "clients", data, name="" if not data else "sheet.csv")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'id="file-error"' in page
    assert message.split(";")[0] in page


def test_a_missing_required_column_is_refused_before_the_dry_run(app: Flask, people, shop):
    admin = signed_in(app, people["admin"])
    location = upload(admin, "service_requests", "Ticket,Company\r\nT-1,Acme Dental\r\n").headers[
        "Location"
    ]
    page = admin.get(location).get_data(as_text=True)
    answer = admin.post(location, data=form_data(page, location))
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert re.search(r'id="col-title-error">Pick the column that holds the title', page)


def test_a_saved_mapping_applies_and_names_the_headers_a_sheet_lacks(app: Flask, people):
    admin = signed_in(app, people["admin"])
    location = upload(admin, "clients", "Acct,Company\r\nA1,Acme\r\n").headers["Location"]
    page = admin.get(location).get_data(as_text=True)
    sent = form_data(page, location)
    assert sent["col-name"] == "Company"
    sent["col-reference"] = "Acct"
    sent["mapping_name"] = "Ledger"
    admin.post(location, data=sent)
    with app.app_context():
        saved_id = db.session.scalar(select(ImportMapping.id))
    location = upload(admin, "clients", "Company,Rate\r\nAcme,10\r\n").headers["Location"]
    page = admin.get(f"{location}?mapping={saved_id}").get_data(as_text=True)
    assert "Applied the saved mapping “Ledger”." in page
    assert "This sheet has no column “Acct”." in page


def test_an_upload_is_only_the_uploaders(app: Flask, people):
    first = signed_in(app, people["admin"])
    location = upload(first, "clients", "Name\r\nAcme\r\n").headers["Location"]
    with app.app_context():
        make_user(role="admin", email="second@shop.test")
        db.session.commit()
    second = signed_in(app, "second@shop.test")
    assert second.get(location).status_code == 404
    assert second.get(location + "/dry-run").status_code == 404
    assert first.get("/admin/import/..%2F..%2Fsecret_key").status_code == 404
    assert first.get("/admin/import/" + "A" * 22).status_code == 404


def test_stale_uploads_are_cleaned_by_the_next_upload(app: Flask, people, stopped):
    admin = signed_in(app, people["admin"])
    old = upload(admin, "clients", "Name\r\nAcme\r\n").headers["Location"]
    stopped.shift(25 * 3600)
    admin = signed_in(app, people["admin"])
    upload(admin, "clients", "Name\r\nBirch\r\n")
    assert admin.get(old).status_code == 404
    with app.app_context():
        assert len(list(uploads.folder().glob("*.csv"))) == 1


@pytest.mark.parametrize("role", ["service_manager", "technician"])
def test_managers_and_techs_get_403(app: Flask, people, role):
    browser = signed_in(app, people[role])
    assert browser.get("/admin/import").status_code == 403
    assert browser.get("/admin/import/" + "A" * 22).status_code == 403


def test_signed_out_goes_to_sign_in(client):
    answer = client.get("/admin/import")
    assert answer.status_code == 302
    assert "/login" in answer.headers["Location"]


def test_the_dry_run_writes_nothing(app: Flask, people):
    admin = signed_in(app, people["admin"])
    location = upload(admin, "clients", "Name\r\nAcme\r\n").headers["Location"]
    page = admin.get(location).get_data(as_text=True)
    dry_run_url = admin.post(location, data=form_data(page, location)).headers["Location"]
    assert "Acme" in admin.get(dry_run_url).get_data(as_text=True)
    assert _count(app, Client) == 0
