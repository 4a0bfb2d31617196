"""Worked time: the one rule for how long a tech worked, used by the time card, the
manager's card review and payroll alike.

- A span is an entry's start and end (a running timer ends at `now`), aware UTC datetimes;
  durations are never taken on local wall times, so a day with a clock change counts the
  hours that really passed.
- A day's worked time is the length of the union of its entries' spans: where the shop
  allows overlapping entries, the overlap is counted once. Billable time is the union of the
  billable spans; non-billable is the rest.
- It is rounded to whole minutes once, per day, half up; a week is the sum of its days.
- Entries belong to the shop-local day they start on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mspboard.models import TimeEntry, utcnow

Span = tuple[datetime, datetime]

# Typed times have whole minutes and timers have seconds: a typed 09:00 right after a timer
# that stopped at 09:00:12 follows it, it does not overlap it. Entries overlap only when
# they share a full minute or more.
OVERLAP = timedelta(minutes=1)


def span_of(entry: TimeEntry, now: datetime | None = None) -> Span:
    return entry.started_at, entry.ended_at or now or utcnow()


def merged(spans: Iterable[Span]) -> list[Span]:
    """The spans' union as disjoint spans in order; touching spans join."""
    result: list[Span] = []
    for start, end in sorted(spans):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def covered(spans: Iterable[Span]) -> timedelta:
    return sum((end - start for start, end in merged(spans)), timedelta())


def whole_minutes(length: timedelta) -> int:
    """A length of time in whole minutes, half a minute rounding up."""
    return (length // timedelta(seconds=1) + 30) // 60


@dataclass(frozen=True)
class Worked:
    """Whole minutes worked, and of those billable."""

    minutes: int = 0
    billable: int = 0

    @property
    def non_billable(self) -> int:
        return self.minutes - self.billable

    def __add__(self, other: Worked) -> Worked:
        return Worked(self.minutes + other.minutes, self.billable + other.billable)


def worked_in_day(entries: Iterable[TimeEntry], now: datetime | None = None) -> Worked:
    """One day's entries: worked and billable minutes, overlaps counted once."""
    now = now or utcnow()
    spans = [(span_of(entry, now), entry.billable) for entry in entries]
    total = whole_minutes(covered(span for span, _ in spans))
    billable = whole_minutes(covered(span for span, is_billable in spans if is_billable))
    return Worked(total, billable)


def overlapping_pairs(entries: Iterable[TimeEntry]) -> list[tuple[TimeEntry, TimeEntry]]:
    """Each finished entry sharing a minute or more with an earlier-starting one, paired with
    that earlier entry (the one reaching furthest). Touching entries do not overlap."""
    pairs = []
    furthest: TimeEntry | None = None
    finished = sorted((e for e in entries if e.ended_at is not None), key=lambda e: e.started_at)
    for entry in finished:
        if (
            furthest is not None
            and min(furthest.ended_at, entry.ended_at) - entry.started_at >= OVERLAP  # type: ignore[type-var, operator]
        ):
            pairs.append((furthest, entry))
        if furthest is None or entry.ended_at > furthest.ended_at:  # type: ignore[operator]
            furthest = entry
    return pairs
