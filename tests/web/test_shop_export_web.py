"""The admin's export of everything: a zip of CSV files, one per kind of record, and a README
that explains every column; no secret in it; formula cells inert; the four files the import
reads with the contract's headers; the same queries for 2 SRs as for 50; admins only.

CSRF protection is on, as in production: every post carries the token its page gave."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from mspboard.models import (
    AuditEvent,
    CalendarFeed,
    Meeting,
    RecoveryCode,
    ServiceRequest,
    SetPasswordLink,
    SignIn,
    SRActivity,
    TvLink,
    TwoFactor,
    User,
    db,
    utcnow,
)
from mspboard.services import calendar_feeds, set_password_links, tv_links, two_factor
from mspboard.services.client_contacts import ContactFields, add_contact
from tests.factories import make_client, make_sr, make_user
from tests.page_forms import form_data, signed_in

EXPORT = "/admin/data/export"
BOM = "\ufeff"

# Every file the issue asks for, and the join of invoice lines to the time they bill.
EXPECTED_FILES = [
    "clients.csv",
    "contacts.csv",
    "users.csv",
    "service_requests.csv",
    "sr_activity.csv",
    "sr_notes.csv",
    "schedule_items.csv",
    "time_entries.csv",
    "time_cards.csv",
    "time_off.csv",
    "invoices.csv",
    "invoice_lines.csv",
    "invoice_line_entries.csv",
    "checkins.csv",
    "checkin_issues.csv",
    "agenda_items.csv",
    "meetings.csv",
    "maintenance_runs.csv",
    "maintenance_run_items.csv",
    "training.csv",
    "audit_events.csv",
]

# The contract between the export and the import: these headers, in this order.
CONTRACT_HEADERS = {
    "clients.csv": "id,reference,name,active,hourly_rate,created_at",
    "contacts.csv": "id,client_id,client,name,role,phone,email,created_at",
    "users.csv": "id,name,email,role,tech_level,active,keeps_time_card,created_at,last_login_at",
    "service_requests.csv": "id,number,reference,client,title,description,priority,status,"
    "assignee_email,requester,billable,estimate_minutes,created_at,due_at,closed_at",
}


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """The file's name carries the moment of the export."""


def _export(browser: FlaskClient):
    """Open the data page and press Export everything, with the token the page gave."""
    page = browser.get("/admin/data")
    assert page.status_code == 200
    return browser.post(EXPORT, data=form_data(page.get_data(as_text=True), action=EXPORT))


def _zip(answer) -> zipfile.ZipFile:
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    assert answer.mimetype == "application/zip"
    body = answer.get_data()
    answer.close()  # as a WSGI server does once it has sent the file
    return zipfile.ZipFile(io.BytesIO(body))


def _text(archive: zipfile.ZipFile, name: str) -> str:
    raw = archive.read(name).decode("utf-8")
    assert raw.startswith(BOM), name
    return raw.removeprefix(BOM)


def _rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_text(archive, name), newline="")))


def _admin(app: Flask, people) -> FlaskClient:
    return signed_in(app, people["admin"])


def test_the_zip_holds_every_file_each_with_its_header_and_a_readme(app, people):
    with app.app_context():
        sr = make_sr(title="Printer offline")
        db.session.add(SRActivity(service_request=sr, kind="created"))
        db.session.commit()
        number = sr.number
    answer = _export(_admin(app, people))
    archive = _zip(answer)
    assert archive.namelist() == [*EXPECTED_FILES, "README.txt"]
    for name in EXPECTED_FILES:
        first_line = _text(archive, name).split("\r\n", 1)[0]
        assert re.fullmatch(r"[a-z_]+(,[a-z_]+)*", first_line), name
    assert _rows(archive, "service_requests.csv")[0]["title"] == "Printer offline"
    assert _rows(archive, "sr_activity.csv")[0]["sr_number"] == number
    with app.app_context():
        shop_moment = utcnow().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert answer.headers["Content-Disposition"] == (
        f"attachment; filename=mspboard-export-our-shop-{shop_moment}.zip"
    )
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_readme_explains_every_column_of_every_file_one_line_each(app, people):
    archive = _zip(_export(_admin(app, people)))
    readme = archive.read("README.txt").decode("utf-8-sig")
    sections = re.split(r"\r\n(?=[a-z_]+\.csv \()", readme)
    explained = {section.split(" ", 1)[0]: section for section in sections[1:]}
    assert list(explained) == EXPECTED_FILES
    for name in EXPECTED_FILES:
        header = _text(archive, name).split("\r\n", 1)[0].split(",")
        lines = [line for line in explained[name].split("\r\n")[1:] if line.strip()]
        assert [line.split(":", 1)[0].strip() for line in lines] == header, name
        assert all(len(line.split(":", 1)[1].strip()) > 5 for line in lines), name


def test_the_four_files_the_import_reads_have_the_contracts_headers_and_values(app, people):
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == people["admin"]))
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        client = make_client("Harbor Dental", rate_cents=12_550)
        client.external_ref = "C-17"
        contact = add_contact(admin, client, ContactFields("Ana Ruiz", "Owner", "555 0100"))
        sr = make_sr(client=client, title="VPN down", priority=2, assignee=tech)
        sr.requester, sr.external_ref, sr.billable = contact, "T-9", False
        sr.due_at = utcnow().replace(microsecond=0)
        db.session.commit()
        due, number = sr.due_at, sr.number
    archive = _zip(_export(_admin(app, people)))
    for name, header in CONTRACT_HEADERS.items():
        assert _text(archive, name).split("\r\n", 1)[0] == header, name
    (client_row,) = _rows(archive, "clients.csv")
    assert (client_row["reference"], client_row["hourly_rate"], client_row["active"]) == (
        "C-17",
        "125.50",
        "yes",
    )
    (contact_row,) = _rows(archive, "contacts.csv")
    assert (contact_row["client"], contact_row["name"]) == ("Harbor Dental", "Ana Ruiz")
    (sr_row,) = _rows(archive, "service_requests.csv")
    assert sr_row["number"] == number
    assert (sr_row["reference"], sr_row["client"], sr_row["priority"]) == (
        "T-9",
        "Harbor Dental",
        "P2",
    )
    assert (sr_row["assignee_email"], sr_row["requester"], sr_row["billable"]) == (
        "tech@example.test",
        "Ana Ruiz",
        "no",
    )
    assert sr_row["due_at"] == due.isoformat() and sr_row["due_at"].endswith("+00:00")
    users = {row["email"]: row for row in _rows(archive, "users.csv")}
    assert (users["tech@example.test"]["role"], users["tech@example.test"]["tech_level"]) == (
        "technician",
        "tech_i",
    )


def test_a_formula_cell_comes_out_inert(app, people):
    with app.app_context():
        client = make_client('=HYPERLINK("http://evil.test","Click")')
        make_sr(client=client, title="+SUM(A1:A9)")
        db.session.commit()
    archive = _zip(_export(_admin(app, people)))
    assert _rows(archive, "clients.csv")[0]["name"] == '\'=HYPERLINK("http://evil.test","Click")'
    (sr_row,) = _rows(archive, "service_requests.csv")
    assert (sr_row["title"], sr_row["client"]) == (
        "'+SUM(A1:A9)",
        '\'=HYPERLINK("http://evil.test","Click")',
    )


def test_no_password_hash_secret_code_or_token_is_anywhere_in_the_zip(app, people):
    """Every user's hash, the manager's two-factor secret (plain and sealed), their recovery
    codes, sign-in, set-password, calendar-feed and wall-TV tokens and their hashes."""
    signed_in(app, people["service_manager"])  # a sign-in token of theirs too
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == people["admin"]))
        manager = db.session.scalar(select(User).where(User.email == people["service_manager"]))
        secret = two_factor.new_secret()
        now = utcnow()
        codes = two_factor.enable(
            manager, secret, two_factor.code_at_step(secret, two_factor.step_at(now)), now
        )
        invited = make_user(role="technician", email="new@example.test")
        link = set_password_links.issue(invited, by=admin)
        feed = calendar_feeds.turn_on(admin).token
        tv = tv_links.create_link(admin, "Office TV").token
        db.session.commit()
    browser = _admin(app, people)
    archive = _zip(_export(browser))
    with app.app_context():
        secrets = [secret, link, feed, tv, *codes]
        secrets += db.session.scalars(select(User.password_hash)).all()
        secrets += db.session.scalars(select(TwoFactor.secret_encrypted)).all()
        secrets += db.session.scalars(select(RecoveryCode.code_hash)).all()
        secrets += db.session.scalars(select(SignIn.token_hash)).all()
        secrets += db.session.scalars(select(SetPasswordLink.token_hash)).all()
        secrets += db.session.scalars(select(CalendarFeed.token_hash)).all()
        secrets += db.session.scalars(select(TvLink.token_hash)).all()
    assert len(secrets) >= 4 + 10 + 4 + 1 + 10 + 1 + 1 + 1 + 1
    contents = b"".join(archive.read(name) for name in archive.namelist())
    found = [value for value in secrets if value.encode() in contents]
    assert found == []
    grouped = two_factor.grouped(secret).encode()
    assert grouped not in contents and secret.lower().encode() not in contents
    users = _rows(archive, "users.csv")
    assert {row["email"] for row in users} >= {people["admin"], "new@example.test"}


def test_the_export_is_audited_with_the_rows_of_each_file(app, people):
    with app.app_context():
        make_sr()
        make_sr()
        db.session.commit()
    browser = _admin(app, people)
    archive = _zip(_export(browser))
    with app.app_context():
        exported = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "shop.exported"))
        assert exported.actor.email == people["admin"]
        assert exported.after["service_requests.csv"] == 2
        assert exported.after["files"] == len(archive.namelist())
    audit = browser.get("/manage/audit").get_data(as_text=True)
    assert "exported the shop&#39;s data" in audit or "exported the shop's data" in audit


def _token(browser: FlaskClient, path: str = "/board") -> str:
    page = browser.get(path).get_data(as_text=True)
    return (
        re.search(r'"X-CSRFToken": "([^"]+)"|name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        or ""
    )


@pytest.mark.parametrize("role", ["service_manager", "technician"])
def test_only_an_admin_may_see_the_page_or_export(app, people, role):
    browser = signed_in(app, people[role])
    token = _token(browser)
    assert browser.get("/admin/data").status_code == 403
    assert browser.post(EXPORT, data={"csrf_token": token}).status_code == 403
    assert 'href="/admin/data"' not in browser.get("/board").get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(AuditEvent).where(AuditEvent.action == "shop.exported"))
            is None
        )


def test_signed_out_goes_to_sign_in(app, people):
    browser = app.test_client()
    page = browser.get("/admin/data")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        browser.get("/login").get_data(as_text=True),
    ).group(1)
    answer = browser.post(EXPORT, data={"csrf_token": token})
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_an_export_without_the_pages_token_is_refused(app, people):
    answer = _admin(app, people).post(EXPORT)
    assert answer.status_code == 400
    with app.app_context():
        assert (
            db.session.scalar(select(AuditEvent).where(AuditEvent.action == "shop.exported"))
            is None
        )


def test_the_data_page_offers_the_export_and_leaves_a_place_for_the_import(app, people):
    browser = _admin(app, people)
    page = browser.get("/admin/data").get_data(as_text=True)
    assert "<h1>Your shop&#39;s data</h1>" in page or "<h1>Your shop's data</h1>" in page
    assert f'action="{EXPORT}"' in page and "Export everything" in page
    assert '<h2 id="import">Import</h2>' in page and 'href="/admin/import"' in page
    assert '<a href="/admin/data" aria-current="page">Data</a>' in page
    assert all(name in page for name in EXPECTED_FILES)


def _statements(app: Flask, browser: FlaskClient, data: dict) -> tuple[int, zipfile.ZipFile]:
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        answer = browser.post(EXPORT, data=data)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen), _zip(answer)


def test_the_export_costs_the_same_queries_with_2_srs_as_with_50(app, people):
    """A shop with rows in every file, grown from 2 to 50 of each, every SR with a requester
    of its own: nothing is read once per row."""
    from tests.web.test_query_counts import Shop

    shop = Shop(app)
    browser = _admin(app, people)
    page = browser.get("/admin/data").get_data(as_text=True)
    data = form_data(page, action=EXPORT)

    def grow(to: int) -> None:
        shop.grow(to)
        with app.app_context():
            tech = db.session.scalar(select(User).where(User.email == people["technician"]))
            for sr in db.session.scalars(select(ServiceRequest)):
                if not sr.activities:
                    sr.activities.append(SRActivity(kind="status", actor=tech, to_value="new"))
                if sr.requester is None:
                    sr.requester = add_contact(tech, sr.client, ContactFields(f"Asker {sr.id}"))
            if not db.session.scalar(select(Meeting.id).limit(1)):
                db.session.add(Meeting(monday=date(2026, 11, 30), status="draft"))
            db.session.commit()

    grow(2)
    with_2, small = _statements(app, browser, data)
    grow(50)
    with_50, big = _statements(app, browser, data)
    empty = [name for name in EXPECTED_FILES if not _rows(big, name)]
    assert empty == []
    assert len(_rows(big, "service_requests.csv")) > 50 > len(_rows(small, "service_requests.csv"))
    assert with_50 == with_2
    # One per file; the rest: who is signed in, the settings, the names, the audit record.
    assert with_2 <= len(EXPECTED_FILES) + 5
