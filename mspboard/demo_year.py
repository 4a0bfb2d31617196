"""The demo shop's last year, so /manage/year/<last year> shows twelve months of figures and a
written review: every tech's days of logged time against a published schedule, SRs opened
and closed through the year, weekly time cards (most sent on time), each month's maintenance
runs (nearly all done), the year's and each quarter's goals, and the manager's review.

Rows go in by bulk inserts from a random generator of its own, so the demo seeds quickly and
the rest of it comes out as it always has. Last year stops where the rest of the demo starts
(the week before this one for time, last month for maintenance), so nothing overlaps when
"now" is early in January."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import insert, select

from mspboard.models import (
    ChecklistItem,
    ChecklistRun,
    ChecklistRunItem,
    Goal,
    MaintenanceMonth,
    ScheduleItem,
    ServiceRequest,
    SRActivity,
    SRStatus,
    TimeCard,
    TimeEntry,
    YearSummary,
    db,
)
from mspboard.services.maintenance import months

if TYPE_CHECKING:
    from mspboard.demo import DemoShop

# SRs opened in each month of last year: quieter in summer and over the holidays.
SRS_PER_MONTH = [26, 24, 27, 25, 24, 20, 17, 18, 25, 27, 24, 19]
# The share of logged time that was billable, month by month.
BILLABLE_SHARE = [0.70, 0.72, 0.74, 0.73, 0.75, 0.69, 0.64, 0.66, 0.74, 0.77, 0.76, 0.68]
# Chance a tech sent the week's card after the Friday deadline (or, rarely, not at all).
LATE_CARD = 0.12
UNSENT_CARD = 0.02
# Chance a month's run was left with items not ticked.
RUN_LEFT_UNFINISHED = 0.06

SUCCESSES = (
    "Closed more SRs than we opened in ten months of twelve, and the median SR was closed "
    "within two working days.\n"
    "Monthly maintenance ran for every client every month; nearly every run was finished "
    "by its due day.\n"
    "Billable share held above 70% from March to May and again in the autumn."
)
FAILS = (
    "July and August: holidays left us short and billable share fell to the mid 60s.\n"
    "About one time card in eight was sent after the Friday deadline; a few never were.\n"
    "The slowest tenth of SRs still waited two weeks or more, mostly on vendors."
)
NEXT_YEAR_GOALS = (
    "Every time card sent by Friday close of business (at least 95%).\n"
    "Billable share at 75% or better across the year.\n"
    "No SR older than 30 days without a note on what it waits for.\n"
    "Each tech earns one certification; two people cross-trained on the firewalls."
)
YEAR_GOALS = [
    ("Earn the Microsoft 365 administrator certification", "met"),
    ("Own the backup restore tests for five clients", "met"),
    ("Document every client's network in the wiki", "missed"),
    ("Cut repeat printer SRs by half", "met"),
    ("Lead one Final Friday Training session", "dropped"),
    ("Keep billable share above 75%", "missed"),
]
QUARTER_GOALS = [
    "Close every P1 within a working day",
    "Send the time card by Friday every week",
    "Write up three fixes for the knowledge base",
    "Shadow a senior on two firewall changes",
]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class DemoYear:
    def __init__(self, shop: DemoShop) -> None:
        self.shop = shop
        self.rng = random.Random(f"year-{shop.seed}")
        self.year = shop.today.year - 1
        self.first = date(self.year, 1, 1)
        # Time stops where the demo's own weeks start; maintenance where its months do.
        self.time_ends = min(date(self.year + 1, 1, 1), shop.this_monday - timedelta(weeks=1))
        self.months_end = months.add_months(months.month_start(shop.today), -1)

    def local(self, day: date, at: time) -> datetime:
        return self.shop.local(day, at)

    def workdays(self) -> list[date]:
        days, day = [], self.first
        while day < self.time_ends:
            if day.weekday() < 5:
                days.append(day)
            day += timedelta(days=1)
        return days

    # ---- SRs, before this year's, so SR numbers grow with time ------------------------------

    def service_requests(self) -> None:
        from mspboard.demo import SR_TITLES  # the demo's words; it imports this module

        shop, rng = self.shop, self.rng
        srs = []
        for month_index, count in enumerate(SRS_PER_MONTH):
            month = date(self.year, month_index + 1, 1)
            length = (months.add_months(month, 1) - month).days
            for _ in range(count):
                day = month + timedelta(days=rng.randrange(length))
                while day.weekday() >= 5:
                    day -= timedelta(days=1)
                created = self.local(day, time(rng.randint(8, 16), rng.choice((5, 20, 35, 50))))
                age = timedelta(days=min(rng.expovariate(1 / 4), 40), hours=rng.randint(1, 6))
                closed = min(created + age, shop.now - timedelta(hours=1))
                tech = rng.choice(shop.techs)
                srs.append(
                    ServiceRequest(
                        client=rng.choice(shop.clients),
                        title=rng.choice(SR_TITLES),
                        description="Reported by the client's office manager by phone.",
                        priority=rng.choices((1, 2, 3, 4), (5, 20, 50, 25))[0],
                        status=SRStatus.DONE.value,
                        assignee=tech,
                        created_by=shop.manager,
                        created_at=created,
                        updated_at=closed,
                        closed_at=closed,
                        closed_by=tech,
                        billable=rng.random() < 0.8,
                    )
                )
        srs.sort(key=lambda sr: sr.created_at)
        db.session.add_all(srs)
        db.session.flush()
        # Their resolutions come with every closed SR's, in the demo's working record.
        activities = []
        for sr in srs:
            activities.append(
                {
                    "sr_id": sr.id,
                    "actor_id": shop.manager.id,
                    "at": sr.created_at,
                    "kind": "created",
                }
            )
            activities.append(
                {"sr_id": sr.id, "actor_id": sr.closed_by_id, "at": sr.closed_at,
                 "kind": "status", "field": "status", "from_value": SRStatus.NEW.value,
                 "to_value": SRStatus.DONE.value}
            )  # fmt: skip
        db.session.execute(insert(SRActivity), activities)
        self.srs = srs

    # ---- the rest, once the demo's own weeks and months are in ------------------------------

    def build(self) -> None:
        self._time()
        self._maintenance()
        self._goals()
        db.session.add(
            YearSummary(
                year=self.year,
                successes=SUCCESSES,
                fails=FAILS,
                next_year_goals=NEXT_YEAR_GOALS,
                updated_by=self.shop.manager,
                updated_at=min(self.local(date(self.year + 1, 1, 2), time(9, 0)), self.shop.now),
            )
        )
        db.session.flush()

    def _time(self) -> None:
        shop, rng = self.shop, self.rng
        days = self.workdays()
        by_tech = {tech.id: [sr for sr in self.srs if sr.assignee is tech] for tech in shop.techs}
        entries, items, cards = [], [], []
        for tech in shop.techs:
            away = set()
            for _ in range(4):  # four weeks' holiday, spread over the year
                start = rng.randrange(max(len(days) - 5, 1))
                away.update(days[start : start + 5])
            work = by_tech[tech.id] or self.srs
            for day in days:
                if day in away:
                    continue
                share = BILLABLE_SHARE[day.month - 1]
                published = self.local(day - timedelta(days=day.weekday() + 3), time(15, 0))
                for start, end in ((time(8, 30), time(12, 0)), (time(13, 0), time(16, 30))):
                    items.append(
                        {"tech_id": tech.id, "title": "Scheduled work",
                         "starts_at": self.local(day, start), "ends_at": self.local(day, end),
                         "published_at": published, "acknowledged_at": published,
                         "acknowledged_version": 1, "created_by_id": shop.manager.id,
                         "created_at": published, "updated_at": published}
                    )  # fmt: skip
                cursor = self.local(day, time(8, rng.choice((15, 30, 45))))
                for _ in range(rng.randint(3, 5)):
                    minutes = rng.choice((45, 60, 90, 105, 120))
                    billable = rng.random() < share
                    sr = rng.choice(work) if billable else None
                    end = cursor + timedelta(minutes=minutes)
                    entries.append(
                        {"uuid": _uuid(rng), "tech_id": tech.id,
                         "sr_id": sr.id if sr else None,
                         "client_id": sr.client_id if sr else rng.choice(shop.clients).id,
                         "started_at": cursor, "ended_at": end, "billable": billable,
                         "notes": "Worked through it with the client." if sr
                         else "Internal: tools, training and documentation.",
                         "created_at": end, "synced_at": end, "updated_at": end}
                    )  # fmt: skip
                    cursor = end + timedelta(minutes=rng.choice((0, 0, 15)))
            week = self.first - timedelta(days=self.first.weekday())
            while week < self.time_ends - timedelta(days=6):
                if week >= self.first:
                    cards.append(self._card(tech.id, week))
                week += timedelta(weeks=1)
        db.session.execute(insert(ScheduleItem), items)
        db.session.execute(insert(TimeEntry), entries)
        db.session.execute(insert(TimeCard), [card for card in cards if card])

    def _card(self, tech_id: int, week: date) -> dict | None:
        rng = self.rng
        roll = rng.random()
        friday = week + timedelta(days=4)
        if roll < UNSENT_CARD:
            return {"tech_id": tech_id, "week_start": week, "status": "draft"}
        if roll < UNSENT_CARD + LATE_CARD:
            sent = self.local(friday + timedelta(days=3), time(8, rng.randint(5, 55)))
        else:
            sent = self.local(friday, time(rng.randint(14, 16), rng.randint(0, 59)))
        return {
            "tech_id": tech_id,
            "week_start": week,
            "status": "approved",
            "submitted_at": sent,
            "decided_at": sent + timedelta(hours=rng.randint(16, 70)),
            "decided_by_id": self.shop.manager.id,
        }

    def _maintenance(self) -> None:
        shop, rng = self.shop, self.rng
        base = list(
            db.session.scalars(
                select(ChecklistItem)
                .where(ChecklistItem.client_id.is_(None), ChecklistItem.cadence == "monthly")
                .order_by(ChecklistItem.position)
            )
        )
        month = self.first
        while month < min(self.months_end, date(self.year + 1, 1, 1)):
            last = months.last_workday(month)
            record = MaintenanceMonth(
                month=month,
                opened_at=self.local(month, time(7, 0)),
                opened_by=shop.manager,
                closed_at=self.local(months.add_months(month, 1), time(9, 0)),
                closed_by=shop.manager,
            )
            db.session.add(record)
            db.session.flush()
            run_ids = db.session.scalars(
                insert(ChecklistRun).returning(ChecklistRun.id, sort_by_parameter_order=True),
                [
                    {"month_id": record.id, "client_id": client.id,
                     "owner_id": shop.techs[n % len(shop.techs)].id, "due_on": last,
                     "created_at": record.opened_at}
                    for n, client in enumerate(shop.clients)
                ],
            ).all()  # fmt: skip
            rows = []
            for n, run_id in enumerate(run_ids):
                owner = shop.techs[n % len(shop.techs)].id
                day = last - timedelta(days=rng.randint(0, 12))
                while day.weekday() >= 5:
                    day -= timedelta(days=1)
                unfinished = rng.random() < RUN_LEFT_UNFINISHED
                for position, item in enumerate(base):
                    ticked = not (unfinished and position >= len(base) - 2)
                    at = self.local(day, time(13, 5 + 4 * position))
                    rows.append(
                        {"run_id": run_id, "item_id": item.id, "title": item.title,
                         "instruction": item.instruction,
                         "estimate_minutes": item.estimate_minutes,
                         "billable": item.billable, "position": position,
                         "outcome": "done" if ticked else None,
                         "note": "Checked; all as expected." if ticked else "",
                         "ticked_at": at if ticked else None,
                         "ticked_by_id": owner if ticked else None}
                    )  # fmt: skip
            db.session.execute(insert(ChecklistRunItem), rows)
            month = months.add_months(month, 1)

    def _goals(self) -> None:
        shop, rng = self.shop, self.rng
        goals = []
        for n, tech in enumerate(shop.techs):
            title, status = YEAR_GOALS[n % len(YEAR_GOALS)]
            goals.append(self._goal(tech.id, "year", self.first, title, status))
            for quarter in range(4):
                start = date(self.year, 3 * quarter + 1, 1)
                for title in rng.sample(QUARTER_GOALS, 2):
                    status = rng.choices(("met", "missed", "dropped"), (7, 2, 1))[0]
                    goals.append(self._goal(tech.id, "quarter", start, title, status))
        db.session.execute(insert(Goal), goals)

    def _goal(self, user_id: int, period: str, start: date, title: str, status: str) -> dict:
        decided = months.add_months(start, 12 if period == "year" else 3)
        at = min(self.local(decided + timedelta(days=9), time(10, 0)), self.shop.now)
        return {
            "user_id": user_id,
            "period": period,
            "period_start": start,
            "kind": "work",
            "title": title,
            "measure": "Reviewed at the quarterly review.",
            "status": status,
            "decided_at": at,
            "created_by_id": self.shop.manager.id,
            "created_at": self.local(start, time(10, 0)),
            "updated_at": at,
        }
