"""Working days stored as a bitmask: Monday is bit 0, Sunday bit 6 (ISO weekday - 1)."""

from __future__ import annotations

from collections.abc import Iterable

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONDAY_TO_FRIDAY = 0b0011111
ALL_DAYS = 0b1111111


def to_mask(weekdays: Iterable[int]) -> int:
    """Bitmask from ISO weekday numbers (1 = Monday .. 7 = Sunday)."""
    mask = 0
    for day in weekdays:
        if not 1 <= day <= 7:
            raise ValueError(f"ISO weekday out of range: {day}")
        mask |= 1 << (day - 1)
    return mask


def from_mask(mask: int) -> list[int]:
    """ISO weekday numbers in the mask, Monday first."""
    return [day for day in range(1, 8) if mask & (1 << (day - 1))]


def describe(mask: int) -> str:
    days = from_mask(mask)
    if mask == MONDAY_TO_FRIDAY:
        return "Mon-Fri"
    return ", ".join(DAY_NAMES[day - 1] for day in days) or "no days"
