"""Money as people read it. Amounts are integer cents everywhere; this is the one place
that turns them into text for a page, a message, the audit trail or an invoice (exports
write plain decimals, with the currency in their header)."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import format_currency

CURRENCY_CODE = re.compile(r"[A-Z]{3}")
FALLBACK_LOCALE = "en_US"


def to_cents(amount: Decimal | None) -> int | None:
    """An amount typed as a decimal (already bounded to two places) in integer cents."""
    return None if amount is None else int((amount * 100).to_integral_value())


def from_cents(cents: int | None) -> Decimal | None:
    """Cents as the decimal a form shows."""
    return None if cents is None else Decimal(cents) / 100


def plain(hundredths: int) -> str:
    """A non-negative amount kept in hundredths (cents, or hours to two decimals) as a plain
    decimal for exports: "1234.50"."""
    return f"{hundredths // 100}.{hundredths % 100:02d}"


@cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


def _shop_locale() -> str:
    from mspboard.services.shop_settings import current_settings  # it imports this module

    return current_settings().locale or FALLBACK_LOCALE


def shown(cents: int, currency: str, locale: str | None = None) -> str:
    """Cents in `currency`, written as the shop's locale (CLDR, through Babel) writes
    amounts: en_US USD "$1,234.50", en_GB GBP "£1,234.50", de_DE EUR "1.234,50 €" (a
    no-break space before the symbol), and a currency not the locale's own with a symbol
    that says which, en_US CAD "CA$1,234.50". Always two decimals, from a Decimal made from
    the cents, so every cent shows exactly."""
    amount = Decimal(cents).scaleb(-2)
    return format_currency(
        amount, currency, locale=_locale(locale or _shop_locale()), currency_digits=False
    )
