from __future__ import annotations

from datetime import time

from sqlalchemy import Boolean, CheckConstraint, Integer, String, Time, false
from sqlalchemy.orm import Mapped, mapped_column

from mspboard.models.base import db, edit_version_column, edit_versioned
from mspboard.workweek import ALL_DAYS, MONDAY_TO_FRIDAY


class ShopSettings(db.Model):
    """The shop's settings: a single row."""

    __tablename__ = "shop_settings"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(f"workdays BETWEEN 1 AND {ALL_DAYS}", name="workdays_mask"),
        CheckConstraint("close_of_business > day_start", name="closes_after_start"),
        CheckConstraint("default_rate_cents >= 0", name="rate_not_negative"),
        CheckConstraint("stale_after_days >= 1", name="stale_after_positive"),
        CheckConstraint("idle_alert_minutes >= 15", name="idle_alert_at_least_15"),
        CheckConstraint("billing_rounding_minutes IN (0, 6, 15, 30)", name="rounding_valid"),
        CheckConstraint("minimum_charge_minutes >= 0", name="minimum_not_negative"),
        CheckConstraint("length(currency) = 3", name="currency_code"),
        CheckConstraint("clock_hours IN (12, 24)", name="clock_hours_valid"),
        CheckConstraint("backup_keep_daily BETWEEN 1 AND 366", name="keep_daily_range"),
        CheckConstraint("backup_keep_weekly BETWEEN 0 AND 520", name="keep_weekly_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    version: Mapped[int] = edit_version_column()
    __mapper_args__ = edit_versioned(version)
    shop_name: Mapped[str] = mapped_column(String(120), default="Our shop")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    workdays: Mapped[int] = mapped_column(Integer, default=MONDAY_TO_FRIDAY)
    day_start: Mapped[time] = mapped_column(Time, default=time(8, 0))
    close_of_business: Mapped[time] = mapped_column(Time, default=time(17, 0))
    default_rate_cents: Mapped[int] = mapped_column(Integer, default=12500)
    # An open SR with no change for this many days counts as stale.
    stale_after_days: Mapped[int] = mapped_column(Integer, default=14)
    # A tech on shift with no time logged for this long shows on the manager's Today page.
    idle_alert_minutes: Mapped[int] = mapped_column(Integer, default=120, server_default="120")
    # Billing: each entry rounded up to this many minutes (0: not rounded), and the least
    # billed for one visit (one SR's time on one day).
    billing_rounding_minutes: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    minimum_charge_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # ISO 4217 code shown with every amount; invoices are in this one currency.
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    # How every clock time reads, on the server and in the browser: 24 ("14:30") or 12 ("2:30 PM").
    clock_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    # The shop's language and region (CLDR, e.g. en_US, en_GB, de_DE): how amounts and
    # numbers are written.
    locale: Mapped[str] = mapped_column(String(16), default="en_US", server_default="en_US")
    # Off: a time entry that overlaps another of the same tech's is refused. On: it is kept,
    # shown on the card, and the overlapping minutes are paid once.
    allow_overlapping_entries: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # On: a manager or admin without two-factor sign-in is sent to set it up before anything
    # else. Technicians may always choose.
    require_two_factor_for_managers: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Backup retention: the newest backup of each of this many days is kept, and the newest
    # of each of this many ISO weeks before them; the rest are pruned.
    backup_keep_daily: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    backup_keep_weekly: Mapped[int] = mapped_column(Integer, default=4, server_default="4")

    @classmethod
    def with_defaults(cls, timezone: str = "UTC") -> ShopSettings:
        """An unsaved row holding every default, for a shop nobody has configured yet."""
        return cls(
            id=1,
            version=1,
            shop_name="Our shop",
            timezone=timezone,
            workdays=MONDAY_TO_FRIDAY,
            day_start=time(8, 0),
            close_of_business=time(17, 0),
            default_rate_cents=12500,
            stale_after_days=14,
            idle_alert_minutes=120,
            billing_rounding_minutes=15,
            minimum_charge_minutes=0,
            allow_overlapping_entries=False,
            require_two_factor_for_managers=False,
            currency="USD",
            clock_hours=24,
            locale="en_US",
            backup_keep_daily=7,
            backup_keep_weekly=4,
        )
