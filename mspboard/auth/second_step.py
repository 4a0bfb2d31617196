"""Between a correct password and the second factor: who is signing in, kept in the Flask
session for a few minutes. Nobody is signed in during it, so every page still asks to
sign in; only /login/code can finish it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask import session

from mspboard.models import User, db, utcnow

PENDING_KEY = "two_factor_pending"
# How long the code step waits after the password before starting over.
PENDING_FOR = timedelta(minutes=5)


@dataclass
class Pending:
    user: User
    remember: bool
    next: str | None


def begin(user: User, remember: bool, next_target: str | None) -> None:
    """Remember who gave a correct password (with a mark of that password, so a password
    change or a deactivation in the meantime ends it), their remember-me choice and where
    they were going."""
    session[PENDING_KEY] = {
        "user_id": user.id,
        "password": _password_mark(user),
        "remember": bool(remember),
        "next": next_target,
        "until": int((utcnow() + PENDING_FOR).timestamp()),
    }


def pending() -> Pending | None:
    """The sign-in waiting for its second factor, or None (none, expired, or the account
    changed)."""
    waiting = session.get(PENDING_KEY)
    if not isinstance(waiting, dict):
        return None
    until = waiting.get("until")
    if not isinstance(until, int) or utcnow().timestamp() > until:
        return None
    user_id = waiting.get("user_id")
    if not isinstance(user_id, int):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or waiting.get("password") != _password_mark(user):
        return None
    next_target = waiting.get("next")
    return Pending(
        user=user,
        remember=bool(waiting.get("remember")),
        next=next_target if isinstance(next_target, str) else None,
    )


def _password_mark(user: User) -> str:
    """Changes whenever the password does; tells nothing about it (the session cookie is
    signed, not encrypted)."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def clear() -> None:
    session.pop(PENDING_KEY, None)
