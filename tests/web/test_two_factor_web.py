"""Two-factor sign-in over HTTP, with CSRF protection on as in production, on the controlled
clock held still (a code made here is checked in the same 30-second step)."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from mspboard.models import AuditEvent, ShopSettings, User, db, utcnow
from mspboard.services import two_factor
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("stopped")

STEP = timedelta(seconds=30)


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def token_of(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def password_step(client, email: str, next_path: str | None = None, remember: bool = False):
    data = {"email": email, "password": PASSWORD, "csrf_token": token_of(client)}
    if remember:
        data["remember"] = "y"
    return client.post("/login" + (f"?next={next_path}" if next_path else ""), data=data)


def code_step(client, code: str):
    return client.post(
        "/login/code", data={"code": code, "csrf_token": token_of(client, "/login/code")}
    )


def user_of(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def turn_on_for(app, email: str) -> tuple[str, list[str]]:
    """Two-factor on for this person, as if they had set it up a step ago; their secret
    and recovery codes."""
    with app.app_context():
        secret = two_factor.new_secret()
        codes = two_factor.enable(user_of(email), secret, pyotp.TOTP(secret).at(utcnow() - STEP))
        db.session.commit()
        return secret, codes


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(utcnow())


def require_for_managers(app) -> None:
    with app.app_context():
        settings = ShopSettings.with_defaults()
        settings.require_two_factor_for_managers = True
        db.session.merge(settings)
        db.session.commit()


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# ---- setting it up ----------------------------------------------------------------------------


def test_a_technician_sets_it_up_and_sees_the_recovery_codes_once(app, client, people):
    assert password_step(client, people["technician"]).status_code == 302
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page and "QR code for your authenticator app" in page
    assert "page-field" in page and "two-factor phone" in page  # the phone layout for a tech
    secret = re.search(r'<code id="two-factor-secret">([A-Z2-7 ]+)</code>', page).group(1)
    assert len(secret.split()) == 8  # in groups of four for typing
    assert secret in client.get("/account/two-factor").get_data(as_text=True)  # same on reload
    token = token_of(client, "/account/two-factor")

    wrong = client.post("/account/two-factor", data={"enrol-code": "000000", "csrf_token": token})
    if current_code(secret.replace(" ", "")) == "000000":  # pragma: no cover - one in a million
        return
    assert wrong.status_code == 422
    assert 'id="enrol-code-error"' in wrong.get_data(as_text=True)

    right = client.post(
        "/account/two-factor",
        data={"enrol-code": current_code(secret.replace(" ", "")), "csrf_token": token},
    )
    assert right.status_code == 302
    shown = client.get("/account/two-factor").get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z2-9-]{19})</code></li>", shown)
    assert len(codes) == 10
    again = client.get("/account/two-factor").get_data(as_text=True)
    assert codes[0] not in again and "10 of 10 recovery codes left" in again
    assert "user.two_factor_enabled" in audit_actions(app)


def test_a_manager_gets_the_desk_layout(client, people):
    password_step(client, people["service_manager"])
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "page-field" not in page and "two-factor desk" in page


def test_the_setup_page_needs_a_signed_in_person(client):
    response = client.get("/account/two-factor")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_empty_or_hostile_codes_are_422_next_to_the_field(client, people):
    password_step(client, people["technician"])
    token = token_of(client, "/account/two-factor")
    for code in ["", "\x00", "x" * 100]:
        response = client.post(
            "/account/two-factor", data={"enrol-code": code, "csrf_token": token}
        )
        assert response.status_code == 422
        assert 'id="enrol-code-error"' in response.get_data(as_text=True)


# ---- signing in ------------------------------------------------------------------------------


def test_between_password_and_code_nothing_else_is_reachable(app, client, people):
    turn_on_for(app, people["service_manager"])
    response = password_step(client, people["service_manager"])
    assert response.headers["Location"] == "/login/code"
    for path in ["/board", "/manage/backlog", "/admin/clients", "/account/two-factor", "/m/"]:
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].startswith("/login?"), path
    assert client.get("/login/code").status_code == 200


def test_a_wrong_code_is_422_with_the_message_next_to_the_field(app, client, people):
    secret, _ = turn_on_for(app, people["technician"])
    password_step(client, people["technician"])
    wrong = "123456" if current_code(secret) != "123456" else "654321"
    response = code_step(client, wrong)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="code-error"' in page and "That code is not right" in page
    assert client.get("/board").status_code == 302


def test_wrong_codes_count_with_wrong_passwords_and_lock_the_code_step(app, client, people):
    secret, _ = turn_on_for(app, people["technician"])
    password_step(client, people["technician"])
    wrong = "123456" if current_code(secret) != "123456" else "654321"
    for _ in range(4):
        assert code_step(client, wrong).status_code == 422
    locked = code_step(client, wrong)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Too many tries" in locked.get_data(as_text=True)
    refused = code_step(client, current_code(secret))  # the right code waits out the lock too
    assert refused.status_code == 429
    assert client.get("/board").status_code == 302


def test_a_current_code_signs_in_and_goes_where_the_person_was_going(app, client, people):
    secret, _ = turn_on_for(app, people["admin"])
    password_step(client, people["admin"], next_path="/admin/clients", remember=True)
    response = code_step(client, current_code(secret))
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/clients"
    assert "remember_token=" in response.headers.get("Set-Cookie", "")
    assert client.get("/board").status_code == 200
    with app.app_context():
        assert user_of(people["admin"]).last_login_at is not None


def test_the_same_code_cannot_sign_in_twice(app, client, people):
    secret, _ = turn_on_for(app, people["technician"])
    code = current_code(secret)
    password_step(client, people["technician"])
    assert code_step(client, code).status_code == 302
    other = app.test_client()
    password_step(other, people["technician"])
    assert code_step(other, code).status_code == 422


def test_a_recovery_code_signs_in_once_and_is_audited(app, people):
    _, codes = turn_on_for(app, people["technician"])
    first = app.test_client()
    password_step(first, people["technician"])
    assert code_step(first, codes[0]).headers["Location"] == "/m/"
    assert "user.recovery_code_used" in audit_actions(app)
    second = app.test_client()
    password_step(second, people["technician"])
    assert code_step(second, codes[0]).status_code == 422


def test_the_code_step_waits_five_minutes_then_starts_over(app, client, people, stopped):
    secret, _ = turn_on_for(app, people["technician"])
    password_step(client, people["technician"])
    stopped.shift(timedelta(minutes=5, seconds=5))
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    token = token_of(client)
    late = client.post("/login/code", data={"code": current_code(secret), "csrf_token": token})
    assert late.status_code == 302 and late.headers["Location"] == "/login"
    assert client.get("/board").status_code == 302


def test_the_code_step_without_a_password_first_goes_to_sign_in(client):
    assert client.get("/login/code").headers["Location"] == "/login"


def test_a_deactivation_during_the_code_step_ends_it(app, client, people):
    turn_on_for(app, people["technician"])
    password_step(client, people["technician"])
    with app.app_context():
        user_of(people["technician"]).active = False
        db.session.commit()
    assert client.get("/login/code").headers["Location"] == "/login"


# ---- the shop setting -------------------------------------------------------------------------


def test_the_admin_turns_the_requirement_on_in_the_settings_form(app, client, people):
    password_step(client, people["admin"])
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Require two-factor sign-in for managers and admins" in page
    form = {
        "version": "1",
        "shop_name": "Harbor Lane IT",
        "timezone": "UTC",
        "workdays": ["1", "2", "3", "4", "5"],
        "day_start": "08:00",
        "close_of_business": "17:00",
        "default_rate": "125.00",
        "stale_after_days": "14",
        "idle_alert_minutes": "120",
        "billing_rounding_minutes": "15",
        "minimum_charge_minutes": "0",
        "currency": "USD",
        "backup_keep_daily": "7",
        "backup_keep_weekly": "4",
        "require_two_factor_for_managers": "y",
        "csrf_token": token_of(client, "/admin/settings"),
    }
    assert client.post("/admin/settings", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(ShopSettings, 1).require_two_factor_for_managers is True
    # The admin has no second factor yet: every page now leads to setting it up.
    assert client.get("/admin/settings").headers["Location"] == "/account/two-factor"


@pytest.mark.parametrize("role", ["service_manager", "admin"])
def test_a_manager_without_it_is_sent_to_set_it_up_before_anything_else(app, client, people, role):
    require_for_managers(app)
    response = password_step(client, people[role])
    assert response.headers["Location"] == "/account/two-factor"
    for path in ["/board", "/manage/backlog", "/admin/clients", "/calendar/team"]:
        assert client.get(path).headers["Location"] == "/account/two-factor", path
    htmx = client.get("/board", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/account/two-factor"
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "requires two-factor sign-in for your role" in page
    assert (
        client.post(
            "/logout", data={"csrf_token": token_of(client, "/account/two-factor")}
        ).status_code
        == 302
    )


def test_a_manager_who_finishes_setting_it_up_goes_on(app, client, people):
    require_for_managers(app)
    password_step(client, people["service_manager"])
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code id="two-factor-secret">([A-Z2-7 ]+)</code>', page).group(1)
    response = client.post(
        "/account/two-factor",
        data={
            "enrol-code": current_code(secret.replace(" ", "")),
            "csrf_token": token_of(client, "/account/two-factor"),
        },
    )
    assert response.status_code == 302
    assert client.get("/board").status_code == 200


def test_technicians_stay_free_to_choose_when_it_is_required(app, client, people):
    require_for_managers(app)
    assert password_step(client, people["technician"]).headers["Location"] == "/m/"
    assert client.get("/m/").status_code == 200


def test_a_manager_cannot_turn_it_off_while_required(app, client, people):
    secret, _ = turn_on_for(app, people["service_manager"])
    require_for_managers(app)
    password_step(client, people["service_manager"])
    code_step(client, current_code(secret))
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "it stays on" in page and "off-code" not in page
    later = utcnow() + 2 * STEP
    response = client.post(
        "/account/two-factor/off",
        data={
            "off-code": pyotp.TOTP(secret).at(later),
            "csrf_token": token_of(client, "/account/two-factor"),
        },
    )
    assert response.status_code == 422
    with app.app_context():
        assert two_factor.is_on(user_of(people["service_manager"]))


def test_a_technician_turns_it_off_with_a_current_code(app, client, people):
    secret, _ = turn_on_for(app, people["technician"])
    password_step(client, people["technician"])
    code_step(client, current_code(secret))
    token = token_of(client, "/account/two-factor")
    wrong = client.post("/account/two-factor/off", data={"off-code": "12", "csrf_token": token})
    assert wrong.status_code == 422 and 'id="off-code-error"' in wrong.get_data(as_text=True)
    next_step = pyotp.TOTP(secret).at(utcnow() + STEP)
    response = client.post(
        "/account/two-factor/off", data={"off-code": next_step, "csrf_token": token}
    )
    assert response.status_code == 302
    assert "user.two_factor_disabled" in audit_actions(app)


def test_new_recovery_codes_need_a_current_code(app, client, people):
    secret, old = turn_on_for(app, people["technician"])
    password_step(client, people["technician"])
    code_step(client, current_code(secret))
    token = token_of(client, "/account/two-factor")
    wrong = client.post(
        "/account/two-factor/recovery-codes", data={"renew-code": "", "csrf_token": token}
    )
    assert wrong.status_code == 422 and 'id="renew-code-error"' in wrong.get_data(as_text=True)
    next_step = pyotp.TOTP(secret).at(utcnow() + STEP)
    response = client.post(
        "/account/two-factor/recovery-codes", data={"renew-code": next_step, "csrf_token": token}
    )
    assert response.status_code == 302
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert old[0] not in page and len(re.findall(r"<li><code>", page)) == 10


# ---- an admin's reset ---------------------------------------------------------------------------


def tech_id(app, people) -> int:
    with app.app_context():
        return user_of(people["technician"]).id


@pytest.mark.parametrize("role", ["technician", "service_manager"])
def test_only_an_admin_may_reset_a_second_factor(app, client, people, role):
    with app.app_context():
        target = make_user(role="technician", email="other@example.test")
        db.session.commit()
        target_id = target.id
    turn_on_for(app, "other@example.test")
    password_step(client, people[role])
    token = token_of(client, "/board")
    response = client.post(f"/admin/users/{target_id}/two-factor/reset", data={"csrf_token": token})
    assert response.status_code == 403
    with app.app_context():
        assert two_factor.is_on(user_of("other@example.test"))


def test_a_reset_needs_a_signed_in_admin_and_the_csrf_token(app, client, people):
    turn_on_for(app, people["technician"])
    path = f"/admin/users/{tech_id(app, people)}/two-factor/reset"
    token = token_of(client)
    anonymous = client.post(path, data={"csrf_token": token})
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    password_step(client, people["admin"])
    assert client.post(path).status_code == 400
    with app.app_context():
        assert two_factor.is_on(user_of(people["technician"]))


def test_an_admin_resets_a_lost_phone_from_the_user_page(app, client, people):
    turn_on_for(app, people["technician"])
    password_step(client, people["admin"])
    user_page = client.get(f"/admin/users/{tech_id(app, people)}").get_data(as_text=True)
    assert "Reset second factor" in user_page
    response = client.post(
        f"/admin/users/{tech_id(app, people)}/two-factor/reset",
        data={"csrf_token": token_of(client, "/board")},
    )
    assert response.status_code == 302
    with app.app_context():
        assert not two_factor.is_on(user_of(people["technician"]))
    assert audit_actions(app)[-1] == "user.two_factor_reset"
    # The tech now signs in with the password alone.
    tech = app.test_client()
    assert password_step(tech, people["technician"]).headers["Location"] == "/m/"


def test_resetting_an_unknown_user_is_404(client, people):
    password_step(client, people["admin"])
    response = client.post(
        "/admin/users/999/two-factor/reset", data={"csrf_token": token_of(client, "/board")}
    )
    assert response.status_code == 404
