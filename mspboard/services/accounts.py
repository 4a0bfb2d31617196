"""Users: creating, editing, deactivating, checking a password at sign-in, and a person
changing their own password. Every new password meets `services.passwords`; a new password
or a deactivation ends the person's sign-ins (`services.sign_ins`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from mspboard.models import EndReason, Role, SignIn, TechLevel, User, db, utcnow
from mspboard.services import calendar_feeds, edits, sign_ins
from mspboard.services.audit import record_event, snapshot
from mspboard.services.errors import RuleViolation
from mspboard.services.passwords import check_new_password
from mspboard.workweek import MONDAY_TO_FRIDAY

USER_FIELDS = [
    "name",
    "email",
    "role",
    "tech_level",
    "keeps_time_card",
    "active",
    "workdays",
    "day_start",
    "day_end",
]

_dummy_hash: str | None = None
# The password of a person invited without one (services.set_password_links): no password
# matches it, as werkzeug refuses a hash without its method prefix.
NO_PASSWORD = "!no-password-set"


@dataclass
class UserDetails:
    name: str
    email: str
    role: str
    tech_level: str | None = None
    # A manager or admin who also works SRs keeps a weekly time card (technicians always do).
    keeps_time_card: bool = False
    workdays: int = MONDAY_TO_FRIDAY
    day_start: time = time(8, 0)
    day_end: time = time(17, 0)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def has_password(user: User) -> bool:
    """False for a person invited without a password who has not yet set one."""
    return user.password_hash != NO_PASSWORD


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None.

    An unknown email, or a person with no password yet, still costs one hash check, so
    response time does not tell which emails have accounts, nor which have no password.
    """
    global _dummy_hash
    user = find_by_email(email)
    if user is None or not has_password(user):
        if _dummy_hash is None:
            _dummy_hash = hash_password("not a real password")
        check_password_hash(_dummy_hash, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    db.session.flush()


def _validate(details: UserDetails, existing: User | None = None) -> None:
    if not details.name.strip():
        raise RuleViolation("Enter a name.", "name")
    if details.role not in {r.value for r in Role}:
        raise RuleViolation("Pick a role.", "role")
    if details.tech_level and details.tech_level not in {t.value for t in TechLevel}:
        raise RuleViolation("Pick a tech level.", "tech_level")
    if details.workdays == 0:
        raise RuleViolation("Pick at least one working day.", "workdays")
    if details.day_end <= details.day_start:
        raise RuleViolation("The day must end after it starts.", "day_end")
    other = find_by_email(details.email)
    if other is not None and other is not existing:
        raise RuleViolation("Another user already has this email.", "email")


def _wanted(details: UserDetails) -> dict[str, object]:
    return {
        "name": details.name.strip(),
        "email": details.email,
        "role": details.role,
        "tech_level": details.tech_level or None,
        "keeps_time_card": details.keeps_time_card,
        "workdays": details.workdays,
        "day_start": details.day_start,
        "day_end": details.day_end,
    }


def _apply(user: User, details: UserDetails) -> None:
    for name, value in _wanted(details).items():
        setattr(user, name, value)


def create_user(actor: User | None, details: UserDetails, password: str) -> User:
    _validate(details)
    check_new_password(password, details.email)
    user = User(password_hash=hash_password(password))
    _apply(user, details)
    db.session.add(user)
    db.session.flush()
    after = snapshot(user, USER_FIELDS)
    record_event(actor, "user.created", user, None, after)
    return user


def update_user(
    actor: User,
    user: User,
    details: UserDetails,
    new_password: str | None = None,
    *,
    expected_version: int | None,
    current_sign_in: SignIn | None = None,
) -> dict[str, tuple[object, object]]:
    """Save the user's form (filled from `expected_version`); returns what changed. A new
    password (an admin's reset) ends the user's sign-ins everywhere (but the admin's own
    current one, when resetting their own) and turns off their calendar feed, and is audited
    without the hash."""
    _validate(details, existing=user)
    if user.role == Role.ADMIN and details.role != Role.ADMIN:
        _refuse_if_last_admin(user, "role")
    if new_password:
        check_new_password(new_password, details.email)
    edits.expect_version(user, expected_version)
    changed = edits.write_changes(actor, user, _wanted(details), "user.updated")
    if new_password:
        user.password_hash = hash_password(new_password)
        if not changed:
            edits.bump_version(user)
        record_event(actor, "user.password_reset", user, None, {"version": user.version})
        keep = current_sign_in if actor.id == user.id else None
        sign_ins.end_all(actor, user, EndReason.PASSWORD_RESET, keep=keep)
        calendar_feeds.revoke_all_of(actor, user, "password reset")
    db.session.flush()
    return changed


def _refuse_if_last_admin(user: User, field: str | None = None) -> None:
    admins = db.session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
    )
    if user.active and admins <= 1:
        raise RuleViolation("This is the only active admin; make someone else admin first.", field)


def set_active(actor: User, user: User, active: bool) -> User:
    if user.active == active:
        return user
    if not active:
        if user.id == actor.id:
            raise RuleViolation("You cannot deactivate your own account.")
        if user.role == Role.ADMIN:
            _refuse_if_last_admin(user)
    edits.write_changes(
        actor, user, {"active": active}, "user.activated" if active else "user.deactivated"
    )
    if not active:
        sign_ins.end_all(actor, user, EndReason.DEACTIVATED)
    db.session.flush()
    return user


def change_own_password(user: User, current: str, new: str, this_sign_in: SignIn | None) -> None:
    """The person changes their own password: the current one is required; every other
    sign-in of theirs ends, the one they are using stays."""
    if not check_password_hash(user.password_hash, current):
        raise RuleViolation("That is not your current password.", "current_password")
    check_new_password(new, user.email, field="new_password")
    if check_password_hash(user.password_hash, new):
        raise RuleViolation("That is your current password; pick a new one.", "new_password")
    user.password_hash = hash_password(new)
    record_event(user, "user.password_changed", user)
    sign_ins.end_all(user, user, EndReason.PASSWORD_CHANGED, keep=this_sign_in)
    db.session.flush()


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.name)))
