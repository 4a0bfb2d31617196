"""The rules of two-factor sign-in (services.two_factor), on the test's controlled clock held
still, so a code made here and the check of it fall in the same 30-second step."""

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from mspboard.models import AuditEvent, RecoveryCode, ShopSettings, TwoFactor, db, utcnow
from mspboard.services import two_factor
from mspboard.services.errors import RuleViolation
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("stopped")

STEP = timedelta(seconds=30)


def code_for(secret: str, moment) -> str:
    return pyotp.TOTP(secret).at(moment)


def enrolled(role: str = "technician"):
    """A user with two-factor on, the secret their app holds, and their recovery codes. The
    code that turned it on was of the step before now, so the current step is still free."""
    user = make_user(role=role)
    secret = two_factor.new_secret()
    now = utcnow()
    codes = two_factor.enable(user, secret, code_for(secret, now - STEP), now=now)
    return user, secret, codes


def actions_on(user) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "users", AuditEvent.entity_id == user.id)
            .order_by(AuditEvent.id)
        )
    )


def require_for_managers(on: bool = True) -> None:
    settings = ShopSettings.with_defaults()
    settings.require_two_factor_for_managers = on
    db.session.merge(settings)
    db.session.flush()
    from flask import g

    g.pop("shop_settings", None)


# ---- codes and the clock --------------------------------------------------------------------


def test_a_code_of_the_current_step_signs_in():
    user, secret, _ = enrolled()
    assert two_factor.complete_sign_in(user, code_for(secret, utcnow()))


@pytest.mark.parametrize("drift", [-1, 1])
def test_a_code_one_step_off_is_accepted_for_a_phone_whose_clock_drifts(drift):
    user, secret, _ = enrolled()
    now = utcnow() + 5 * STEP  # clear of the step spent turning it on
    assert two_factor.complete_sign_in(user, code_for(secret, now + drift * STEP), now=now)


@pytest.mark.parametrize("drift", [-2, 2])
def test_a_code_two_steps_off_is_refused(drift):
    user, secret, _ = enrolled()
    now = utcnow() + 5 * STEP  # clear of the step spent turning it on
    assert not two_factor.complete_sign_in(user, code_for(secret, now + drift * STEP), now=now)


def test_a_code_is_accepted_once_replay_in_the_same_step_is_refused():
    user, secret, _ = enrolled()
    now = utcnow() + 3 * STEP
    code = code_for(secret, now)
    assert two_factor.complete_sign_in(user, code, now=now)
    assert not two_factor.complete_sign_in(user, code, now=now)
    assert not two_factor.complete_sign_in(user, code, now=now + timedelta(seconds=1))


def test_once_a_code_is_used_an_older_steps_code_is_refused():
    user, secret, _ = enrolled()
    now = utcnow() + 3 * STEP
    assert two_factor.complete_sign_in(user, code_for(secret, now + STEP), now=now)
    assert not two_factor.complete_sign_in(user, code_for(secret, now), now=now)


def test_the_code_that_turned_it_on_cannot_sign_in():
    user = make_user()
    secret = two_factor.new_secret()
    now = utcnow()
    code = code_for(secret, now)
    two_factor.enable(user, secret, code, now=now)
    assert not two_factor.complete_sign_in(user, code, now=now)


def test_a_code_with_spaces_is_read_as_its_digits():
    user, secret, _ = enrolled()
    code = code_for(secret, utcnow())
    assert two_factor.complete_sign_in(user, f" {code[:3]} {code[3:]} ")


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "x" * 500])
def test_text_that_is_not_a_code_signs_no_one_in(typed):
    user, _, _ = enrolled()
    assert not two_factor.complete_sign_in(user, typed)


def test_someone_without_two_factor_cannot_complete_the_code_step():
    assert not two_factor.complete_sign_in(make_user(), "123456")


# ---- turning it on --------------------------------------------------------------------------


def test_turning_on_needs_a_current_code_and_stores_the_secret_encrypted():
    user = make_user()
    secret = two_factor.new_secret()
    with pytest.raises(RuleViolation) as refused:
        two_factor.enable(user, secret, code_for(secret, utcnow() + 2 * STEP))
    assert refused.value.field == "code"
    assert not two_factor.is_on(user)
    codes = two_factor.enable(user, secret, code_for(secret, utcnow()))
    stored = db.session.scalar(select(TwoFactor).where(TwoFactor.user_id == user.id))
    assert secret not in stored.secret_encrypted
    assert two_factor.unseal(stored.secret_encrypted) == secret
    assert len(codes) == 10 and len(set(codes)) == 10
    assert actions_on(user)[-1] == "user.two_factor_enabled"


def test_a_secret_sealed_under_another_secret_key_does_not_open(app):
    sealed = two_factor.seal("JBSWY3DPEHPK3PXP")
    app.config["SECRET_KEY"] = "another key"
    assert two_factor.unseal(sealed) is None
    assert two_factor.unseal("not a sealed secret") is None


def test_turning_on_twice_is_refused():
    user, secret, _ = enrolled()
    with pytest.raises(RuleViolation):
        two_factor.enable(user, secret, code_for(secret, utcnow()))


# ---- recovery codes -------------------------------------------------------------------------


def test_recovery_codes_are_stored_hashed():
    _, _, codes = enrolled()
    stored = set(db.session.scalars(select(RecoveryCode.code_hash)))
    assert len(stored) == 10
    assert not any(
        code in hashed or code.replace("-", "") in hashed for code in codes for hashed in stored
    )


def test_a_recovery_code_signs_in_once_only():
    user, _, codes = enrolled()
    assert two_factor.complete_sign_in(user, codes[3])
    assert not two_factor.complete_sign_in(user, codes[3])
    assert two_factor.recovery_codes_left(user) == 9
    assert actions_on(user)[-1] == "user.recovery_code_used"


def test_a_recovery_code_is_read_without_its_dashes_and_case():
    user, _, codes = enrolled()
    assert two_factor.complete_sign_in(user, codes[0].replace("-", " ").upper())


def test_a_recovery_code_belongs_to_its_own_user():
    user, _, codes = enrolled()
    other, _, _ = enrolled()
    assert not two_factor.complete_sign_in(other, codes[0])
    assert two_factor.complete_sign_in(user, codes[0])


def test_new_recovery_codes_need_a_current_code_and_replace_the_old_ones():
    user, secret, old = enrolled()
    with pytest.raises(RuleViolation):
        two_factor.renew_recovery_codes(
            user, "000000" if code_for(secret, utcnow()) != "000000" else "111111"
        )
    new = two_factor.renew_recovery_codes(user, code_for(secret, utcnow()))
    assert not two_factor.complete_sign_in(user, old[0])
    assert two_factor.complete_sign_in(user, new[0])
    assert "user.recovery_codes_renewed" in actions_on(user)


# ---- turning it off, resets ---------------------------------------------------------------


def test_turning_off_needs_a_current_code_and_is_audited():
    user, secret, _ = enrolled()
    with pytest.raises(RuleViolation):
        two_factor.disable(user, code_for(secret, utcnow() + 3 * STEP))
    assert two_factor.is_on(user)
    two_factor.disable(user, code_for(secret, utcnow()))
    assert not two_factor.is_on(user)
    assert db.session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id)) is None
    assert actions_on(user)[-1] == "user.two_factor_disabled"


@pytest.mark.parametrize("role", ["service_manager", "admin"])
def test_a_manager_or_admin_cannot_turn_it_off_while_the_shop_requires_it(role):
    user, secret, _ = enrolled(role)
    require_for_managers()
    with pytest.raises(RuleViolation, match="requires"):
        two_factor.disable(user, code_for(secret, utcnow()))
    assert two_factor.is_on(user)


def test_a_technician_may_turn_it_off_while_the_shop_requires_it_of_managers():
    user, secret, _ = enrolled("technician")
    require_for_managers()
    two_factor.disable(user, code_for(secret, utcnow()))
    assert not two_factor.is_on(user)


def test_an_admin_reset_removes_the_factor_and_is_audited_as_the_admin():
    admin = make_user(role="admin")
    user, _, codes = enrolled()
    assert two_factor.reset(admin, user)
    assert not two_factor.is_on(user)
    assert not two_factor.complete_sign_in(user, codes[0])
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (event.action, event.actor_id, event.entity_id) == (
        "user.two_factor_reset",
        admin.id,
        user.id,
    )
    assert not two_factor.reset(admin, user)


# ---- who must have it ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "required"), [("technician", False), ("service_manager", True), ("admin", True)]
)
def test_the_shop_setting_requires_it_of_managers_and_admins_not_technicians(role, required):
    user = make_user(role=role)
    assert not two_factor.required_for(user)
    assert not two_factor.must_enrol(user)
    require_for_managers()
    assert two_factor.required_for(user) is required
    assert two_factor.must_enrol(user) is required


def test_someone_with_two_factor_on_need_not_enrol_again():
    user, _, _ = enrolled("admin")
    require_for_managers()
    assert two_factor.required_for(user) and not two_factor.must_enrol(user)


def test_the_setting_is_off_by_default():
    assert ShopSettings.with_defaults().require_two_factor_for_managers is False


def test_recovery_code_hashes_are_salted_with_the_user():
    """One hash from a dump cannot be tried against every account's codes at once."""
    first, second = make_user(), make_user()
    code = "abcd-efgh-jkmn-pqrs"
    assert two_factor._recovery_hash(first, code) != two_factor._recovery_hash(second, code)
    assert two_factor._recovery_hash(first, code) == two_factor._recovery_hash(
        first, "ABCDEFGHJKMNPQRS"
    )


def test_a_code_spent_by_a_racing_request_is_refused():
    """Two requests read the factor before either spends the code: only one gets through."""
    user, secret, _ = enrolled()
    now = utcnow() + 3 * STEP
    factor = two_factor.factor_of(user)  # as the second request read it
    db.session.execute(
        update(TwoFactor)
        .where(TwoFactor.id == factor.id)
        .values(last_step=two_factor.step_at(now))
        .execution_options(synchronize_session=False)
    )  # the first request spends the step
    assert factor.last_step != two_factor.step_at(now)
    assert not two_factor.complete_sign_in(user, code_for(secret, now), now=now)
