"""Sign-ins end on the server: cookies kept from before a sign-out, a password change or a
deactivation no longer open anything. CSRF protection is on, as in production."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from mspboard.models import SignIn, User, db
from tests.factories import PASSWORD

NEW_PASSWORD = "a fresh river stone"
TECH_PAGE = "/m/"


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def csrf_of(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def sign_in(app, email, remember=True, agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    token = csrf_of(client)
    data = {"email": email, "password": PASSWORD, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302
    return client


def cookies_of(client) -> dict[str, str]:
    return {name: client.get_cookie(name).value for name in ("session", "remember_token")}


def with_only(app, name: str, value: str):
    client = app.test_client()
    client.set_cookie(name, value)
    return client


def sends_to_sign_in(client, path=TECH_PAGE) -> bool:
    response = client.get(path)
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_each_cookie_alone_opens_the_page_while_signed_in(app, people):
    client = sign_in(app, people["technician"])
    kept = cookies_of(client)
    assert with_only(app, "session", kept["session"]).get(TECH_PAGE).status_code == 200
    assert with_only(app, "remember_token", kept["remember_token"]).get(TECH_PAGE).status_code == (
        200
    )


def test_after_sign_out_the_old_session_cookie_alone_gets_the_sign_in_page(app, people):
    client = sign_in(app, people["technician"])
    kept = cookies_of(client)
    response = client.post("/logout", data={"csrf_token": csrf_of(client, TECH_PAGE)})
    assert response.headers["Location"] == "/login"
    assert sends_to_sign_in(with_only(app, "session", kept["session"]))


def test_after_sign_out_the_old_remember_cookie_alone_gets_the_sign_in_page(app, people):
    client = sign_in(app, people["technician"])
    kept = cookies_of(client)
    client.post("/logout", data={"csrf_token": csrf_of(client, TECH_PAGE)})
    assert sends_to_sign_in(with_only(app, "remember_token", kept["remember_token"]))


def test_sign_out_needs_the_csrf_token(app, people):
    client = sign_in(app, people["technician"])
    assert client.post("/logout").status_code == 400
    assert client.get(TECH_PAGE).status_code == 200


def test_the_remember_cookie_stops_working_after_the_server_side_expiry(app, people, clock):
    client = sign_in(app, people["technician"])
    kept = cookies_of(client)
    clock.shift(timedelta(days=30, seconds=1))
    assert sends_to_sign_in(with_only(app, "remember_token", kept["remember_token"]))
    assert sends_to_sign_in(with_only(app, "session", kept["session"]))


def test_the_remember_cookie_lasts_as_long_as_the_sign_in(app):
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)


def test_a_password_change_ends_the_other_devices_and_keeps_this_one(app, people):
    phone = sign_in(app, people["technician"], agent="Mozilla/5.0 (Linux; Android 14) Chrome/131")
    laptop = sign_in(app, people["technician"])
    phone_cookies = cookies_of(phone)
    response = laptop.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
            "csrf_token": csrf_of(laptop, "/account"),
        },
    )
    assert response.headers["Location"] == "/account"
    assert laptop.get(TECH_PAGE).status_code == 200
    assert sends_to_sign_in(phone)
    assert sends_to_sign_in(with_only(app, "remember_token", phone_cookies["remember_token"]))


def test_deactivation_ends_the_session_and_the_remember_cookie(app, people):
    tech = sign_in(app, people["technician"])
    kept = cookies_of(tech)
    admin = sign_in(app, people["admin"])
    with app.app_context():
        tech_id = db.session.scalar(select(User.id).where(User.email == people["technician"]))
    admin.post(
        f"/admin/users/{tech_id}/active",
        data={"active": "0", "csrf_token": csrf_of(admin, "/admin/users")},
    )
    assert sends_to_sign_in(tech)
    assert sends_to_sign_in(with_only(app, "remember_token", kept["remember_token"]))
    with app.app_context():
        reasons = set(
            db.session.scalars(select(SignIn.end_reason).where(SignIn.user_id == tech_id))
        )
    assert reasons == {"deactivated"}


def test_an_admin_password_reset_ends_the_users_sign_ins(app, people):
    tech = sign_in(app, people["technician"])
    admin = sign_in(app, people["admin"])
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == people["technician"]))
        user_id, version, name = user.id, user.version, user.name
    page = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    shown = re.search(r'name="shown" type="hidden" value="([^"]+)"', page).group(1)
    response = admin.post(
        f"/admin/users/{user_id}",
        data={
            "name": name,
            "email": people["technician"],
            "role": "technician",
            "tech_level": "tech_i",
            "workdays": ["1", "2", "3", "4", "5"],
            "day_start": "08:00",
            "day_end": "17:00",
            "password": NEW_PASSWORD,
            "version": str(version),
            "shown": shown.replace("&#34;", '"'),
            "csrf_token": csrf_of(admin, "/admin/users"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert sends_to_sign_in(tech)
    assert admin.get("/admin/users").status_code == 200


def test_last_seen_is_noted_at_most_every_five_minutes(app, people, clock):
    client = sign_in(app, people["technician"])

    def last_seen():
        with app.app_context():
            return db.session.scalar(select(SignIn.last_seen_at))

    first = last_seen()
    clock.shift(timedelta(minutes=4))
    client.get(TECH_PAGE)
    assert last_seen() == first
    clock.shift(timedelta(minutes=2))
    client.get(TECH_PAGE)
    assert last_seen() > first


def test_signing_in_again_in_the_same_browser_ends_the_earlier_sign_in(app, people):
    client = sign_in(app, people["technician"])
    data = {"email": people["admin"], "password": PASSWORD, "csrf_token": csrf_of(client, "/m/")}
    client.post("/login", data=data)
    with app.app_context():
        ends = list(db.session.scalars(select(SignIn.end_reason).order_by(SignIn.id)))
    assert ends == ["signed_out", None]
