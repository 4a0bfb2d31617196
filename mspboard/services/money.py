"""Money as people read it. Amounts are integer cents everywhere; this is the one place
that turns them into text for a page or a message (exports write plain decimals)."""

from __future__ import annotations

import re

CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def plain(hundredths: int) -> str:
    """A non-negative amount kept in hundredths (cents, or hours to two decimals) as a plain
    decimal for exports: "1234.50"."""
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def shown(cents: int, currency: str) -> str:
    """1234.5 dollars as "1,234.50 USD"."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{part:02d} {currency}"
