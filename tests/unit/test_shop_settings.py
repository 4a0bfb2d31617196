from datetime import time

import pytest

from mspboard.models import ShopSettings, db
from mspboard.services.errors import RuleViolation
from mspboard.services.shop_settings import current_settings, update_settings
from tests.factories import make_user


def valid(**overrides):
    values = {
        "shop_name": "Harbor Lane IT",
        "timezone": "America/Chicago",
        "workdays": 0b0011111,
        "day_start": time(8),
        "close_of_business": time(17),
        "default_rate_cents": 12500,
        "stale_after_days": 10,
        "expected_version": 1,
    }
    values.update(overrides)
    return values


def test_unsaved_settings_use_the_configured_time_zone_and_write_nothing(app):
    app.config["SHOP_TIMEZONE"] = "Europe/Berlin"
    settings = current_settings()
    assert settings.timezone == "Europe/Berlin"
    assert settings.close_of_business == time(17)
    assert db.session.get(ShopSettings, 1) is None


def test_saving_settings_stores_them():
    admin = make_user(role="admin")
    update_settings(admin, **valid())
    db.session.commit()
    stored = db.session.get(ShopSettings, 1)
    assert (stored.timezone, stored.stale_after_days) == ("America/Chicago", 10)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"close_of_business": time(7)}, "close_of_business"),
        ({"workdays": 0}, "workdays"),
        ({"clock_hours": 13}, "clock_hours"),
        ({"locale": "xx_YY"}, "locale"),
        ({"locale": ""}, "locale"),
    ],
)
def test_bad_settings_are_refused_next_to_their_field(overrides, field):
    admin = make_user(role="admin")
    with pytest.raises(RuleViolation) as refused:
        update_settings(admin, **valid(**overrides))
    assert refused.value.field == field


def test_a_locale_is_stored_as_cldr_spells_it():
    update_settings(make_user(role="admin"), **valid(locale="en-gb"))
    assert db.session.get(ShopSettings, 1).locale == "en_GB"
