"""One-time links that let a person set their own password.

An import invites people without passwords: each gets a link, shown once to the admin who
ran the import, who passes it on. The link works once and for `LINK_LIFETIME`; a newer link
for the same person replaces the older one. Only the token's SHA-256 is stored, so the
database alone cannot be used to sign anyone in.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from mspboard.models import EndReason, SetPasswordLink, User, db, utcnow
from mspboard.models.tv_links import hash_token
from mspboard.services import sign_ins
from mspboard.services.accounts import hash_password
from mspboard.services.audit import record_event
from mspboard.services.errors import RuleViolation
from mspboard.services.passwords import check_new_password

LINK_LIFETIME = timedelta(days=7)
# A password nobody can sign in with: werkzeug refuses a hash without its method prefix.
NO_PASSWORD = "!no-password-set"


def issue(user: User, *, by: User | None) -> str:
    """A new link token for the person (earlier unused links stop working)."""
    now = utcnow()
    db.session.execute(
        update(SetPasswordLink)
        .where(SetPasswordLink.user_id == user.id, SetPasswordLink.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        SetPasswordLink(
            user_id=user.id,
            token_hash=hash_token(token),
            created_by_id=by.id if by else None,
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    )
    record_event(
        by, "user.set_password_link", user, None, {"expires_at": (now + LINK_LIFETIME).isoformat()}
    )
    db.session.flush()
    return token


def find_usable(token: str) -> SetPasswordLink | None:
    """The link behind a token if it is unused and unexpired (asking writes nothing)."""
    if not token or len(token) > 200:
        return None
    link = db.session.scalar(
        select(SetPasswordLink).where(SetPasswordLink.token_hash == hash_token(token))
    )
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return None
    return link


def redeem(token: str, password: str) -> User:
    """Set the person's password through the link and spend it; their other sign-ins end."""
    link = find_usable(token)
    if link is None:
        raise RuleViolation(
            "This link has expired or was already used; ask your admin for a new one."
        )
    user = db.session.get(User, link.user_id)
    if user is None or not user.active:
        raise RuleViolation("This account is not active; ask your admin.")
    check_new_password(password, user.email)
    user.password_hash = hash_password(password)
    link.used_at = utcnow()
    record_event(user, "user.password_set_by_link", user)
    sign_ins.end_all(user, user, EndReason.PASSWORD_RESET)
    db.session.flush()
    return user
