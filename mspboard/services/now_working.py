"""Who is working on what right now: each active tech with their running timer, if any."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mspboard.models import TimeEntry, User, db
from mspboard.services.staff import card_keepers


@dataclass
class TechNow:
    tech: User
    timer: TimeEntry | None

    @property
    def idle(self) -> bool:
        return self.timer is None


def who_is_working() -> list[TechNow]:
    techs = card_keepers()
    running = {
        entry.tech_id: entry
        for entry in db.session.scalars(
            select(TimeEntry)
            .where(TimeEntry.ended_at.is_(None))
            .options(selectinload(TimeEntry.service_request), selectinload(TimeEntry.client))
        )
    }
    return [TechNow(tech, running.get(tech.id)) for tech in techs]
