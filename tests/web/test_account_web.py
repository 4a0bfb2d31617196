import re

import pytest
from sqlalchemy import select

from mspboard.models import AuditEvent, CalendarFeed, SignIn, User, db
from mspboard.services import calendar_feeds
from tests.conftest import login
from tests.factories import PASSWORD

NEW_PASSWORD = "a fresh river stone"


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def change(client, current=PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        "/account/password",
        data={
            "current_password": current,
            "new_password": new,
            "new_password_again": new if again is None else again,
        },
    )


def test_the_account_page_needs_a_signed_in_person(client):
    for method, path in (
        ("get", "/account"),
        ("post", "/account/password"),
        ("post", "/account/sign-ins/1/end"),
        ("post", "/account/sign-ins/others/end"),
    ):
        response = getattr(client, method)(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path


def test_a_technician_gets_the_account_page_in_the_phone_layout(login_as):
    page = login_as("technician").get("/account").get_data(as_text=True)
    assert 'class="tabbar"' in page and "Your account" in page
    assert "Change your password" in page and "Signed-in devices" in page
    assert '<h2 id="two-factor-heading">Two-factor sign-in</h2>' in page


@pytest.mark.parametrize("role", ["service_manager", "admin"])
def test_managers_and_admins_get_it_in_the_desk_layout(login_as, role):
    page = login_as(role).get("/account").get_data(as_text=True)
    assert 'class="tabbar"' not in page and 'class="mainnav"' in page
    assert "Signed-in devices" in page and "This device" in page


@pytest.mark.parametrize("role", ["technician", "service_manager", "admin"])
def test_every_layout_links_to_the_account_page(login_as, role):
    client = login_as(role)
    start = "/m/" if role == "technician" else "/board"
    assert 'href="/account"' in client.get(start).get_data(as_text=True)


def test_a_wrong_current_password_is_refused_next_to_the_field(login_as):
    response = change(login_as("technician"), current="not my password at all")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="current_password-error"' in page and "not your current password" in page


@pytest.mark.parametrize(
    ("new", "again", "message"),
    [
        ("eleven char", None, "at least 12"),
        (" " * 12, None, "only spaces"),
        ("qwerty123456", None, "common passwords"),
        ("tech@example.test", None, "email address"),
        (NEW_PASSWORD, "something else entirely", "differ"),
    ],
)
def test_a_new_password_that_breaks_a_rule_is_refused_next_to_the_field(
    login_as, new, again, message
):
    response = change(login_as("technician"), new=new, again=again)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'id="new_password-error"' in page or 'id="new_password_again-error"' in page


def test_a_changed_password_is_the_one_that_signs_in(app, login_as, people):
    client = login_as("technician")
    assert change(client).headers["Location"] == "/account"
    assert "Your password is changed" in client.get("/account").get_data(as_text=True)
    assert login(app.test_client(), people["technician"]).status_code == 422
    assert login(app.test_client(), people["technician"], NEW_PASSWORD).status_code == 302


def test_ending_another_device_signs_it_out(app, people):
    phone = app.test_client()
    login(phone, people["technician"])
    laptop = app.test_client()
    login(laptop, people["technician"])
    with app.app_context():
        first = db.session.scalar(select(SignIn.id).order_by(SignIn.id))
    page = laptop.get("/account").get_data(as_text=True)
    assert page.count('id="sign-in-') == 2
    response = laptop.post(f"/account/sign-ins/{first}/end")
    assert response.headers["Location"] == "/account"
    assert phone.get("/m/").status_code == 302
    assert laptop.get("/m/").status_code == 200
    with app.app_context():
        assert db.session.get(SignIn, first).end_reason == "ended_by_user"


def test_sign_out_everywhere_else_keeps_this_device(app, people):
    others = [app.test_client() for _ in range(2)]
    for other in others:
        login(other, people["service_manager"])
    here = app.test_client()
    login(here, people["service_manager"])
    here.post("/account/sign-ins/others/end")
    assert all(other.get("/board").status_code == 302 for other in others)
    assert here.get("/board").status_code == 200


def test_nobody_can_end_someone_elses_sign_in(app, people):
    tech = app.test_client()
    login(tech, people["technician"])
    admin = app.test_client()
    login(admin, people["admin"])
    with app.app_context():
        techs = db.session.scalar(
            select(SignIn.id).where(SignIn.user_id == user_id(app, people["technician"]))
        )
    assert admin.post(f"/account/sign-ins/{techs}/end").status_code == 404
    assert tech.get("/m/").status_code == 200


def test_ending_this_device_from_the_list_signs_out(app, people):
    client = app.test_client()
    login(client, people["technician"])
    with app.app_context():
        mine = db.session.scalar(select(SignIn.id))
    assert client.post(f"/account/sign-ins/{mine}/end").headers["Location"] == "/login"
    assert client.get("/m/").status_code == 302


# ---- calendar feeds revoked by someone else ------------------------------------------------


def feed_for(app, email: str) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        calendar_feeds.turn_on(user)
        db.session.commit()


def active_feeds(app) -> int:
    with app.app_context():
        return len(
            db.session.scalars(select(CalendarFeed).where(CalendarFeed.revoked_at.is_(None))).all()
        )


def test_a_technician_cannot_revoke_anyones_feed(app, login_as, people):
    feed_for(app, people["service_manager"])
    client = login_as("technician")
    response = client.post(f"/calendar/feeds/{user_id(app, people['service_manager'])}/revoke")
    assert response.status_code == 403
    assert active_feeds(app) == 1


def test_revoking_a_feed_needs_a_signed_in_person(app, client, people):
    feed_for(app, people["technician"])
    response = client.post(f"/calendar/feeds/{user_id(app, people['technician'])}/revoke")
    assert response.headers["Location"].startswith("/login")
    assert active_feeds(app) == 1


def test_a_manager_revokes_a_technicians_feed_from_the_team_calendar(app, login_as, people):
    feed_for(app, people["technician"])
    client = login_as("service_manager")
    tech_id = user_id(app, people["technician"])
    page = client.get("/calendar/team").get_data(as_text=True)
    assert f'action="/calendar/feeds/{tech_id}/revoke"' in page
    response = client.post(f"/calendar/feeds/{tech_id}/revoke")
    assert response.headers["Location"] == "/calendar/team#feeds-in-use"
    assert active_feeds(app) == 0
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "calendar_feed.revoked")
        ).one()
        assert event.actor_id == user_id(app, people["service_manager"])
    assert client.post(f"/calendar/feeds/{tech_id}/revoke").status_code == 302  # nothing left
    assert client.post("/calendar/feeds/2147483647/revoke").status_code == 404


def test_an_admin_revokes_a_feed_from_the_users_page(app, login_as, people):
    feed_for(app, people["technician"])
    client = login_as("admin")
    tech_id = user_id(app, people["technician"])
    assert "Revoke" in client.get(f"/admin/users/{tech_id}").get_data(as_text=True)
    response = client.post(f"/calendar/feeds/{tech_id}/revoke", data={"back": "user"})
    assert response.headers["Location"] == f"/admin/users/{tech_id}"
    assert active_feeds(app) == 0


def test_an_admin_password_reset_revokes_the_users_feed(app, people):
    from mspboard.services import accounts

    feed_for(app, people["technician"])
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == people["admin"]))
        tech = db.session.scalar(select(User).where(User.email == people["technician"]))
        details = accounts.UserDetails(name=tech.name, email=tech.email, role="technician")
        accounts.update_user(
            admin, tech, details, new_password=NEW_PASSWORD, expected_version=tech.version
        )
        db.session.commit()
    assert active_feeds(app) == 0


def test_the_account_page_does_not_show_the_stored_hash(app, login_as):
    page = login_as("technician").get("/account").get_data(as_text=True)
    with app.app_context():
        hashes = list(db.session.scalars(select(SignIn.token_hash)))
    assert hashes and not any(h in page for h in hashes)
    assert not re.search(r"[0-9a-f]{64}", page)
