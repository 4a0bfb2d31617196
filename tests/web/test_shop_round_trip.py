"""Export -> import into a fresh shop: the demo shop's export, its four importable files taken
as they are (no column re-mapped by hand), brings back the same clients with their contacts,
the same people and the same open SRs.

CSRF protection is on, as in production: the export is the admin's own download."""

from __future__ import annotations

import io
import zipfile

import pytest
from flask import Flask
from sqlalchemy import select

from mspboard import demo
from mspboard.models import Client, ClientContact, Role, ServiceRequest, SRStatus, User, db
from mspboard.services import accounts
from mspboard.services.imports import mapping, sheets
from mspboard.services.imports.run import run_import
from tests.page_forms import form_data, signed_in

EXPORT = "/admin/data/export"
IMPORT_ORDER = [
    ("clients.csv", "clients"),
    ("contacts.csv", "contacts"),
    ("users.csv", "users"),
    ("service_requests.csv", "service_requests"),
]
# What an mspboard export's statuses and priorities map to, as the admin confirms them.
OPEN = [s.value for s in SRStatus if s != SRStatus.DONE]
VALUE_MAPS = {
    "status": {**{s: s for s in OPEN}, SRStatus.DONE.value: "skip"},
    "priority": {f"P{n}": str(n) for n in range(1, 5)},
}


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """The demo shop is seeded around a clock that stays put."""


def _clients() -> dict:
    return {
        c.name: (c.external_ref, c.active, c.billing_rate_cents)
        for c in db.session.scalars(select(Client))
    }


def _contacts() -> set:
    return {
        (c.client.name, c.name, c.role, c.phone, c.email)
        for c in db.session.scalars(select(ClientContact))
    }


def _people() -> dict:
    return {u.email: (u.name, u.role, u.tech_level) for u in db.session.scalars(select(User))}


def _open_srs(key) -> dict:
    return {
        key(sr): (
            sr.client.name,
            sr.title,
            sr.description,
            sr.priority,
            sr.status,
            sr.assignee.email if sr.assignee else None,
            sr.created_at,
            sr.due_at,
        )
        for sr in db.session.scalars(
            select(ServiceRequest).where(ServiceRequest.status != SRStatus.DONE.value)
        )
    }


def _fresh_shop_with(admin_email: str, admin_name: str) -> User:
    demo.wipe()
    admin = accounts.create_user(
        None,
        accounts.UserDetails(name=admin_name, email=admin_email, role=Role.ADMIN.value),
        "a long enough passphrase 2026",
    )
    db.session.commit()
    return admin


def test_export_then_import_into_a_fresh_shop_gives_back_clients_people_and_open_srs(
    app: Flask,
):
    with app.app_context():
        demo.seed_demo()
        db.session.commit()
        clients, contacts, people = _clients(), _contacts(), _people()
        open_srs = _open_srs(lambda sr: sr.number)
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN.value))
        admin_email, admin_name = admin.email, admin.name
    assert len(clients) >= 5 and len(open_srs) >= 20 and contacts

    browser = signed_in(app, admin_email, demo.DEMO_PASSWORD)
    page = browser.get("/admin/data").get_data(as_text=True)
    answer = browser.post(EXPORT, data=form_data(page, action=EXPORT))
    assert answer.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(answer.get_data()))
    answer.close()  # as a WSGI server does once it has sent the file

    with app.app_context():
        admin = _fresh_shop_with(admin_email, admin_name)
        for file_name, kind in IMPORT_ORDER:
            sheet = sheets.read_sheet(archive.read(file_name))
            columns = mapping.guess(kind, sheet.headers)
            mapping.checked_columns(kind, columns, sheet.headers)
            result = run_import(admin, kind, sheet, columns, VALUE_MAPS)
            assert result.plan.refused == 0, [o.reason for o in result.outcomes if o.reason]
            db.session.commit()

        assert _clients() == clients
        assert _contacts() == contacts
        assert _people() == people
        assert _open_srs(lambda sr: sr.external_ref) == open_srs

        # A second import of the same files changes nothing and creates nothing.
        for file_name, kind in IMPORT_ORDER:
            sheet = sheets.read_sheet(archive.read(file_name))
            columns = mapping.guess(kind, sheet.headers)
            again = run_import(admin, kind, sheet, columns, VALUE_MAPS)
            assert again.plan.summary["create"] == 0 and again.plan.summary["update"] == 0
            db.session.rollback()
