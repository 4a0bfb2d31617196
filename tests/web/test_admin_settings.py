from mspboard.models import ShopSettings, db

VALID = {
    "version": "1",
    "shop_name": "Harbor Lane IT",
    "timezone": "America/Chicago",
    "workdays": ["1", "2", "3", "4", "5"],
    "day_start": "08:00",
    "close_of_business": "17:30",
    "default_rate": "125.00",
    "stale_after_days": "10",
    "idle_alert_minutes": "90",
    "billing_rounding_minutes": "6",
    "minimum_charge_minutes": "30",
    "currency": "cad",
    "backup_keep_daily": "7",
    "backup_keep_weekly": "4",
}


def test_admin_saves_the_shop_settings(app, login_as):
    admin = login_as("admin")
    assert admin.post("/admin/settings", data=VALID).status_code == 302
    with app.app_context():
        stored = db.session.get(ShopSettings, 1)
        assert (stored.timezone, stored.default_rate_cents) == ("America/Chicago", 12500)
        assert stored.idle_alert_minutes == 90
        assert (stored.billing_rounding_minutes, stored.minimum_charge_minutes) == (6, 30)
        assert stored.allow_overlapping_entries is False  # an unticked box turns it off
        assert stored.currency == "CAD"
    assert "Harbor Lane IT" in admin.get("/board").get_data(as_text=True)
    admin.post("/admin/settings", data=VALID | {"allow_overlapping_entries": "y", "version": "2"})
    with app.app_context():
        assert db.session.get(ShopSettings, 1).allow_overlapping_entries is True


def test_unknown_time_zone_is_refused_next_to_the_field(app, login_as):
    response = login_as("admin").post("/admin/settings", data=VALID | {"timezone": "Mars/Base"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="timezone-error"' in page and "Unknown time zone" in page
    with app.app_context():
        assert db.session.get(ShopSettings, 1) is None


def test_missing_values_are_refused(login_as):
    response = login_as("admin").post(
        "/admin/settings", data=VALID | {"stale_after_days": "", "close_of_business": ""}
    )
    assert response.status_code == 422


def test_amounts_show_the_shops_currency_and_a_bad_code_is_refused(app, login_as):
    admin = login_as("admin")
    admin.post("/admin/settings", data=VALID | {"currency": "EUR", "default_rate": "95.50"})
    assert "€95.50 an hour" in admin.get("/admin/clients").get_data(as_text=True)
    admin.post(
        "/admin/settings",
        data=VALID
        | {"currency": "EUR", "default_rate": "95.50", "locale": "de_DE", "version": "2"},
    )
    assert "95,50\xa0€ an hour" in admin.get("/admin/clients").get_data(as_text=True)
    refused = admin.post("/admin/settings", data=VALID | {"currency": "E1"})
    assert refused.status_code == 422
    assert 'id="currency-error"' in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ShopSettings, 1).currency == "EUR"  # nothing saved is lost


def test_the_clock_and_the_way_amounts_are_written_are_saved(app, login_as):
    admin = login_as("admin")
    saved = admin.post("/admin/settings", data=VALID | {"clock_hours": "12", "locale": "en_GB"})
    assert saved.status_code == 302
    with app.app_context():
        stored = db.session.get(ShopSettings, 1)
        assert (stored.clock_hours, stored.locale) == (12, "en_GB")
    page = admin.get("/admin/settings").get_data(as_text=True)
    assert '<option selected value="12">' in page and '<option selected value="en_GB">' in page


def test_a_clock_or_locale_outside_the_list_is_refused_next_to_the_field(app, login_as):
    admin = login_as("admin")
    for name, value in [("clock_hours", "13"), ("locale", "xx_YY"), ("locale", "en_US" * 50)]:
        refused = admin.post("/admin/settings", data=VALID | {name: value})
        assert refused.status_code == 422
        assert f'id="{name}-error"' in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ShopSettings, 1) is None
