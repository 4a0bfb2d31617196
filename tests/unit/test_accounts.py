import pytest
from sqlalchemy import select

from mspboard.models import AuditEvent, db
from mspboard.services import accounts, sign_ins
from mspboard.services.errors import RuleViolation
from tests.factories import PASSWORD, make_user


def details(**overrides):
    values = {"name": "Ada Tech", "email": "Ada@Example.TEST", "role": "technician"}
    values.update(overrides)
    return accounts.UserDetails(**values)


def test_new_user_gets_a_hashed_password_and_a_lowercase_email():
    user = accounts.create_user(None, details(), PASSWORD)
    assert user.email == "ada@example.test"
    assert PASSWORD not in user.password_hash
    assert accounts.authenticate("ADA@example.test", PASSWORD) is user


def test_current_app_hash_method_is_used(app):
    user = accounts.create_user(None, details(), PASSWORD)
    assert user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"].split(":")[0])


def test_production_default_is_scrypt():
    from mspboard.config import DEFAULTS

    assert DEFAULTS["PASSWORD_HASH_METHOD"] == "scrypt"


def test_email_is_unique_whatever_its_case():
    accounts.create_user(None, details(), PASSWORD)
    with pytest.raises(RuleViolation) as refused:
        accounts.create_user(None, details(email="ada@EXAMPLE.test"), PASSWORD)
    assert refused.value.field == "email"


def test_short_password_is_refused():
    with pytest.raises(RuleViolation) as refused:
        accounts.create_user(None, details(), "short")
    assert refused.value.field == "password"


def test_day_must_end_after_it_starts():
    from datetime import time

    with pytest.raises(RuleViolation) as refused:
        accounts.create_user(None, details(day_start=time(17), day_end=time(9)), PASSWORD)
    assert refused.value.field == "day_end"


def test_wrong_password_or_unknown_email_does_not_authenticate():
    make_user(email="known@example.test")
    assert accounts.authenticate("known@example.test", "wrong password!") is None
    assert accounts.authenticate("nobody@example.test", PASSWORD) is None


def test_deactivated_user_cannot_sign_in_and_every_sign_in_ends():
    admin = make_user(role="admin")
    tech = make_user(email="gone@example.test")
    phone = sign_ins.start(tech, True, "phone", "10.0.0.1")
    laptop = sign_ins.start(tech, False, "laptop", "10.0.0.2")
    accounts.set_active(admin, tech, False)
    assert accounts.authenticate("gone@example.test", PASSWORD) is None
    assert sign_ins.live_of(tech) == []
    assert {phone.sign_in.end_reason, laptop.sign_in.end_reason} == {"deactivated"}
    assert sign_ins.find_live(phone.token) is None


def test_nobody_can_deactivate_themselves():
    admin = make_user(role="admin")
    make_user(role="admin")
    with pytest.raises(RuleViolation):
        accounts.set_active(admin, admin, False)


def test_the_last_active_admin_keeps_the_admin_role():
    admin = make_user(role="admin")
    with pytest.raises(RuleViolation):
        accounts.update_user(
            admin, admin, details(email=admin.email, role="technician"), expected_version=1
        )


def test_password_reset_by_an_admin_signs_the_user_out_everywhere():
    admin = make_user(role="admin")
    tech = make_user()
    phone = sign_ins.start(tech, True, "phone", "10.0.0.1")
    admins_own = sign_ins.start(admin, False, "desk", "10.0.0.9")
    accounts.update_user(
        admin,
        tech,
        details(name=tech.name, email=tech.email),
        new_password="a brand new password",
        expected_version=1,
        current_sign_in=admins_own.sign_in,
    )
    assert sign_ins.find_live(phone.token) is None
    assert phone.sign_in.end_reason == "password_reset"
    assert sign_ins.find_live(admins_own.token) is admins_own.sign_in
    assert accounts.authenticate(tech.email, "a brand new password") is tech


def test_user_changes_are_audited_with_before_and_after():
    admin = make_user(role="admin")
    tech = make_user(name="Old Name")
    accounts.update_user(
        admin, tech, details(name="New Name", email=tech.email), expected_version=1
    )
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.updated")).one()
    assert event.actor_id == admin.id
    assert event.before["name"] == "Old Name"
    assert event.after["name"] == "New Name"
