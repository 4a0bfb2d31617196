"""Wall-TV links: revocable tokens that show the board read-only without signing in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from mspboard import events
from mspboard.models import TvLink, User, db, utcnow
from mspboard.models.tv_links import hash_token
from mspboard.services.audit import record_event
from mspboard.services.errors import RuleViolation

# Writing "last used" on every refresh would make each TV a steady source of writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass
class NewTvLink:
    link: TvLink
    token: str  # shown once; only its hash is stored


def create_link(actor: User | None, name: str) -> NewTvLink:
    name = name.strip()
    if not name:
        raise RuleViolation("Name the screen, e.g. Office TV.", "name")
    if db.session.scalar(select(TvLink).where(TvLink.name == name)):
        raise RuleViolation("A screen with this name exists; pick another name.", "name")
    token = secrets.token_urlsafe(32)
    link = TvLink(
        name=name, token_hash=hash_token(token), created_by_id=actor.id if actor else None
    )
    db.session.add(link)
    db.session.flush()
    record_event(actor, "tv_link.created", link, None, {"name": name})
    return NewTvLink(link, token)


def revoke_link(actor: User | None, link: TvLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        record_event(actor, "tv_link.revoked", link, {"revoked": False}, {"revoked": True})
        db.session.flush()
        events.announce(db.session, events.TV_LINKS)


def find_by_name(name: str) -> TvLink | None:
    return db.session.scalar(select(TvLink).where(TvLink.name == name))


def active_link(token: str) -> TvLink | None:
    """The unrevoked link with this token, or None."""
    link = db.session.scalar(select(TvLink).where(TvLink.token_hash == hash_token(token)))
    return link if link is not None and link.is_active else None


def touch(link: TvLink, now: datetime | None = None) -> None:
    now = now or utcnow()
    if link.last_used_at is None or now - link.last_used_at >= LAST_USED_RESOLUTION:
        link.last_used_at = now
        db.session.flush()


def list_links() -> list[TvLink]:
    return list(
        db.session.scalars(select(TvLink).order_by(TvLink.revoked_at.is_not(None), TvLink.name))
    )
