"""Amounts as the shop's locale writes them: one implementation, exact to the cent."""

import pytest
from flask import g

from mspboard.models import ShopSettings, db
from mspboard.services import money

pytestmark = pytest.mark.instant_free

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("cents", "currency", "locale", "text"),
    [
        (123450, "USD", "en_US", "$1,234.50"),
        (123450, "GBP", "en_GB", "£1,234.50"),
        (123450, "EUR", "de_DE", f"1.234,50{NBSP}€"),
        (123450, "CAD", "en_US", "CA$1,234.50"),  # not the locale's own: says which dollar
        (123450, "USD", "en_GB", "US$1,234.50"),
        (123450, "EUR", "en_US", "€1,234.50"),
        (-123450, "USD", "en_US", "-$1,234.50"),
        (-123450, "GBP", "en_GB", "-£1,234.50"),
        (-123450, "EUR", "de_DE", f"-1.234,50{NBSP}€"),
        (-5, "USD", "en_US", "-$0.05"),
        (0, "USD", "en_US", "$0.00"),
        (1, "EUR", "de_DE", f"0,01{NBSP}€"),
        (123450, "JPY", "en_US", "¥1,234.50"),  # the cents stay, whatever the currency's digits
    ],
)
def test_amounts_are_written_as_the_locale_writes_them(cents, currency, locale, text):
    assert money.shown(cents, currency, locale) == text


def test_every_cent_of_a_huge_amount_is_exact():
    # A float would give ...000.00 here: 10**17 + 1 cents is past a double's 53 bits.
    assert money.shown(10**17 + 1, "USD", "en_US") == "$1,000,000,000,000,000.01"


def test_without_a_locale_the_shops_is_used():
    assert money.shown(123450, "USD") == "$1,234.50"  # the default, en_US
    settings = ShopSettings.with_defaults()
    settings.locale, settings.currency = "de_DE", "EUR"
    db.session.add(settings)
    db.session.flush()
    g.pop("shop_settings", None)
    assert money.shown(123450, "EUR") == f"1.234,50{NBSP}€"


def test_plain_stays_a_number_for_exports():
    assert money.plain(123450) == "1234.50" and money.plain(5) == "0.05"
