"""The demo shop's training: the next Final Friday Training planned for every tech (some
have acknowledged it), and an earlier one they attended, with the time they logged on it.

Both are relative to the demo's "now": the next one is this month's last Friday, or next
month's once that is past; the earlier one is the last Final Friday before the weeks whose
time the demo logs, so its entries never overlap the others."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta
from typing import TYPE_CHECKING

from mspboard.models import TimeEntry, TrainingKind, db
from mspboard.services import schedule_acknowledgements as acknowledgements
from mspboard.services.people import training

if TYPE_CHECKING:
    from mspboard.demo import DemoShop

# After the demo's afternoon items (which end at 16:00), so the planner shows no clash.
STARTS, ENDS = time(16, 0), time(17, 30)


class DemoTraining:
    def __init__(self, shop: DemoShop) -> None:
        self.shop = shop

    def _fields(self, day: date, title: str, place: str, materials: str):
        return training.TrainingFields(
            kind=TrainingKind.FINAL_FRIDAY,
            title=title,
            starts_at=self.shop.local(day, STARTS),
            ends_at=self.shop.local(day, ENDS),
            attendee_ids=[tech.id for tech in self.shop.techs],
            place_or_link=place,
            materials=materials,
        )

    def build(self) -> None:
        shop = self.shop
        first_logged_day = shop.this_monday - timedelta(weeks=1)
        earlier = training.final_friday(first_logged_day.year, first_logged_day.month)
        if earlier >= first_logged_day:
            month_before = first_logged_day.replace(day=1) - timedelta(days=1)
            earlier = training.final_friday(month_before.year, month_before.month)
        held = training.create_event(
            shop.manager,
            self._fields(
                earlier,
                "Final Friday Training: Microsoft 365 security defaults",
                "Conference room",
                "Slides in the shared drive under Training.",
            ),
            now=shop.local(earlier - timedelta(days=10), time(9, 0)),
        )
        for item in training.items_of(held):
            acknowledgements.acknowledge(
                item.tech, item.id, item.version, at=item.published_at, now=shop.now
            )
        for tech in shop.techs[:4]:
            started, ended = held.starts_at, held.ends_at
            db.session.add(
                TimeEntry(
                    uuid=str(uuid.UUID(int=shop.rng.getrandbits(128), version=4)),
                    tech=tech,
                    training_event_id=held.id,
                    client_id=None,
                    started_at=started,
                    ended_at=ended,
                    billable=False,
                    notes="Final Friday Training.",
                    created_at=ended,
                    synced_at=ended + timedelta(minutes=5),
                )
            )

        upcoming_day = training.next_final_friday(shop.today)
        upcoming = training.create_event(
            shop.manager,
            self._fields(
                upcoming_day,
                "Final Friday Training",
                "https://meet.example.com/harbor-lane-training",
                "Read the new backup runbook; bring a laptop with the RMM agent installed.",
            ),
            now=shop.now - timedelta(days=2),
        )
        for item in training.items_of(upcoming)[::2]:  # half of them have acknowledged it
            acknowledgements.acknowledge(
                item.tech, item.id, item.version, at=shop.now - timedelta(days=1), now=shop.now
            )
        db.session.flush()
