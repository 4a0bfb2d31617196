"""The SR's working record over HTTP with CSRF on: notes at the desk and on the phone, the
resolution every way an SR is closed, and a client's contacts as an SR's requester."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mspboard.models import ClientContact, ServiceRequest, SRNote, db
from mspboard.services import client_contacts, sr_notes
from tests.factories import make_client, make_sr, make_user
from tests.page_forms import form_data, signed_in
from tests.phone_writes import send
from tests.phone_writes import sign_in as phone_sign_in


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """The 15 minutes of a note are counted to the second."""


@pytest.fixture
def shop(app):
    """Priya (manager), Tom (tech), a client with a contact, another client's contact, and
    an SR in progress for the first client."""
    with app.app_context():
        priya = make_user(role="service_manager", email="priya@example.test", name="Priya Shah")
        make_user(email="tom@example.test", name="Tom Reyes")
        harbor, other = make_client("Harbor Dental"), make_client("Elm Street Law")
        ana = client_contacts.add_contact(
            priya,
            harbor,
            client_contacts.ContactFields(
                "Ana Ruiz", "Office manager", "+1 (555) 010-2030", "ana@harbor.test"
            ),
        )
        bo = client_contacts.add_contact(priya, other, client_contacts.ContactFields("Bo Li"))
        sr = make_sr(harbor, "Printer jams", status="in_progress")
        db.session.commit()
        return {
            "number": sr.number,
            "sr_id": sr.id,
            "ana": ana.id,
            "bo": bo.id,
            "client": harbor.id,
        }


def sr_now(app, sr_id):
    with app.app_context():
        sr = db.session.get(ServiceRequest, sr_id)
        notes = db.session.scalar(select(func.count()).select_from(SRNote))
        return sr.status, sr.requester_id, sr.version, notes


def token_of(client, path):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)


# ---- notes at the desk ------------------------------------------------------------------------


def test_a_note_added_at_the_desk_shows_newest_first_with_its_author(app, shop):
    priya = signed_in(app, "priya@example.test")
    path = f"/sr/{shop['number']}"
    action = f"/sr/{shop['number']}/notes"
    for body in ("Checked the tray", "Replaced the roller"):
        data = form_data(priya.get(path).get_data(as_text=True), action)
        assert priya.post(action, data={**data, "body": body}).status_code == 302
    page = priya.get(path).get_data(as_text=True)
    assert page.index("Replaced the roller") < page.index("Checked the tray")
    assert "Priya Shah" in page and 'Notes <span class="muted">(2)</span>' in page


def test_an_empty_note_is_422_next_to_the_field(app, shop):
    priya = signed_in(app, "priya@example.test")
    action = f"/sr/{shop['number']}/notes"
    data = form_data(priya.get(f"/sr/{shop['number']}").get_data(as_text=True), action)
    answer = priya.post(action, data={**data, "body": "  "})
    assert answer.status_code == 422
    assert 'id="body-error"' in answer.get_data(as_text=True)
    assert sr_now(app, shop["sr_id"])[3] == 0


def _note_by(app, email, sr_id, body="Loose cable"):
    with app.app_context():
        from mspboard.services.accounts import find_by_email

        note = sr_notes.add_note(find_by_email(email), db.session.get(ServiceRequest, sr_id), body)
        db.session.commit()
        return note.id


@pytest.mark.parametrize(
    ("after", "status"), [(timedelta(minutes=14, seconds=59), 302), (timedelta(minutes=15), 422)]
)
def test_its_author_corrects_a_note_until_15_minutes_have_passed(app, shop, stopped, after, status):
    note_id = _note_by(app, "priya@example.test", shop["sr_id"])
    priya = signed_in(app, "priya@example.test")
    path = f"/sr/{shop['number']}/notes/{note_id}"
    data = form_data(priya.get(path).get_data(as_text=True))
    stopped.shift(after)
    answer = priya.post(path, data={**data, "body": "Loose cable in port 4"})
    assert answer.status_code == status
    with app.app_context():
        body = db.session.get(SRNote, note_id).body
    assert body == ("Loose cable in port 4" if status == 302 else "Loose cable")
    if status == 422:
        assert "read-only now" in answer.get_data(as_text=True)
        page = priya.get(f"/sr/{shop['number']}").get_data(as_text=True)
        assert path not in page  # no Edit link any more


def test_another_person_cannot_correct_a_note(app, shop):
    note_id = _note_by(app, "priya@example.test", shop["sr_id"])
    tom = signed_in(app, "tom@example.test")
    path = f"/sr/{shop['number']}/notes/{note_id}"
    assert tom.get(path).status_code == 403
    token = token_of(tom, f"/sr/{shop['number']}")
    assert (
        tom.post(path, data={"csrf_token": token, "body": "Mine now", "version": "1"}).status_code
        == 403
    )
    assert path not in tom.get(f"/sr/{shop['number']}").get_data(as_text=True)
    assert app.test_client().get(path).status_code == 302  # signed out: to the sign-in


def test_a_note_correction_shows_in_the_srs_audit_history(app, shop):
    note_id = _note_by(app, "priya@example.test", shop["sr_id"])
    priya = signed_in(app, "priya@example.test")
    path = f"/sr/{shop['number']}/notes/{note_id}"
    data = form_data(priya.get(path).get_data(as_text=True))
    assert priya.post(path, data={**data, "body": "Loose cable, port 4"}).status_code == 302
    page = priya.get(f"/sr/{shop['number']}").get_data(as_text=True)
    history = page[page.index('id="sr-history"') :]
    assert f"Priya Shah changed a note on {shop['number']}" in history
    assert "Loose cable, port 4" in history


# ---- closing needs a resolution, every way ---------------------------------------------------


def test_closing_from_the_sr_form_without_a_resolution_is_422_and_changes_nothing(app, shop):
    priya = signed_in(app, "priya@example.test")
    path = f"/sr/{shop['number']}"
    data = form_data(priya.get(path).get_data(as_text=True))
    before = sr_now(app, shop["sr_id"])
    answer = priya.post(path, data={**data, "status": "done", "resolution": ""})
    assert answer.status_code == 422
    assert 'id="resolution-error"' in answer.get_data(as_text=True)
    assert sr_now(app, shop["sr_id"]) == before
    answer = priya.post(path, data={**data, "status": "done", "resolution": "New roller fitted"})
    assert answer.status_code == 302
    page = priya.get(path).get_data(as_text=True)
    assert 'id="resolution"' in page and "New roller fitted" in page
    assert "Resolution:</span> New roller fitted" in page  # on the status line of the log
    assert sr_now(app, shop["sr_id"])[0] == "done"


def test_a_new_sr_made_closed_needs_a_resolution(app, shop):
    priya = signed_in(app, "priya@example.test")
    data = form_data(priya.get("/sr/new").get_data(as_text=True), "")
    data = {**data, "title": "Password reset", "client_id": str(shop["client"]), "status": "done"}
    answer = priya.post("/sr/new", data={**data, "resolution": ""})
    assert answer.status_code == 422 and 'id="resolution-error"' in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 1
    assert priya.post("/sr/new", data={**data, "resolution": "Reset it"}).status_code == 302


@pytest.mark.parametrize("htmx", [True, False])
def test_a_board_move_to_done_without_a_resolution_is_422_and_moves_nothing(app, shop, htmx):
    priya = signed_in(app, "priya@example.test")
    token = token_of(priya, "/board")
    headers = {"HX-Request": "true"} if htmx else {}
    before = sr_now(app, shop["sr_id"])
    answer = priya.post(
        f"/board/sr/{shop['sr_id']}/move",
        data={"csrf_token": token, "status": "done", "version": str(before[2]), "resolution": ""},
        headers=headers,
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'id="move-resolution-error"' in page and "Say how it was resolved" in page
    assert sr_now(app, shop["sr_id"]) == before
    answer = priya.post(
        f"/board/sr/{shop['sr_id']}/move",
        data={
            "csrf_token": token,
            "status": "done",
            "version": str(before[2]),
            "resolution": "Fixed",
        },
        headers=headers,
    )
    assert answer.status_code == (200 if htmx else 302)
    assert sr_now(app, shop["sr_id"])[0] == "done"


def test_the_board_card_shows_its_note_count(app, shop):
    _note_by(app, "priya@example.test", shop["sr_id"])
    priya = signed_in(app, "priya@example.test")
    page = priya.get("/board").get_data(as_text=True)
    card = page[page.index(f'id="sr-{shop["sr_id"]}"') :]
    assert re.search(
        r'class="notes" title="1 note">.*?1<span class="visually-hidden"> note', card[:2000]
    )


# ---- the phone -------------------------------------------------------------------------------


def test_a_note_from_the_phone_is_stored_once_at_its_moment_under_its_maker(app, shop, stopped):
    tom = app.test_client()
    token = phone_sign_in(tom, "tom@example.test")
    from mspboard.models import utcnow

    written = utcnow() - timedelta(hours=2)
    key = str(uuid.uuid4())
    path = f"/m/sr/{shop['sr_id']}/notes"
    first = send(tom, token, path, {"body": "Toner swapped in the basement"}, key=key, at=written)
    again = send(tom, token, path, {"body": "Toner swapped in the basement"}, key=key, at=written)
    assert first.status_code == 201 and again.status_code == 201
    assert again.headers.get("Idempotent-Replay") == "true"
    with app.app_context():
        [note] = db.session.scalars(select(SRNote)).all()
        assert note.written_at == written and note.author.email == "tom@example.test"
    page = tom.get(f"/m/sr/{shop['sr_id']}").get_data(as_text=True)
    assert "Toner swapped in the basement" in page


def test_an_empty_note_from_the_phone_is_refused_beside_the_field(app, shop):
    tom = app.test_client()
    token = phone_sign_in(tom, "tom@example.test")
    answer = send(tom, token, f"/m/sr/{shop['sr_id']}/notes", {"body": ""})
    assert answer.status_code == 422
    assert answer.get_json()["errors"]["body"]
    assert sr_now(app, shop["sr_id"])[3] == 0


def test_the_phone_shows_the_requester_with_call_and_email_links(app, shop):
    with app.app_context():
        db.session.get(ServiceRequest, shop["sr_id"]).requester_id = shop["ana"]
        db.session.commit()
    tom = app.test_client()
    phone_sign_in(tom, "tom@example.test")
    page = tom.get(f"/m/sr/{shop['sr_id']}").get_data(as_text=True)
    assert 'href="tel:+15550102030"' in page and 'href="mailto:ana@harbor.test"' in page
    assert "Ana Ruiz" in page and "Office manager" in page


# ---- contacts and the requester --------------------------------------------------------------


def test_a_contact_of_another_client_cannot_be_the_requester(app, shop):
    priya = signed_in(app, "priya@example.test")
    path = f"/sr/{shop['number']}"
    data = form_data(priya.get(path).get_data(as_text=True))
    before = sr_now(app, shop["sr_id"])
    answer = priya.post(path, data={**data, "requester_id": str(shop["bo"])})
    assert answer.status_code == 422
    assert "Pick one of this client" in answer.get_data(as_text=True)
    assert sr_now(app, shop["sr_id"]) == before
    assert priya.post(path, data={**data, "requester_id": str(shop["ana"])}).status_code == 302
    assert sr_now(app, shop["sr_id"])[1] == shop["ana"]


def test_the_sr_form_offers_only_its_clients_contacts(app, shop):
    page = signed_in(app, "priya@example.test").get(f"/sr/{shop['number']}").get_data(as_text=True)
    assert "Ana Ruiz (Office manager)" in page and "Bo Li" not in page


def test_a_manager_adds_and_edits_a_client_contact(app, shop):
    priya = signed_in(app, "priya@example.test")
    page_path = f"/admin/clients/{shop['client']}"
    action = f"/admin/clients/{shop['client']}/contacts"
    data = form_data(priya.get(page_path).get_data(as_text=True), action)
    bad = priya.post(action, data={**data, "name": "Cy", "email": "cy@"})
    assert bad.status_code == 422 and 'id="email-error"' in bad.get_data(as_text=True)
    good = {
        **data,
        "name": "Cy Park",
        "role": "IT lead",
        "phone": "555 0199",
        "email": "cy@harbor.test",
    }
    assert priya.post(action, data=good).status_code == 302
    with app.app_context():
        contact = db.session.scalar(select(ClientContact).where(ClientContact.name == "Cy Park"))
        contact_id = contact.id
    edit = f"/admin/clients/{shop['client']}/contacts/{contact_id}"
    form = form_data(priya.get(edit).get_data(as_text=True))
    assert priya.post(edit, data={**form, "role": "Owner"}).status_code == 302
    stale = priya.post(edit, data={**form, "role": "Partner"})  # the version it showed is old
    assert stale.status_code == 409
    with app.app_context():
        assert db.session.get(ClientContact, contact_id).role == "Owner"


def test_a_technician_cannot_touch_contacts(app, shop):
    tom = signed_in(app, "tom@example.test")
    token = token_of(tom, "/board")
    action = f"/admin/clients/{shop['client']}/contacts"
    assert tom.post(action, data={"csrf_token": token, "name": "Eve"}).status_code == 403
    assert tom.get(f"{action}/{shop['ana']}").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ClientContact)) == 2
