"""Set-password links over HTTP, with CSRF on as in production: the admin makes one on the
user's page and sees it once; the person opens it without signing in, sets a password, and
signs in with it."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from mspboard.models import AuditEvent, SetPasswordLink, User, db
from mspboard.services import set_password_links
from mspboard.services.set_password_links import LINK_LIFETIME, NO_PASSWORD
from tests.factories import PASSWORD, make_user
from tests.page_forms import form_data, signed_in
from tests.web.test_get_writes_nothing_web import every_row

NEW_PASSWORD = "a lantern by the harbour"
SPENT = "This link has expired or was already used"
NOTE = "Shown once; it works for 7 days and only once"
LINK = re.compile(r'value="(http://localhost/auth/set-password/([A-Za-z0-9_-]+))"')


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture(autouse=True)
def _held_still(stopped):
    """Counts the exact second a link stops working."""


@pytest.fixture
def nora(app: Flask, people) -> dict[str, object]:
    """A person invited by an import: active, with no password yet."""
    with app.app_context():
        user = make_user(email="nora@example.test", name="Nora Field")
        user.password_hash = NO_PASSWORD
        db.session.commit()
        return {"id": user.id, "email": user.email}


def issue(app: Flask, user_id: int) -> str:
    with app.app_context():
        token = set_password_links.issue(db.session.get(User, user_id), by=None)
        db.session.commit()
        return token


def make_link(admin: FlaskClient, user_id: int):
    """The admin presses "Make a set-password link" on the user's page."""
    action = f"/admin/users/{user_id}/set-password-link"
    page = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    return admin.post(action, data=form_data(page, action))


def send_form(client: FlaskClient, path: str, password: str, again: str | None = None):
    page = client.get(path).get_data(as_text=True)
    data = form_data(page, "") | {"password": password, "password_again": again or password}
    return client.post(path, data=data)


def links(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SetPasswordLink))


def password_hash(app: Flask, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).password_hash


def test_an_invited_person_sets_a_password_through_the_admins_link_and_signs_in(app, people, nora):
    admin = signed_in(app, people["admin"])
    user_page = admin.get(f"/admin/users/{nora['id']}").get_data(as_text=True)
    assert "No password yet." in user_page and "Make a set-password link" in user_page

    answer = make_link(admin, nora["id"])
    shown = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert NOTE in shown and "Nora Field" in shown and "nora@example.test" in shown
    assert "data-copy-button" in shown and "js/copy_link.js" in shown
    assert answer.headers["Cache-Control"] == "no-store"
    url, token = LINK.search(shown).groups()
    assert "A link made" in admin.get(f"/admin/users/{nora['id']}").get_data(as_text=True)

    person = app.test_client()
    path = url.removeprefix("http://localhost")
    form_page = person.get(path)
    page = form_page.get_data(as_text=True)
    assert form_page.status_code == 200
    assert "Set your password" in page and "Nora Field" in page and "nora@example.test" in page
    assert 'name="password"' in page and 'name="password_again"' in page

    sent = send_form(person, path, NEW_PASSWORD)
    assert sent.status_code == 302 and sent.headers["Location"] == "/login"
    assert "Password set; sign in." in person.get("/login").get_data(as_text=True)
    assert signed_in(app, nora["email"], NEW_PASSWORD).get("/m/").status_code == 200

    again = person.get(path)
    assert again.status_code == 404 and SPENT in again.get_data(as_text=True)
    with app.app_context():
        made = db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("%link%")))
        assert made.action == "user.set_password_link" and token not in str(made.after)


def test_the_link_page_sends_no_referer_and_is_never_cached(app, nora):
    path = f"/auth/set-password/{issue(app, nora['id'])}"
    person = app.test_client()
    shown = person.get(path)
    mismatch = send_form(person, path, NEW_PASSWORD, "something else entirely")
    unknown = person.get("/auth/set-password/not-a-link")
    no_token = person.post(path, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    answers = [shown, mismatch, unknown, no_token]
    assert [a.status_code for a in answers] == [200, 422, 404, 400]
    for answer in answers:
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["Cache-Control"] == "no-store"
        assert "ETag" not in answer.headers
    done = send_form(person, path, NEW_PASSWORD)
    assert done.status_code == 302 and done.headers["Referrer-Policy"] == "no-referrer"
    other = person.get("/login")
    assert other.headers["Referrer-Policy"] == "same-origin"  # everywhere else as before


def test_two_passwords_that_differ_are_refused_next_to_the_second_and_the_link_kept(app, nora):
    path = f"/auth/set-password/{issue(app, nora['id'])}"
    person = app.test_client()
    answer = send_form(person, path, NEW_PASSWORD, "a lantern by the harbor")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="password_again-error"' in page and "The two passwords differ" in page
    assert "Nora Field" in page
    assert password_hash(app, nora["id"]) == NO_PASSWORD
    assert person.get(path).status_code == 200  # the link still works


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password1234", "That password is on a list of common passwords; pick another."),
        ("too short", "Use at least 12 characters"),
        ("nora@example.test", "Do not use your email address as your password."),
    ],
)
def test_a_weak_password_is_refused_next_to_the_field_and_the_link_kept(
    app, nora, password, message
):
    path = f"/auth/set-password/{issue(app, nora['id'])}"
    person = app.test_client()
    answer = send_form(person, path, password)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    error = re.search(r'<p class="error" id="password-error">([^<]*)</p>', page)
    assert error and message in error.group(1)
    assert password_hash(app, nora["id"]) == NO_PASSWORD
    assert send_form(person, path, NEW_PASSWORD).status_code == 302


def test_a_form_sent_without_its_csrf_token_spends_nothing(app, nora):
    path = f"/auth/set-password/{issue(app, nora['id'])}"
    person = app.test_client()
    person.get(path)
    answer = person.post(path, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert answer.status_code == 400
    assert password_hash(app, nora["id"]) == NO_PASSWORD
    assert person.get(path).status_code == 200


def test_an_expired_link_shows_the_clear_page_and_sets_nothing(app, nora, stopped):
    path = f"/auth/set-password/{issue(app, nora['id'])}"
    person = app.test_client()
    assert person.get(path).status_code == 200
    stopped.shift(LINK_LIFETIME)
    before = every_row(app)
    shown = person.get(path)
    fresh = form_data(person.get("/login").get_data(as_text=True), "")  # a CSRF token of now
    passwords = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    sent = person.post(path, data={"csrf_token": fresh["csrf_token"]} | passwords)
    for answer in (shown, sent):
        assert answer.status_code == 404
        assert SPENT in answer.get_data(as_text=True)
        assert "Set your password" not in answer.get_data(as_text=True)
    assert every_row(app) == before


def test_opening_the_link_writes_nothing(app, nora):
    path = f"/auth/set-password/{issue(app, nora['id'])}"
    before = every_row(app)
    person = app.test_client()
    assert person.get(path).status_code == 200
    assert person.get(path).status_code == 200
    assert person.get("/auth/set-password/" + "x" * 43).status_code == 404
    assert every_row(app) == before


def test_a_newer_link_replaces_the_one_already_sent(app, people, nora):
    admin = signed_in(app, people["admin"])
    first = LINK.search(make_link(admin, nora["id"]).get_data(as_text=True)).group(2)
    second = LINK.search(make_link(admin, nora["id"]).get_data(as_text=True)).group(2)
    person = app.test_client()
    assert person.get(f"/auth/set-password/{first}").status_code == 404
    assert person.get(f"/auth/set-password/{second}").status_code == 200


@pytest.mark.parametrize(
    "token",
    ["%ED%A0%80abc", "%00", "a" * 5000, "..%2F..%2Fadmin", "%E2%80%AEabc", "%F0%9F%94%91"],
)
def test_a_mangled_link_is_a_404_never_a_500(app, token):
    answer = app.test_client().get(f"/auth/set-password/{token}")
    assert answer.status_code == 404


def test_guessing_links_is_slowed_per_address(app, nora):
    person = app.test_client()
    for number in range(10):
        assert person.get(f"/auth/set-password/guess{number}").status_code == 404
    refused = person.get("/auth/set-password/guess10")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "try again in 1 minute" in refused.get_data(as_text=True)
    assert refused.headers["Referrer-Policy"] == "no-referrer"
    # The real link is never counted nor refused.
    assert person.get(f"/auth/set-password/{issue(app, nora['id'])}").status_code == 200


@pytest.mark.parametrize("role", ["service_manager", "technician"])
def test_only_an_admin_can_make_a_link(app, people, nora, role):
    client = signed_in(app, people[role])
    page = client.get("/account").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(f"/admin/users/{nora['id']}/set-password-link", data={"csrf_token": token})
    assert answer.status_code == 403
    assert links(app) == 0


def test_signed_out_making_a_link_is_sent_to_sign_in(app, nora):
    answer = app.test_client().post(f"/admin/users/{nora['id']}/set-password-link")
    assert answer.status_code in (302, 400)
    assert links(app) == 0


def test_an_admins_button_without_its_csrf_token_makes_nothing(app, people, nora):
    admin = signed_in(app, people["admin"])
    assert admin.post(f"/admin/users/{nora['id']}/set-password-link").status_code == 400
    assert links(app) == 0


def test_no_link_for_a_deactivated_person(app, people, nora):
    with app.app_context():
        db.session.get(User, nora["id"]).active = False
        db.session.commit()
    admin = signed_in(app, people["admin"])
    page = admin.get(f"/admin/users/{nora['id']}").get_data(as_text=True)
    assert "Make a set-password link" not in page and "make them active again" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = admin.post(f"/admin/users/{nora['id']}/set-password-link", data={"csrf_token": token})
    assert answer.status_code == 302
    assert "is deactivated" in admin.get(answer.headers["Location"]).get_data(as_text=True)
    assert links(app) == 0


def test_a_forgotten_password_is_replaced_and_the_old_devices_signed_out(app, people):
    tech = signed_in(app, people["technician"])
    assert tech.get("/m/").status_code == 200
    admin = signed_in(app, people["admin"])
    with app.app_context():
        tech_id = db.session.scalar(select(User.id).where(User.email == people["technician"]))
    url = LINK.search(make_link(admin, tech_id).get_data(as_text=True)).group(1)
    path = url.removeprefix("http://localhost")
    assert send_form(app.test_client(), path, NEW_PASSWORD).status_code == 302
    assert tech.get("/m/").status_code == 302  # the phone signed in before is signed out
    assert signed_in(app, people["technician"], NEW_PASSWORD).get("/m/").status_code == 200
    assert password_hash(app, tech_id) != PASSWORD
