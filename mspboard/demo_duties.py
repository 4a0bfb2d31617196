"""The demo shop's duty lists: the standard duties, the manager's ticks of today and this
week, two techs' ticks of today, and a last review 100 days ago, so the quarterly reminder
shows on Admin → Duties and the manager's Today."""

from __future__ import annotations

from datetime import time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from mspboard.models import Duty, DutyCadence, DutyListReview, DutyRole, DutyTick, db
from mspboard.services.people import duties

if TYPE_CHECKING:
    from mspboard.demo import DemoShop

# How long ago the lists were last reviewed: more than REVIEW_EVERY_DAYS, so the reminder shows.
LAST_REVIEW_DAYS_AGO = 100


def build(shop: DemoShop) -> None:
    admin = shop.users["admin@demo.test"]
    duties.load_standard_duties(admin)
    reviewed_on = shop.today - timedelta(days=LAST_REVIEW_DAYS_AGO)
    db.session.add(
        DutyListReview(reviewed_by_id=admin.id, reviewed_at=shop.local(reviewed_on, time(9, 30)))
    )
    listed = list(db.session.scalars(select(Duty).order_by(Duty.role, Duty.position)))
    desk = [d for d in listed if d.role == DutyRole.SERVICE_MANAGER]
    daily = [d for d in desk if d.cadence == DutyCadence.DAILY]
    weekly = [d for d in desk if d.cadence == DutyCadence.WEEKLY]
    # Ticked at a moment of today (or this week) that has already passed, whatever the hour.
    start_of_day = shop.local(shop.today, time(0, 0))
    early = start_of_day + min(shop.now - start_of_day, timedelta(hours=8, minutes=40)) / 2
    for duty in daily[:2]:
        _tick(duty, shop.manager.id, shop.today, early)
    monday_morning = shop.local(shop.this_monday, time(9, 15))
    week_tick = monday_morning if monday_morning < shop.now else early
    for duty in weekly[:2]:
        _tick(duty, shop.manager.id, shop.this_monday, week_tick)
    tech_daily = [
        d for d in listed if d.role == DutyRole.TECHNICIAN and d.cadence == DutyCadence.DAILY
    ]
    for tech in shop.techs[:2]:
        _tick(tech_daily[0], tech.id, shop.today, early)
    db.session.flush()


def _tick(duty: Duty, user_id: int, period_start, moment) -> None:
    db.session.add(
        DutyTick(duty_id=duty.id, user_id=user_id, period_start=period_start, ticked_at=moment)
    )
