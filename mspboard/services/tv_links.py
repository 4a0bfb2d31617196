"""Wall-TV links: revocable tokens that show the board read-only without signing in."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from mspboard import events
from mspboard.models import TvLink, User, db, utcnow
from mspboard.models.tv_links import hash_token
from mspboard.services.audit import record_event
from mspboard.services.durations import age
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


@dataclass(frozen=True)
class Screen:
    """A link as the Office screens page lists it: whether a TV shows it right now."""

    link: TvLink
    live: int  # live streams open for the link now: one per screen (or tab) showing it
    now_text: str  # "Live now (2 screens)", "Last seen 3 h ago", "Never opened"


def screen_now_text(link: TvLink, live: int, now: datetime) -> str:
    """An active link with streams open is on a screen now; otherwise when a screen last
    fetched it (to the minute: see LAST_USED_RESOLUTION), or that none ever did."""
    if live and link.is_active:
        return f"Live now ({live} screen{'' if live == 1 else 's'})"
    if link.last_used_at is None:
        return "Never opened"
    return f"Last seen {age(now - link.last_used_at)} ago"


def list_screens(live_count: Callable[[TvLink], int], now: datetime | None = None) -> list[Screen]:
    """Every link, active first, with `live_count(link)` streams open for it now."""
    now = now or utcnow()
    screens = []
    for link in list_links():
        live = live_count(link) if link.is_active else 0
        screens.append(Screen(link, live, screen_now_text(link, live, now)))
    return screens


def list_links() -> list[TvLink]:
    return list(
        db.session.scalars(select(TvLink).order_by(TvLink.revoked_at.is_not(None), TvLink.name))
    )
