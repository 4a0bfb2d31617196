"""The shop's wall clock, in one place: turning a local date and time into an instant and
back, with daylight-saving changes handled on purpose.

Instants are aware UTC datetimes, and every duration is taken between two of them, so a day
with a clock change counts the hours that really passed. A wall time is only a label.

- `at_wall` is for times the shop set (start of day, close of business, midnight): a time
  that does not exist that night is taken as the same moment an hour later on the clock,
  and a repeated time as its first occurrence.
- `typed_instant` is for a time a person typed: a time that does not exist is refused with
  a suggestion, and a repeated one must say which of the two it means (fold 0 or 1).
- `wall_label` shows a local time, adding its zone's abbreviation where the time happens
  twice that night ("01:45 EDT" / "01:45 EST").
- `clock_text` is how every time of day reads, on the shop's clock (the admin's setting):
  "18:43" on a 24-hour clock, "6:43 PM" on a 12-hour one. A format's "%H:%M" goes through it
  (`wall_label` does that), so no page or message spells a time of day another way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from mspboard.services.errors import RuleViolation
from mspboard.services.shop_settings import current_settings, shop_zone

# Where a half day of time off starts or ends.
MIDDAY = time(12, 0)


class AmbiguousLocalTime(RuleViolation):
    """A typed time that happens twice that night; `choices` are (fold, label) pairs."""

    def __init__(self, message: str, field: str, choices: list[tuple[str, str]]) -> None:
        super().__init__(message, field)
        self.choices = choices


# Where a format string asks for a time of day.
TIME_OF_DAY = "%H:%M"


def clock_text(value: time | datetime, hours: int | None = None) -> str:
    """A time of day (a datetime's own wall time, already in the zone it is shown in) on
    the shop's clock: "18:43" (24 hours) or "6:43 PM" (12 hours); `hours` overrides the
    setting."""
    hours = hours or current_settings().clock_hours
    if hours == 12:
        half = value.hour % 12 or 12
        return f"{half}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"
    return f"{value.hour:02d}:{value.minute:02d}"


def clock_format(value: time | datetime, fmt: str) -> str:
    """`value` formatted with strftime's `fmt`, its "%H:%M" read on the shop's clock."""
    if TIME_OF_DAY not in fmt:
        return value.strftime(fmt)
    hour = clock_text(value)
    return hour.join(value.strftime(part) if part else "" for part in fmt.split(TIME_OF_DAY))


def _zone(zone: ZoneInfo | None) -> ZoneInfo:
    return zone or shop_zone()


def at_wall(day: date, wall: time, zone: ZoneInfo | None = None) -> datetime:
    """The instant (UTC) the shop's clocks show `wall` on `day`."""
    return datetime.combine(day, wall.replace(fold=0), tzinfo=_zone(zone)).astimezone(UTC)


def exists(day: date, wall: time, zone: ZoneInfo | None = None) -> bool:
    local = datetime.combine(day, wall, tzinfo=_zone(zone))
    return local.astimezone(UTC).astimezone(local.tzinfo).replace(tzinfo=None) == (
        local.replace(tzinfo=None)
    )


def is_repeated(day: date, wall: time, zone: ZoneInfo | None = None) -> bool:
    zone = _zone(zone)
    first = datetime.combine(day, wall.replace(fold=0), tzinfo=zone)
    return first.utcoffset() != first.replace(fold=1).utcoffset() and exists(day, wall, zone)


def _label(local: datetime) -> str:
    return f"{clock_text(local)} {local.tzname()}"


def fold_choices(day: date, wall: time, zone: ZoneInfo | None = None) -> list[tuple[str, str]]:
    """For a wall time that happens twice on `day`: (fold, label) for each; else []."""
    zone = _zone(zone)
    if not is_repeated(day, wall, zone):
        return []
    first = datetime.combine(day, wall.replace(fold=0), tzinfo=zone)
    second = first.replace(fold=1)
    return [("0", f"{_label(first)}, the first time"), ("1", f"{_label(second)}, an hour later")]


def typed_instant(
    day: date, wall: time, field: str, fold: int | None = None, zone: ZoneInfo | None = None
) -> datetime:
    """The instant (UTC) of a date and time a person typed in the shop's zone."""
    zone = _zone(zone)
    wall = wall.replace(second=0, microsecond=0, fold=0)
    if not exists(day, wall, zone):
        later = datetime.combine(day, wall, tzinfo=zone).astimezone(UTC).astimezone(zone)
        raise RuleViolation(
            f"{clock_text(wall)} does not exist on {day:%a %d %b}: the clocks jump forward "
            f"that night. Did you mean {clock_text(later)}?",
            field,
        )
    if is_repeated(day, wall, zone):
        first = datetime.combine(day, wall, tzinfo=zone)
        second = first.replace(fold=1)
        if fold not in (0, 1):
            raise AmbiguousLocalTime(
                f"{clock_text(wall)} happens twice on {day:%a %d %b} as the clocks go back: "
                f"choose {_label(first)} (the first) or {_label(second)} (an hour later).",
                field,
                fold_choices(day, wall, zone),
            )
        return (second if fold == 1 else first).astimezone(UTC)
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def local(moment: datetime, zone: ZoneInfo | None = None) -> datetime:
    return moment.astimezone(_zone(zone))


def wall_label(moment: datetime, fmt: str = TIME_OF_DAY, zone: ZoneInfo | None = None) -> str:
    """A moment as the shop's clocks showed it (its "%H:%M" on the shop's 12- or 24-hour
    clock); a time that happened twice that night carries its zone abbreviation so the two
    can be told apart."""
    shown = local(moment, zone)
    text = clock_format(shown, fmt)
    # A shown moment's wall time exists, so it is repeated exactly when the two folds differ
    # (what `is_repeated` finds, without rebuilding the time: boards label hundreds).
    repeated = shown.replace(fold=0).utcoffset() != shown.replace(fold=1).utcoffset()
    if TIME_OF_DAY in fmt and repeated:
        text += f" {shown.tzname()}"
    return text


def fold_of(moment: datetime, zone: ZoneInfo | None = None) -> int | None:
    """For a moment shown at a repeated wall time, which occurrence it is; else None."""
    shown = local(moment, zone)
    if is_repeated(shown.date(), shown.time(), shown.tzinfo):  # type: ignore[arg-type]
        return shown.fold
    return None
