import pytest

from tests.conftest import login
from tests.factories import PASSWORD

pytestmark = pytest.mark.instant_free


def test_login_page_has_labelled_fields(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'for="email"' in page and 'for="password"' in page


def test_wrong_password_is_refused_with_a_message_and_422(client, people):
    response = login(client, people["technician"], "not the password")
    assert response.status_code == 422
    assert "do not match an active account" in response.get_data(as_text=True)


def test_empty_fields_get_messages_next_to_them(client):
    response = client.post("/login", data={"email": "", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in page and "Enter your email." in page
    assert 'id="password-error"' in page


def test_technician_lands_on_the_phone_view(client, people):
    response = login(client, people["technician"])
    assert response.headers["Location"] == "/m/"


def test_managers_and_admins_land_on_the_board(client, people):
    for role in ("service_manager", "admin"):
        response = login(client, people[role])
        assert response.headers["Location"] == "/board"
        client.post("/logout")


def test_sign_in_returns_to_the_page_asked_for(client, people):
    response = client.post(
        "/login?next=/admin/clients", data={"email": people["admin"], "password": PASSWORD}
    )
    assert response.headers["Location"] == "/admin/clients"


def test_sign_in_never_redirects_off_site(client, people):
    response = client.post(
        "/login?next=//evil.example/phish", data={"email": people["admin"], "password": PASSWORD}
    )
    assert response.headers["Location"] == "/board"


def test_pages_need_a_signed_in_user(client):
    for path in (
        "/board",
        "/m/",
        "/sr/new",
        "/manage/backlog",
        "/board/screens",
        "/admin/users",
        "/admin/clients",
        "/admin/settings",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next="), path


def test_sign_out_ends_the_session(login_as):
    client = login_as("technician")
    assert client.get("/m/").status_code == 200
    assert client.post("/logout").headers["Location"] == "/login"
    assert client.get("/m/").status_code == 302


def test_sign_out_by_get_only_asks_to_confirm(login_as):
    client = login_as("technician")
    assert "Sign out?" in client.get("/logout").get_data(as_text=True)
    assert client.get("/m/").status_code == 200


def test_remember_me_sets_a_long_lived_cookie(client, people):
    login(client, people["technician"], remember=True)
    assert client.get_cookie("remember_token") is not None


def test_remember_me_is_off_unless_asked_for(client, people):
    login(client, people["technician"])
    assert client.get_cookie("remember_token") is None


def test_deactivating_a_user_ends_their_open_session(app, people):
    tech = app.test_client()
    login(tech, people["technician"])
    admin = app.test_client()
    login(admin, people["admin"])
    from mspboard.models import User, db

    with app.app_context():
        tech_id = db.session.scalar(db.select(User.id).where(User.email == people["technician"]))
    admin.post(f"/admin/users/{tech_id}/active", data={"active": "0"})
    assert tech.get("/m/").status_code == 302
    assert login(tech, people["technician"]).status_code == 422


def test_signed_in_user_visiting_login_goes_to_their_start_page(login_as):
    client = login_as("service_manager")
    assert client.get("/login").headers["Location"] == "/board"
    assert client.get("/").headers["Location"] == "/board"


def test_htmx_request_without_a_session_is_told_to_load_the_login_page(client):
    response = client.get(
        "/board", headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/board?mine=1"}
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/board?mine%3D1"
