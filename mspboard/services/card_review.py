"""What a manager should look at before approving a time card: flags computed from its
entries, the tech's work pattern, approved time off and the published schedule."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from mspboard.models import ScheduleItem, SRStatus, TimeCard, TimeOffRequest, db
from mspboard.services.local_time import wall_label
from mspboard.services.shop_settings import shop_zone
from mspboard.services.time_cards import LONG_DAY, CardView, card_view_of, week_entries
from mspboard.services.time_off import approved_between
from mspboard.services.time_weeks import in_tech_weeks, week_bounds
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


def _covered(requests: list[TimeOffRequest], start: date, end: date) -> set[date]:
    covered: set[date] = set()
    for request in requests:
        day = max(request.start_date, start)
        while day <= min(request.end_date, end):
            covered.add(day)
            day += timedelta(days=1)
    return covered


def days_off(card: TimeCard) -> set[date]:
    """Workdays fully or partly covered by the tech's approved time off that week."""
    start, end = card.week_start, card.week_start + timedelta(days=6)
    return _covered(approved_between([card.tech_id], start, end), start, end)


def review_card(card: TimeCard, now: datetime) -> CardReview:
    return review_cards([card], now)[0]


def review_cards(cards: list[TimeCard], now: datetime) -> list[CardReview]:
    """The review of each card, in order, for a page of them: a fixed number of queries
    (entries, approved time off, published schedule) however many cards there are."""
    if not cards:
        return []
    pairs = [(card.tech_id, card.week_start) for card in cards]
    entries = week_entries(pairs)
    tech_ids = sorted({card.tech_id for card in cards})
    first = min(card.week_start for card in cards)
    last = max(card.week_start for card in cards) + timedelta(days=6)
    time_off = approved_between(tech_ids, first, last)
    schedule = _published_items(cards)
    reviews = []
    for card in cards:
        start, end = card.week_start, card.week_start + timedelta(days=6)
        off = _covered([r for r in time_off if r.tech_id == card.tech_id], start, end)
        view = card_view_of(
            card.tech, card.week_start, entries[(card.tech_id, card.week_start)], card, now
        )
        items = [i for i in schedule if i.tech_id == card.tech_id and _in_week(i, card.week_start)]
        reviews.append(_review(card, view, off, items, now))
    return reviews


def _in_week(item: ScheduleItem, week_start: date) -> bool:
    start, end = week_bounds(week_start)
    return start <= item.starts_at < end


def _published_items(cards: list[TimeCard]) -> list[ScheduleItem]:
    """Published schedule items in the cards' weeks, of their techs, in time order."""
    return list(
        db.session.scalars(
            select(ScheduleItem)
            .where(
                ScheduleItem.published_at.is_not(None),
                in_tech_weeks(
                    ScheduleItem.tech_id,
                    ScheduleItem.starts_at,
                    [(card.tech_id, card.week_start) for card in cards],
                ),
            )
            .order_by(ScheduleItem.starts_at)
        )
    )


def _review(
    card: TimeCard, view: CardView, off: set[date], items: list[ScheduleItem], now: datetime
) -> CardReview:
    review = CardReview(card, view)
    flags = review.flags
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
    flags.extend(_schedule_gaps(items, finished))
    return review


def _schedule_gaps(items: list[ScheduleItem], finished: list) -> list[Flag]:
    """Published schedule items in the week with no time logged while they ran."""
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
