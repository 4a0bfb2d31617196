from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from flask import current_app, g

from mspboard.inputs import real_time_zone
from mspboard.models import ShopSettings, User, db
from mspboard.services.errors import RuleViolation
from mspboard.services.money import CURRENCY_CODE

SETTINGS_FIELDS = [
    "shop_name",
    "timezone",
    "workdays",
    "day_start",
    "close_of_business",
    "default_rate_cents",
    "stale_after_days",
    "idle_alert_minutes",
    "billing_rounding_minutes",
    "minimum_charge_minutes",
    "allow_overlapping_entries",
    "require_two_factor_for_managers",
    "currency",
    "clock_hours",
    "locale",
    "backup_keep_daily",
    "backup_keep_weekly",
]


def current_settings() -> ShopSettings:
    """The saved settings, or the defaults (time zone from MSPBOARD_TIMEZONE) until an
    admin saves them; cached per request. Reading never writes."""
    cached = g.get("shop_settings")
    if cached is not None:
        return cached
    settings = db.session.get(ShopSettings, 1)
    if settings is None:
        timezone = real_time_zone(current_app.config.get("SHOP_TIMEZONE") or "UTC")
        settings = ShopSettings.with_defaults(timezone)
    g.shop_settings = settings
    return settings


def known_locale(name: str) -> str:
    """`name` as CLDR spells it (en_US), or a RuleViolation on the locale field."""
    try:
        return str(Locale.parse(name.strip().replace("-", "_")))
    except (ValueError, TypeError, UnknownLocaleError):
        raise RuleViolation(
            "Use a language and region such as en_US, en_GB or de_DE.", "locale"
        ) from None


def shop_zone() -> ZoneInfo:
    return ZoneInfo(current_settings().timezone)


def update_settings(
    actor: User,
    *,
    shop_name: str,
    timezone: str,
    workdays: int,
    day_start: time,
    close_of_business: time,
    default_rate_cents: int,
    stale_after_days: int,
    idle_alert_minutes: int = 120,
    billing_rounding_minutes: int = 15,
    minimum_charge_minutes: int = 0,
    allow_overlapping_entries: bool = False,
    require_two_factor_for_managers: bool = False,
    currency: str = "USD",
    clock_hours: int = 24,
    locale: str = "en_US",
    backup_keep_daily: int = 7,
    backup_keep_weekly: int = 4,
    expected_version: int | None,
) -> dict[str, tuple[object, object]]:
    """Save the settings form (filled from `expected_version`); returns what changed."""
    from mspboard.services import edits  # it reads the settings to show money and times

    settings = current_settings()
    real_time_zone(timezone)
    if workdays == 0:
        raise RuleViolation("Pick at least one working day.", "workdays")
    if close_of_business <= day_start:
        raise RuleViolation(
            "Close of business must be after the start of the day.", "close_of_business"
        )
    if default_rate_cents < 0:
        raise RuleViolation("The rate cannot be negative.", "default_rate")
    if stale_after_days < 1:
        raise RuleViolation("Use at least one day.", "stale_after_days")
    if idle_alert_minutes < 15:
        raise RuleViolation("Use at least 15 minutes.", "idle_alert_minutes")
    if billing_rounding_minutes not in (0, 6, 15, 30):
        raise RuleViolation("Pick no rounding, 6, 15 or 30 minutes.", "billing_rounding_minutes")
    if minimum_charge_minutes < 0:
        raise RuleViolation("The minimum cannot be negative.", "minimum_charge_minutes")
    currency = currency.strip().upper()
    if not CURRENCY_CODE.fullmatch(currency):
        raise RuleViolation("Use a three-letter currency code such as USD, EUR or GBP.", "currency")
    if clock_hours not in (12, 24):
        raise RuleViolation("Pick a 12-hour or a 24-hour clock.", "clock_hours")
    locale = known_locale(locale)
    if not 1 <= backup_keep_daily <= 366:
        raise RuleViolation("Use 1 to 366 days.", "backup_keep_daily")
    if not 0 <= backup_keep_weekly <= 520:
        raise RuleViolation("Use 0 to 520 weeks.", "backup_keep_weekly")
    edits.expect_version(settings, expected_version)
    wanted = {
        "shop_name": shop_name.strip(),
        "timezone": timezone,
        "workdays": workdays,
        "day_start": day_start,
        "close_of_business": close_of_business,
        "default_rate_cents": default_rate_cents,
        "stale_after_days": stale_after_days,
        "idle_alert_minutes": idle_alert_minutes,
        "billing_rounding_minutes": billing_rounding_minutes,
        "minimum_charge_minutes": minimum_charge_minutes,
        "allow_overlapping_entries": allow_overlapping_entries,
        "require_two_factor_for_managers": bool(require_two_factor_for_managers),
        "currency": currency,
        "clock_hours": clock_hours,
        "locale": locale,
        "backup_keep_daily": backup_keep_daily,
        "backup_keep_weekly": backup_keep_weekly,
    }
    db.session.add(settings)
    changed = edits.write_changes(actor, settings, wanted, "settings.updated")
    db.session.flush()
    return changed
