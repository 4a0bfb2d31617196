"""What a manager should look at before approving a time card: flags computed from its
entries, the tech's work pattern, approved time off and the published schedule."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from mspboard.models import ScheduleItem, SRStatus, TimeCard, db
from mspboard.services.local_time import wall_label
from mspboard.services.shop_settings import shop_zone
from mspboard.services.time_cards import LONG_DAY, CardView, card_view
from mspboard.services.time_off import approved_between
from mspboard.services.time_weeks import week_bounds
from mspboard.services.worked_time import overlapping_pairs
from mspboard.workweek import from_mask

LATE_SYNC = timedelta(hours=24)


@dataclass
class Flag:
    kind: str  # missing_day, long_day, overlap, closed_sr, late_sync, schedule_gap
    message: str


@dataclass
class CardReview:
    card: TimeCard
    view: CardView
    flags: list[Flag] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.flags

    @property
    def billable_share(self) -> int:
        """Billable time as a whole percentage of all time logged."""
        total = self.view.total.total_seconds()
        return round(100 * self.view.billable.total_seconds() / total) if total else 0


def _hm(moment: datetime) -> str:
    return wall_label(moment, "%a %H:%M")


def days_off(card: TimeCard) -> set[date]:
    """Workdays fully or partly covered by the tech's approved time off that week."""
    start, end = card.week_start, card.week_start + timedelta(days=6)
    requests = approved_between([card.tech_id], start, end)
    covered: set[date] = set()
    for request in requests:
        day = max(request.start_date, start)
        while day <= min(request.end_date, end):
            covered.add(day)
            day += timedelta(days=1)
    return covered


def review_card(card: TimeCard, now: datetime) -> CardReview:
    view = card_view(card.tech, card.week_start, now)
    review = CardReview(card, view)
    flags = review.flags
    off = days_off(card)
    workdays = from_mask(card.tech.workdays)
    entries = [entry for day in view.days for entry in day.entries]
    for day in view.days:
        label = day.day.strftime("%a %d %b")
        past = day.day < now.astimezone(shop_zone()).date()
        if past and day.day.isoweekday() in workdays and day.day not in off and not day.entries:
            flags.append(Flag("missing_day", f"{label}: a workday with nothing logged."))
        if day.total > LONG_DAY:
            hours = day.total.total_seconds() / 3600
            flags.append(Flag("long_day", f"{label}: {hours:.1f} h logged, over 10 h."))
    finished = sorted((e for e in entries if e.ended_at), key=lambda e: e.started_at)
    for before, after in overlapping_pairs(finished):
        flags.append(
            Flag(
                "overlap",
                f"{_hm(after.started_at)} overlaps the entry from {_hm(before.started_at)}.",
            )
        )
    for entry in entries:
        sr = entry.service_request
        if (
            sr is not None
            and sr.status == SRStatus.DONE
            and sr.closed_at
            and entry.started_at > sr.closed_at
        ):
            flags.append(
                Flag(
                    "closed_sr",
                    f"{_hm(entry.started_at)}: logged on {sr.number}, closed before then.",
                )
            )
        happened = entry.ended_at or entry.started_at
        if entry.synced_at - happened > LATE_SYNC:
            days = (entry.synced_at - happened).total_seconds() / 86400
            flags.append(
                Flag(
                    "late_sync",
                    f"{_hm(entry.started_at)}: reached the server {days:.1f} days later.",
                )
            )
    flags.extend(_schedule_gaps(card, finished))
    return review


def _schedule_gaps(card: TimeCard, finished: list) -> list[Flag]:
    """Published schedule items in the week with no time logged while they ran."""
    start, end = week_bounds(card.week_start)
    items = db.session.scalars(
        select(ScheduleItem)
        .where(
            ScheduleItem.tech_id == card.tech_id,
            ScheduleItem.published_at.is_not(None),
            ScheduleItem.starts_at >= start,
            ScheduleItem.starts_at < end,
        )
        .order_by(ScheduleItem.starts_at)
    )
    gaps = []
    for item in items:
        covered = any(e.started_at < item.ends_at and e.ended_at > item.starts_at for e in finished)
        if not covered:
            gaps.append(
                Flag(
                    "schedule_gap",
                    f"{_hm(item.starts_at)}: scheduled for “{item.title}” but nothing logged then.",
                )
            )
    return gaps
