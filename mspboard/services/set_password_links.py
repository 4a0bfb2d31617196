"""One-time links that let a person set their own password.

An import invites people without passwords: each gets a link, shown once to the admin who
ran the import, who passes it on. The link works once and for `LINK_LIFETIME`; a newer link
for the same person replaces the older one. Only the token's SHA-256 is stored, so the
database alone cannot be used to sign anyone in.

Setting the password ends the person's sign-ins everywhere and forgets their counted wrong
passwords (a person who forgot theirs may have locked the account trying). Two tabs sending
the form at once set one password: the link is spent by a conditional update.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from mspboard.models import EndReason, SetPasswordLink, User, db, utcnow
from mspboard.models.tv_links import hash_token
from mspboard.services import sign_ins, throttling
from mspboard.services.accounts import NO_PASSWORD, hash_password
from mspboard.services.audit import record_event
from mspboard.services.errors import RuleViolation
from mspboard.services.passwords import check_new_password

__all__ = ["LINK_LIFETIME", "NO_PASSWORD", "find_usable", "issue", "redeem", "waiting_link"]

LINK_LIFETIME = timedelta(days=7)
# What `secrets.token_urlsafe` makes; anything else (a stray character, a lone surrogate that
# cannot be encoded for hashing) matches no link.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,200}")
SPENT = "This link has expired or was already used; ask your admin for a new one."


def issue(user: User, *, by: User | None) -> str:
    """A new link token for the person (earlier unused links stop working). Refused for a
    deactivated person, who could not use it."""
    if not user.active:
        raise RuleViolation(f"{user.name} is deactivated; make them active again first.")
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
    if not isinstance(token, str) or not TOKEN_SHAPE.fullmatch(token):
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
        raise RuleViolation(SPENT)
    user = db.session.get(User, link.user_id)
    if user is None or not user.active:
        raise RuleViolation("This account is not active; ask your admin.")
    check_new_password(password, user.email)
    now = utcnow()
    spent = db.session.execute(
        update(SetPasswordLink)
        .where(SetPasswordLink.id == link.id, SetPasswordLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise RuleViolation(SPENT)  # another request spent it since it was found
    db.session.refresh(link)
    user.password_hash = hash_password(password)
    record_event(user, "user.password_set_by_link", user)
    sign_ins.end_all(user, user, EndReason.PASSWORD_RESET)
    throttling.forget_failures(user.email)
    db.session.flush()
    return user


def waiting_link(user: User) -> SetPasswordLink | None:
    """The person's link that still works, if any (for the admin's user page)."""
    return db.session.scalar(
        select(SetPasswordLink)
        .where(
            SetPasswordLink.user_id == user.id,
            SetPasswordLink.used_at.is_(None),
            SetPasswordLink.expires_at > utcnow(),
        )
        .order_by(SetPasswordLink.created_at.desc(), SetPasswordLink.id.desc())
        .limit(1)
    )
