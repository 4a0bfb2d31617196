"""How long something took or how old it is, as people say it: one wording for every page,
the wall TV and the messages that name a duration."""

from __future__ import annotations

from datetime import timedelta


def age(value: timedelta) -> str:
    """How old something is, in its largest whole unit, short enough for a card and
    unmistakable across a room: "45 min", "3 h", "4 d", "5 wk" (never "m", read as months)."""
    minutes = max(int(value.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h"
    days = minutes // (24 * 60)
    return f"{days} d" if days < 7 else f"{days // 7} wk"


def spent(value: timedelta) -> str:
    """Time spent (or a running timer's time so far) in hours and minutes: "1 h 05 min"."""
    minutes = max(int(value.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
