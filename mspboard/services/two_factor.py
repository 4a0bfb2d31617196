"""Two-factor sign-in with time-based one-time codes (TOTP, RFC 6238) and recovery codes.

Promises:
- A code is accepted for the current 30-second step and one step either side (a phone's
  clock a little off); two steps away is refused.
- A code is accepted once: after a code of some step, codes of that step and earlier ones
  are refused (replay).
- Ten recovery codes are made at a time and shown once; only their hashes are stored, and
  each signs in once.
- The secret is stored encrypted with a key derived from the app's SECRET_KEY, so a
  database dump alone does not give out codes. (Changing SECRET_KEY therefore turns every
  second factor off in effect: people then sign in with a recovery code, or an admin resets
  theirs.)
- When the shop requires it, managers and admins must have two-factor sign-in, and cannot
  turn it off; technicians may always choose.
- Turning it on, off, a reset by an admin, new recovery codes and each use of a recovery
  code are audited on the user's account.

Functions flush and never commit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from mspboard.models import RecoveryCode, ShopSettings, TwoFactor, User, db, utcnow
from mspboard.services.audit import record_event
from mspboard.services.errors import RuleViolation
from mspboard.services.shop_settings import current_settings

STEP_SECONDS = 30
DIGITS = 6
# Steps either side of now whose codes are still accepted (a phone's clock drifts).
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: a code read off paper is typed right. 31 symbols, 16 of them: ~79 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 16
# The longest text the code field takes (a recovery code with spaces or dashes).
CODE_MAX_LENGTH = 40

WRONG_CODE = "That code is not right. Enter the newest code from your app, or a recovery code."
WRONG_TOTP = "That code is not right. Enter the newest 6-digit code from your app."


# ---- the secret ---------------------------------------------------------------------------


def new_secret() -> str:
    """A fresh secret: 32 base32 characters (160 bits), as RFC 4226 recommends."""
    return pyotp.random_base32()


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"mspboard two-factor secret"
    ).derive(str(current_app.config["SECRET_KEY"]).encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    """The secret encrypted for storage (also used for the one kept in the session during
    enrolment)."""
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str | None) -> str | None:
    """The secret, or None when it was sealed with another SECRET_KEY or is not one."""
    if not sealed:
        return None
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(user: User, secret: str) -> str:
    issuer = current_settings().shop_name or "mspboard"
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> Markup:
    """The QR code of an otpauth URI as inline SVG (no script, no image request)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=2, omitsize=True, title="QR code for your authenticator app"
    )
    return Markup(svg)  # segno's own markup; the URI is only in the modules it draws


# ---- codes --------------------------------------------------------------------------------


def step_at(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_at_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def _digits(code: str) -> str | None:
    """A typed six-digit code without the spaces people put in it; None if it is not one."""
    compact = "".join(code.split())
    return compact if len(compact) == DIGITS and compact.isascii() and compact.isdigit() else None


def matching_step(secret: str, code: str, now: datetime | None = None) -> int | None:
    """The step within the allowed drift whose code this is, or None."""
    digits = _digits(code)
    if digits is None:
        return None
    now_step = step_at(now or utcnow())
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at_step(secret, step), digits):
            return step
    return None


def _accept_code(factor: TwoFactor, code: str, now: datetime | None = None) -> bool:
    """True when `code` is the factor's code for now (within the drift) and newer than any
    code already used; the step is then spent."""
    secret = unseal(factor.secret_encrypted)
    step = matching_step(secret, code, now) if secret else None
    if step is None or (factor.last_step is not None and step <= factor.last_step):
        return False
    # Spent in one conditional UPDATE, so two requests racing with one code cannot both pass.
    spent = db.session.execute(
        update(TwoFactor)
        .where(
            TwoFactor.id == factor.id,
            or_(TwoFactor.last_step.is_(None), TwoFactor.last_step < step),
        )
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        return False
    set_committed_value(factor, "last_step", step)
    return True


# ---- recovery codes -------------------------------------------------------------------------


def _normal_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _recovery_hash(user: User, code: str) -> str:
    """The stored form of a recovery code: salted with the user, so one hash cannot be
    tried against every account's codes at once."""
    return hashlib.sha256(f"{user.id}:{_normal_recovery(code)}".encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4))


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_recovery_hash(user, c)) for c in codes
    )
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _use_recovery_code(user: User, code: str) -> bool:
    compact = _normal_recovery(code)
    if len(compact) != RECOVERY_LENGTH:
        return False
    # Found and spent in one conditional UPDATE, so two racing requests cannot both use it.
    spent = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(user, compact),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        return False
    record_event(user, "user.recovery_code_used", user, None, {"left": recovery_codes_left(user)})
    return True


# ---- who has it, who must ---------------------------------------------------------------------


def factor_of(user: User) -> TwoFactor | None:
    return db.session.scalar(select(TwoFactor).where(TwoFactor.user_id == user.id))


def is_on(user: User) -> bool:
    return factor_of(user) is not None


def required_for(user: User, settings: ShopSettings | None = None) -> bool:
    """Whether the shop requires two-factor sign-in of this person: managers and admins when
    the setting is on; never technicians."""
    settings = settings or current_settings()
    return bool(settings.require_two_factor_for_managers) and user.is_manager


def must_enrol(user: User) -> bool:
    """Signed in with a password only, though the shop requires a second factor of them."""
    return required_for(user) and not is_on(user)


# ---- changes ------------------------------------------------------------------------------------


def enable(user: User, secret: str, code: str, now: datetime | None = None) -> list[str]:
    """Turn two-factor sign-in on with the secret the person's app now holds, proven by a
    current code; returns the ten recovery codes to show once."""
    if is_on(user):
        raise RuleViolation("Two-factor sign-in is already on.")
    step = matching_step(secret, code, now)
    if step is None:
        raise RuleViolation(WRONG_TOTP, "code")
    db.session.add(TwoFactor(user_id=user.id, secret_encrypted=seal(secret), last_step=step))
    codes = _replace_recovery_codes(user)
    record_event(user, "user.two_factor_enabled", user, None, {"recovery_codes": len(codes)})
    db.session.flush()
    return codes


def _current_factor(user: User, code: str) -> TwoFactor:
    factor = factor_of(user)
    if factor is None:
        raise RuleViolation("Two-factor sign-in is off.")
    if not _accept_code(factor, code):
        raise RuleViolation(WRONG_TOTP, "code")
    return factor


def renew_recovery_codes(user: User, code: str) -> list[str]:
    """Ten new recovery codes in place of the old ones, for a current code."""
    _current_factor(user, code)
    codes = _replace_recovery_codes(user)
    record_event(user, "user.recovery_codes_renewed", user, None, {"recovery_codes": len(codes)})
    return codes


def _remove(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    db.session.flush()


def disable(user: User, code: str) -> None:
    """Turn the person's own two-factor sign-in off, for a current code; refused while the
    shop requires it of them."""
    if required_for(user):
        raise RuleViolation("The shop requires two-factor sign-in for your role; it stays on.")
    _current_factor(user, code)
    _remove(user)
    record_event(
        user, "user.two_factor_disabled", user, {"two_factor": True}, {"two_factor": False}
    )


def reset(actor: User, user: User) -> bool:
    """An admin removes someone's second factor (a lost phone); they sign in with their
    password next time and set it up again (at once, where the shop requires it). False when
    there was none."""
    if not is_on(user):
        return False
    _remove(user)
    record_event(actor, "user.two_factor_reset", user, {"two_factor": True}, {"two_factor": False})
    return True


def complete_sign_in(user: User, code: str, now: datetime | None = None) -> bool:
    """The second step of signing in: a current code from the app, or an unused recovery
    code. Spends what it accepts."""
    factor = factor_of(user)
    if factor is None or not code or len(code) > CODE_MAX_LENGTH:
        return False
    if _digits(code) is not None:
        return _accept_code(factor, code, now)
    return _use_recovery_code(user, code)
