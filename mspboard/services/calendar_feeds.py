"""Private iCalendar feeds: a technician's published schedule and approved time off, or the
whole team's for a manager, at a URL with a long random token that the phone's calendar app
subscribes to.

Only the token's hash is stored, so the URL can be shown once, when the feed is turned on;
"make a new link" revokes the old feed and shows the new URL once. A user has at most one
active feed. A manager or admin can revoke anyone's feed, and an admin's password reset
revokes the user's.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDuration
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from mspboard.models import (
    CalendarFeed,
    ScheduleItem,
    ServiceRequest,
    TimeOffRequest,
    User,
    db,
    utcnow,
)
from mspboard.models.tv_links import hash_token
from mspboard.services.audit import record_event
from mspboard.services.local_time import MIDDAY
from mspboard.services.maintenance import placing
from mspboard.services.shop_settings import current_settings, shop_zone
from mspboard.services.staff import card_keepers
from mspboard.services.time_off import approved_between

MINE = "mine"
TEAM = "team"
# The window a phone keeps in view: recent weeks for looking back, the planned weeks ahead.
WEEKS_BACK = 4
WEEKS_AHEAD = 12
# A calendar app polls every few minutes; "last used" need not be written on each poll.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# What calendar apps are asked to use as their refresh interval.
REFRESH_EVERY = timedelta(hours=1)
PRODID = "-//mspboard//Calendar feed 1.0//EN"
UID_DOMAIN = "mspboard"


@dataclass
class NewFeed:
    feed: CalendarFeed
    token: str  # shown once; only its hash is stored


# ---- turning feeds on and off ----------------------------------------------------------------


def scope_for(user: User) -> str:
    """Technicians get their own schedule; managers and admins the whole team's."""
    return TEAM if user.is_manager else MINE


def active_feed_of(user: User) -> CalendarFeed | None:
    return db.session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.created_at.desc(), CalendarFeed.id.desc())
        .limit(1)
    )


def active_feeds() -> list[tuple[CalendarFeed, User]]:
    """Every feed in use, with its owner, by owner's name: what a manager may revoke."""
    return [
        (feed, owner)
        for feed, owner in db.session.execute(
            select(CalendarFeed, User)
            .join(User, User.id == CalendarFeed.user_id)
            .where(CalendarFeed.revoked_at.is_(None))
            .order_by(User.name, User.id, CalendarFeed.id)
        )
    ]


def _revoke_all(user: User, now: datetime, reason: str, actor: User | None = None) -> bool:
    feeds = db.session.scalars(
        select(CalendarFeed).where(
            CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None)
        )
    ).all()
    for feed in feeds:
        feed.revoked_at = now
        record_event(
            actor or user,
            "calendar_feed.revoked",
            feed,
            {"revoked": False},
            {"revoked": True, "why": reason},
        )
    return bool(feeds)


def turn_on(user: User, now: datetime | None = None) -> NewFeed:
    """A new feed for the user; an active one is revoked first, so its old URL stops working."""
    now = now or utcnow()
    _revoke_all(user, now, "replaced")
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(
        user_id=user.id, scope=scope_for(user), token_hash=hash_token(token), created_at=now
    )
    db.session.add(feed)
    db.session.flush()
    record_event(user, "calendar_feed.created", feed, None, {"scope": feed.scope})
    db.session.flush()
    return NewFeed(feed, token)


def turn_off(user: User, now: datetime | None = None) -> bool:
    """Revoke the user's feed; False when there was none to turn off."""
    revoked = _revoke_all(user, now or utcnow(), "turned off")
    db.session.flush()
    return revoked


def revoke_all_of(actor: User, user: User, reason: str, now: datetime | None = None) -> bool:
    """Someone else (a manager, an admin) revokes the user's feed; False when there was none."""
    revoked = _revoke_all(user, now or utcnow(), reason, actor=actor)
    db.session.flush()
    return revoked


def matches(feed: CalendarFeed, token: str) -> bool:
    return secrets.compare_digest(feed.token_hash, hash_token(token))


def active_feed(token: str) -> CalendarFeed | None:
    """The unrevoked feed with this token whose owner may still have it, or None.

    A deactivated user's feed stops, and so does a team feed whose owner is no longer a
    manager."""
    feed = db.session.scalar(
        select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token))
    )
    if feed is None or not feed.is_active:
        return None
    owner = db.session.get(User, feed.user_id)
    if owner is None or not owner.active:
        return None
    if feed.scope == TEAM and not owner.is_manager:
        return None
    return feed


def touch(feed: CalendarFeed, now: datetime | None = None) -> None:
    now = now or utcnow()
    if feed.last_used_at is None or now - feed.last_used_at >= LAST_USED_RESOLUTION:
        feed.last_used_at = now
        db.session.flush()


# ---- what a feed holds -----------------------------------------------------------------------


@dataclass
class FeedWindow:
    first_day: date  # shop-local, inclusive
    last_day: date  # shop-local, inclusive
    zone: ZoneInfo

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first_day, time(0, 0), tzinfo=self.zone)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time(0, 0), tzinfo=self.zone)


def feed_window(now: datetime | None = None) -> FeedWindow:
    zone = shop_zone()
    today = (now or utcnow()).astimezone(zone).date()
    return FeedWindow(
        first_day=today - timedelta(weeks=WEEKS_BACK),
        last_day=today + timedelta(weeks=WEEKS_AHEAD),
        zone=zone,
    )


def _techs_of(feed: CalendarFeed) -> list[User]:
    if feed.scope == MINE:
        owner = db.session.get(User, feed.user_id)
        return [owner] if owner is not None else []
    return card_keepers()


def published_items(tech_ids: list[int], window: FeedWindow) -> list[ScheduleItem]:
    if not tech_ids:
        return []
    return list(
        db.session.scalars(
            select(ScheduleItem)
            .where(
                ScheduleItem.tech_id.in_(tech_ids),
                ScheduleItem.published_at.is_not(None),
                ScheduleItem.starts_at < window.ends_at,
                ScheduleItem.ends_at > window.starts_at,
            )
            .options(
                selectinload(ScheduleItem.service_request).selectinload(ServiceRequest.client),
                joinedload(ScheduleItem.training_event),
            )
            .order_by(ScheduleItem.starts_at, ScheduleItem.id)
        )
    )


def calendar_name(feed: CalendarFeed, owner: User) -> str:
    shop = current_settings().shop_name
    return f"{shop} schedule: {'team' if feed.scope == TEAM else owner.name}"


def item_summary(item: ScheduleItem) -> str:
    if item.service_request is not None:
        return f"{item.service_request.number} {item.title}"
    return item.title


def _item_event(
    item: ScheduleItem,
    zone: ZoneInfo,
    team: bool,
    names: dict[int, str],
    runs: dict[int, placing.RunSummary],
) -> Event:
    summary = item_summary(item)
    event = Event()
    event.add("uid", f"schedule-{item.id}@{UID_DOMAIN}")
    event.add("dtstamp", item.updated_at)
    event.add("last-modified", item.updated_at)
    event.add("sequence", item.version)
    event.add("dtstart", item.starts_at.astimezone(zone))
    event.add("dtend", item.ends_at.astimezone(zone))
    event.add("summary", f"{names[item.tech_id]}: {summary}" if team else summary)
    event.add("status", "CONFIRMED")
    run = runs.get(item.checklist_run_id) if item.checklist_run_id else None
    client = (
        item.service_request.client.name
        if item.service_request is not None
        else run.client_name
        if run is not None
        else ""
    )
    training = item.training_event
    if item.out_of_town:
        event.add("location", f"Out of town: {client}" if client else "Out of town")
    elif client:
        event.add("location", client)
    elif training is not None and training.place_or_link:
        event.add("location", training.place_or_link)
    lines = []
    if training is not None:
        lines.append(training.kind_enum.label + ".")
        if training.materials:
            lines.append(f"Materials: {training.materials}")
    if run is not None:
        lines.append(run.description)
    if item.out_of_town:
        lines.append("Out of town.")
    if item.travel_notes:
        lines.append(f"Travel: {item.travel_notes}")
    if lines:
        event.add("description", "\n".join(lines))
    if team:
        event.add("transp", "TRANSPARENT")  # the manager is not busy during a tech's work
    return event


@dataclass
class TimeOffPart:
    """One VEVENT of a time-off request: whole days as dates (the end exclusive), or the
    half day of its first or last day as clock times."""

    key: str
    start: date | datetime
    end: date | datetime


def time_off_parts(request: TimeOffRequest, tech: User, zone: ZoneInfo) -> list[TimeOffPart]:
    """A request as calendar events. A half day is the afternoon of the first day (midday to
    the tech's day end) or the morning of the last (the tech's day start to midday); the days
    between are one all-day event."""
    parts: list[TimeOffPart] = []
    first_whole, last_whole = request.start_date, request.end_date
    if request.starts_midday:
        day = request.start_date
        end = (
            datetime.combine(day, tech.day_end, tzinfo=zone)
            if tech.day_end > MIDDAY
            else datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone)
        )
        parts.append(TimeOffPart("afternoon", datetime.combine(day, MIDDAY, tzinfo=zone), end))
        first_whole = day + timedelta(days=1)
    if request.ends_midday:
        day = request.end_date
        day_start = tech.day_start if tech.day_start < MIDDAY else time(0, 0)
        start = datetime.combine(day, day_start, tzinfo=zone)
        parts.append(TimeOffPart("morning", start, datetime.combine(day, MIDDAY, tzinfo=zone)))
        last_whole = day - timedelta(days=1)
    if first_whole <= last_whole:
        parts.append(TimeOffPart("days", first_whole, last_whole + timedelta(days=1)))
    return sorted(parts, key=lambda part: _sort_key(part.start, zone))


def _sort_key(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0, 0), tzinfo=zone)


def _time_off_events(
    request: TimeOffRequest, tech: User, zone: ZoneInfo, team: bool
) -> Iterable[Event]:
    label = f"Time off ({request.kind})"
    stamp = request.decided_at or request.created_at
    for part in time_off_parts(request, tech, zone):
        event = Event()
        suffix = "" if part.key == "days" else f"-{part.key}"
        event.add("uid", f"timeoff-{request.id}{suffix}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", part.start)
        event.add("dtend", part.end)
        kind = {"afternoon": ", afternoon", "morning": ", morning"}.get(part.key, "")
        event.add("summary", f"{tech.name}: {label}{kind}" if team else f"{label}{kind}")
        event.add("status", "CONFIRMED")
        if team:
            event.add("transp", "TRANSPARENT")
        elif request.note:
            event.add("description", request.note)
        yield event


def build_calendar(feed: CalendarFeed, now: datetime | None = None) -> Calendar:
    """The feed's calendar: published schedule items and approved time off from
    WEEKS_BACK weeks ago to WEEKS_AHEAD weeks ahead, times in the shop's zone."""
    window = feed_window(now)
    zone = window.zone
    owner = db.session.get(User, feed.user_id)
    assert owner is not None
    techs = _techs_of(feed)
    tech_ids = [tech.id for tech in techs]
    by_id = {tech.id: tech for tech in techs}
    names = {tech.id: tech.name for tech in techs}
    team = feed.scope == TEAM

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", calendar_name(feed, owner))
    calendar.add("x-wr-timezone", zone.key)
    calendar.add("refresh-interval", REFRESH_EVERY, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_EVERY).to_ical().decode())
    calendar.add_component(
        Timezone.from_tzinfo(
            zone,
            zone.key,
            first_date=window.first_day - timedelta(days=7),
            last_date=window.last_day + timedelta(days=7),
        )
    )
    items = published_items(tech_ids, window)
    runs = placing.run_summaries({item.checklist_run_id for item in items if item.checklist_run_id})
    for item in items:
        calendar.add_component(_item_event(item, zone, team, names, runs))
    for request in approved_between(tech_ids, window.first_day, window.last_day):
        for event in _time_off_events(request, by_id[request.tech_id], zone, team):
            calendar.add_component(event)
    return calendar


def feed_ics(feed: CalendarFeed, now: datetime | None = None) -> bytes:
    return build_calendar(feed, now).to_ical()
