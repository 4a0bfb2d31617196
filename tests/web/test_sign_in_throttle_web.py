"""Throttled sign-in and token guesses over HTTP, with CSRF on as in production."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mspboard.models import AuditEvent, User, db
from mspboard.services import calendar_feeds, tv_links
from tests.factories import PASSWORD

LOCKED = "Too many tries; try again in 1 minute, or ask an admin to unlock your account."


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def token_from(page: str) -> str:
    field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page).group(0)
    return re.search(r'value="([^"]+)"', field).group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, headers=None, **environ):
    token = token_from(client.get("/login", environ_base=environ, headers=headers).text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=environ,
        headers=headers,
    )


def lock_out(client: FlaskClient, email: str):
    for _ in range(4):
        assert sign_in(client, email, "wrong password").status_code == 422
    return sign_in(client, email, "wrong password")


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def test_the_wrong_password_that_locks_answers_429_with_retry_after_and_the_wait(
    client, people, stopped
):
    response = lock_out(client, people["technician"])
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert LOCKED in page and "do not match an active account" in page
    assert f'value="{people["technician"]}"' in page  # the form keeps the email


def test_the_right_password_does_not_get_through_a_lock(client, people, stopped):
    lock_out(client, people["technician"])
    stopped.shift(30)
    response = sign_in(client, people["technician"])
    assert response.status_code == 429 and response.headers["Retry-After"] == "30"
    assert "Too many tries; try again in 30 seconds" in response.get_data(as_text=True)
    assert client.get("/m/").status_code == 302  # still signed out


def test_the_right_password_signs_in_once_the_lock_ends(client, people, stopped):
    lock_out(client, people["technician"])
    stopped.shift(60)
    assert sign_in(client, people["technician"]).status_code == 302
    assert client.get("/m/").status_code == 200


def test_a_sign_in_clears_the_accounts_wrong_passwords(client, people, stopped):
    for _ in range(4):
        sign_in(client, people["technician"], "wrong password")
    assert sign_in(client, people["technician"]).status_code == 302
    client.post("/logout", data={"csrf_token": token_from(client.get("/logout").text)})
    for _ in range(4):
        assert sign_in(client, people["technician"], "wrong password").status_code == 422


def test_the_lock_is_in_the_audit_log(app, client, people, stopped):
    lock_out(client, people["technician"])
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.locked"))
        assert event.entity_id == user_id(app, people["technician"])
        assert event.after["address"] == "127.0.0.1"


def test_one_client_guessing_across_accounts_is_slowed(client, stopped):
    for number in range(29):
        assert sign_in(client, f"guess{number}@example.test", "x").status_code == 422
    response = sign_in(client, "guess29@example.test", "x")
    assert response.status_code == 429 and response.headers["Retry-After"] == "900"
    assert "Too many tries from your network; try again in 15 minutes." in response.text
    other = sign_in(client, "guess30@example.test", "x", REMOTE_ADDR="192.0.2.50")
    assert other.status_code == 422


def test_behind_the_proxy_clients_are_counted_by_their_forwarded_address(
    database_url, tmp_path, stopped
):
    from mspboard import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "k",
            "INSTANCE_PATH": str(tmp_path / "proxy"),
            "BEHIND_PROXY": True,
            "REDIS_URL": None,
        }
    )
    client = app.test_client()
    first, second = {"X-Forwarded-For": "203.0.113.1"}, {"X-Forwarded-For": "203.0.113.2"}
    try:
        for number in range(30):
            sign_in(client, f"g{number}@example.test", "x", headers=first)
        refused = sign_in(client, "g@example.test", "x", headers=first)
        answered = sign_in(client, "g@example.test", "x", headers=second)
    finally:
        with app.app_context():
            db.engine.dispose()  # this second app's connections, before its database goes
    assert (refused.status_code, answered.status_code) == (429, 422)


# ---- the admin's unlock ----------------------------------------------------------------------


def test_an_admin_sees_the_lock_and_unlocks_the_account(app, people, stopped):
    tech, admin = app.test_client(), app.test_client()
    lock_out(tech, people["technician"])
    assert sign_in(admin, people["admin"]).status_code == 302
    tech_id = user_id(app, people["technician"])
    page = admin.get(f"/admin/users/{tech_id}").text
    assert "Locked" in page and "unlocks by itself in 1 minute" in page
    response = admin.post(f"/admin/users/{tech_id}/unlock", data={"csrf_token": token_from(page)})
    assert response.status_code == 302
    assert sign_in(tech, people["technician"]).status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.unlocked"))
        assert (event.actor_id, event.entity_id) == (user_id(app, people["admin"]), tech_id)
    assert "unlocked sign-in to the account of" in admin.get("/manage/audit").text


def test_unlocking_needs_the_csrf_token(app, people, stopped):
    lock_out(app.test_client(), people["technician"])
    admin = app.test_client()
    sign_in(admin, people["admin"])
    response = admin.post(f"/admin/users/{user_id(app, people['technician'])}/unlock")
    assert response.status_code == 400
    assert sign_in(app.test_client(), people["technician"]).status_code == 429


@pytest.mark.parametrize("role", ["technician", "service_manager"])
def test_only_an_admin_may_unlock(app, people, role, stopped):
    lock_out(app.test_client(), people["admin"])
    other = app.test_client()
    sign_in(other, people[role])
    token = token_from(other.get("/logout").text)
    response = other.post(
        f"/admin/users/{user_id(app, people['admin'])}/unlock", data={"csrf_token": token}
    )
    assert response.status_code == 403
    assert sign_in(app.test_client(), people["admin"]).status_code == 429


def test_unlocking_needs_a_sign_in(app, client, people):
    token = token_from(client.get("/login").text)
    response = client.post(
        f"/admin/users/{user_id(app, people['technician'])}/unlock", data={"csrf_token": token}
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# ---- the token routes ------------------------------------------------------------------------


@pytest.fixture
def tv_token(app) -> str:
    with app.app_context():
        token = tv_links.create_link(None, "Office TV").token
        db.session.commit()
    return token


@pytest.mark.parametrize(
    "path", ["/tv/{guess}", "/tv/{guess}/events", "/calendar/{guess}.ics"], ids=str
)
def test_guessing_tokens_is_refused_after_ten_a_minute(client, path, stopped):
    for number in range(10):
        assert client.get(path.format(guess=f"guess-{number}")).status_code == 404
    refused = client.get(path.format(guess="guess-10"))
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "try again in 1 minute" in refused.text
    stopped.shift(60)
    assert client.get(path.format(guess="guess-11")).status_code == 404


def test_a_real_tv_is_never_refused_however_often_it_refreshes(client, tv_token, stopped):
    for _ in range(11):
        client.get("/tv/not-the-token")
    assert client.get("/tv/not-the-token").status_code == 429
    for _ in range(30):
        assert client.get(f"/tv/{tv_token}", headers={"HX-Request": "true"}).status_code == 200
    assert client.get(f"/tv/{tv_token}").status_code == 200


def test_a_real_calendar_feed_is_never_refused(app, client, people, stopped):
    with app.app_context():
        user = db.session.get(User, user_id(app, people["technician"]))
        token = calendar_feeds.turn_on(user).token
        db.session.commit()
    for _ in range(11):
        client.get("/calendar/not-the-token.ics")
    assert client.get("/calendar/not-the-token.ics").status_code == 429
    for _ in range(20):
        assert client.get(f"/calendar/{token}.ics").status_code == 200
