import pytest
from sqlalchemy import select

from mspboard.models import User, db
from tests.conftest import login

pytestmark = pytest.mark.instant_free

NEW_TECH = {
    "name": "Rosa Diaz",
    "email": "rosa@example.test",
    "role": "technician",
    "tech_level": "tech_ii",
    "workdays": ["1", "2", "3", "4"],
    "day_start": "07:30",
    "day_end": "16:00",
    "password": "rosa's long password",
}


def user_by_email(app, email):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return (
            None
            if user is None
            else {
                "id": user.id,
                "name": user.name,
                "workdays": user.workdays,
                "active": user.active,
            }
        )


def test_admin_adds_a_user_who_can_then_sign_in(app, login_as):
    admin = login_as("admin")
    response = admin.post("/admin/users/new", data=NEW_TECH)
    assert response.status_code == 302
    assert "Rosa Diaz" in admin.get("/admin/users").get_data(as_text=True)
    assert user_by_email(app, "rosa@example.test")["workdays"] == 0b0001111
    assert login(app.test_client(), "rosa@example.test", NEW_TECH["password"]).status_code == 302


def test_duplicate_email_is_refused_next_to_the_field(login_as, people):
    admin = login_as("admin")
    response = admin.post(
        "/admin/users/new", data=NEW_TECH | {"email": people["technician"].upper()}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in page and "already has this email" in page
    assert 'value="Rosa Diaz"' in page  # what was typed is kept


def test_short_password_is_refused_next_to_the_field(login_as):
    response = login_as("admin").post("/admin/users/new", data=NEW_TECH | {"password": "short"})
    assert response.status_code == 422
    assert 'id="password-error"' in response.get_data(as_text=True)


def test_invalid_email_is_refused(login_as):
    response = login_as("admin").post("/admin/users/new", data=NEW_TECH | {"email": "not-an-email"})
    assert response.status_code == 422
    assert "Enter a valid email address." in response.get_data(as_text=True)


def test_bad_edit_keeps_the_saved_user_unchanged(app, login_as, people):
    admin = login_as("admin")
    tech = user_by_email(app, people["technician"])
    response = admin.post(
        f"/admin/users/{tech['id']}",
        data=NEW_TECH
        | {"email": people["technician"], "name": "Changed", "day_end": "06:00", "password": ""},
    )
    assert response.status_code == 422
    assert "The day must end after it starts." in response.get_data(as_text=True)
    assert user_by_email(app, people["technician"])["name"] == tech["name"]


def test_admin_edits_a_user(app, login_as, people):
    admin = login_as("admin")
    tech = user_by_email(app, people["technician"])
    page = admin.get(f"/admin/users/{tech['id']}").get_data(as_text=True)
    assert people["technician"] in page
    response = admin.post(
        f"/admin/users/{tech['id']}",
        data=NEW_TECH
        | {"email": people["technician"], "name": "Renamed Tech", "password": "", "version": "1"},
    )
    assert response.status_code == 302
    assert user_by_email(app, people["technician"])["name"] == "Renamed Tech"


def test_admin_deactivates_and_reactivates_a_user(app, login_as, people):
    admin = login_as("admin")
    tech = user_by_email(app, people["technician"])
    admin.post(f"/admin/users/{tech['id']}/active", data={"active": "0"})
    assert user_by_email(app, people["technician"])["active"] is False
    admin.post(f"/admin/users/{tech['id']}/active", data={"active": "1"})
    assert user_by_email(app, people["technician"])["active"] is True


def test_admin_cannot_deactivate_themselves(app, login_as, people):
    admin = login_as("admin")
    me = user_by_email(app, people["admin"])
    response = admin.post(
        f"/admin/users/{me['id']}/active", data={"active": "0"}, follow_redirects=True
    )
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert user_by_email(app, people["admin"])["active"] is True


def test_unknown_user_is_404(login_as):
    assert login_as("admin").get("/admin/users/99999").status_code == 404
