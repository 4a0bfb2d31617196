"""Sign-ins: one record per sign-in, so that a session can be ended on the server.

The session cookie and the remember-me cookie both carry the sign-in's token (only its hash
is stored); a request is signed in only while its sign-in is live: not ended, not past its
expiry, and its person still active. Ending a sign-in (signing out, ending it from another
device, a password change or reset, deactivation) therefore ends both cookies at once.

Every sign-in expires REMEMBER_DAYS (a setting, MSPBOARD_REMEMBER_DAYS) after it began,
whether or not "keep me signed in" was ticked; without it the cookie also ends with the
browser session. "Last seen" is bookkeeping for the devices list and is written at most
once every LAST_SEEN_RESOLUTION per sign-in.

Functions flush, never commit; ending sign-ins is audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import contains_eager

from mspboard.models import EndReason, SignIn, User, db, utcnow
from mspboard.models.sign_ins import ADDRESS_LENGTH, DEVICE_LENGTH
from mspboard.models.tv_links import hash_token
from mspboard.services.audit import record_event

LAST_SEEN_RESOLUTION = timedelta(minutes=5)


@dataclass
class NewSignIn:
    sign_in: SignIn
    token: str  # goes into the cookies; only its hash is stored


def lifetime() -> timedelta:
    return timedelta(days=current_app.config["REMEMBER_DAYS"])


def _printable(text: str | None, length: int) -> str:
    return "".join(ch for ch in (text or "") if ch.isprintable())[:length]


def start(
    user: User, remember: bool, device: str | None, address: str | None, now: datetime | None = None
) -> NewSignIn:
    now = now or utcnow()
    token = secrets.token_urlsafe(32)  # 256 bits
    sign_in = SignIn(
        user_id=user.id,
        token_hash=hash_token(token),
        created_at=now,
        last_seen_at=now,
        device=_printable(device, DEVICE_LENGTH),
        address=_printable(address, ADDRESS_LENGTH),
        remember=remember,
        expires_at=now + lifetime(),
    )
    db.session.add(sign_in)
    db.session.flush()
    return NewSignIn(sign_in, token)


def _unended(now: datetime):
    return SignIn.ended_at.is_(None), SignIn.expires_at > now


def _live(now: datetime):
    """Unended, and its person still active (the query joins User)."""
    return (*_unended(now), User.active.is_(True))


def find_live(token: str, now: datetime | None = None) -> SignIn | None:
    """The live sign-in with this token, its person loaded in the same query, or None."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(SignIn)
        .join(User, User.id == SignIn.user_id)
        .options(contains_eager(SignIn.user))
        .where(SignIn.token_hash == hash_token(token), *_live(now or utcnow()))
    )


def is_live(sign_in_id: int, now: datetime | None = None) -> bool:
    """Whether this sign-in may still be used: one query by primary key, cheap enough for an
    open event stream to ask every few seconds."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    SignIn.id == sign_in_id,
                    User.id == SignIn.user_id,
                    *_live(now or utcnow()),
                )
            )
        )
    )


def touch(sign_in: SignIn, now: datetime | None = None) -> bool:
    """Note that the sign-in was used; True when that wrote anything."""
    now = now or utcnow()
    if now - sign_in.last_seen_at < LAST_SEEN_RESOLUTION:
        return False
    sign_in.last_seen_at = now
    db.session.flush()
    return True


def live_of(user: User, now: datetime | None = None) -> list[SignIn]:
    """The person's live sign-ins, most recently used first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(SignIn)
            .where(SignIn.user_id == user.id, *_unended(now))
            .order_by(SignIn.last_seen_at.desc(), SignIn.id.desc())
        )
    )


def _end(sign_in: SignIn, reason: EndReason, now: datetime) -> None:
    sign_in.ended_at = now
    sign_in.end_reason = reason.value


def end(
    actor: User | None, sign_in: SignIn, reason: EndReason, now: datetime | None = None
) -> bool:
    """End one sign-in; False when it had already ended."""
    if sign_in.ended_at is not None:
        return False
    _end(sign_in, reason, now or utcnow())
    record_event(
        actor,
        "sign_in.ended",
        sign_in,
        None,
        {"user_id": sign_in.user_id, "device": sign_in.device, "why": reason.value},
    )
    db.session.flush()
    return True


def end_all(
    actor: User | None,
    user: User,
    reason: EndReason,
    keep: SignIn | None = None,
    now: datetime | None = None,
) -> int:
    """End every live sign-in of the person but `keep`; how many were ended. Audited once,
    on the person, with the count."""
    now = now or utcnow()
    ended = 0
    for sign_in in live_of(user, now):
        if keep is not None and sign_in.id == keep.id:
            continue
        _end(sign_in, reason, now)
        ended += 1
    if ended:
        record_event(
            actor,
            "user.signed_out_everywhere" if keep is None else "user.signed_out_elsewhere",
            user,
            None,
            {"sign_ins_ended": ended, "why": reason.value},
        )
    db.session.flush()
    return ended


def owned_live(user: User, sign_in_id: int, now: datetime | None = None) -> SignIn | None:
    """The person's own live sign-in with this id, or None (another person's is None too)."""
    sign_in = db.session.get(SignIn, sign_in_id)
    if sign_in is None or sign_in.user_id != user.id or not sign_in.is_live(now or utcnow()):
        return None
    return sign_in


def device_label(device: str) -> str:
    """A User-Agent as a person names their device: "Chrome on Android"."""
    text = device.lower()
    browser = next(
        (
            name
            for marker, name in (
                ("edg/", "Edge"),
                ("firefox/", "Firefox"),
                ("chrome/", "Chrome"),
                ("chromium/", "Chromium"),
                ("safari/", "Safari"),
            )
            if marker in text
        ),
        None,
    )
    system = next(
        (
            name
            for marker, name in (
                ("android", "Android"),
                ("iphone", "iPhone"),
                ("ipad", "iPad"),
                ("windows", "Windows"),
                ("mac os", "Mac"),
                ("cros", "ChromeOS"),
                ("linux", "Linux"),
            )
            if marker in text
        ),
        None,
    )
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (device[:60] if device else "Unknown device")
