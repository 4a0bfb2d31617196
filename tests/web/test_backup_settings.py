"""The settings page says when the last backup was taken, warns when it is more than 24 hours
old, and lets the admin set how many daily and weekly backups are kept."""

from datetime import timedelta

import pytest

from mspboard.models import BackupRecord, ShopSettings, db, utcnow
from mspboard.templating import local_time
from tests.page_forms import form_data, signed_in


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture(autouse=True)
def _held_still(stopped):
    pass


def take_backup(app, age: timedelta, size: int = 5 * 1024 * 1024) -> None:
    with app.app_context():
        db.session.add(
            BackupRecord(
                taken_at=utcnow() - age,
                file_name="mspboard-x.sqlite3",
                directory="/var/backups/mspboard",
                size_bytes=size,
                schema_revision="0014_shop_data",
                checksum="0" * 64,
            )
        )
        db.session.commit()


def backup_state(admin) -> str:
    page = admin.get("/admin/settings").get_data(as_text=True)
    start = page.index('id="backup-state"')
    return page[start : page.index("</p>", start)]


def test_a_shop_with_no_backup_is_told_so(app, people):
    assert "No backup yet" in backup_state(signed_in(app, people["admin"]))


def test_the_last_backup_shows_its_time_and_size(app, people):
    take_backup(app, timedelta(days=3))
    take_backup(app, timedelta(hours=2), size=1536 * 1024)
    state = backup_state(signed_in(app, people["admin"]))
    with app.app_context():
        shown = local_time(utcnow() - timedelta(hours=2), "%a %d %b %Y %H:%M")
    assert "Last backup:" in state and shown in state and "1.5 MB" in state
    assert "more than 24 hours old" not in state


def test_a_backup_exactly_24_hours_old_is_not_yet_too_old(app, people, stopped):
    take_backup(app, timedelta(hours=24))
    admin = signed_in(app, people["admin"])
    assert "more than 24 hours old" not in backup_state(admin)
    stopped.shift(timedelta(seconds=1))
    assert "more than 24 hours old" in backup_state(admin)


def test_the_admin_sets_how_many_backups_are_kept(app, people):
    admin = signed_in(app, people["admin"])
    form = form_data(admin.get("/admin/settings").get_data(as_text=True))
    assert (form["backup_keep_daily"], form["backup_keep_weekly"]) == ("7", "4")
    saved = admin.post("/admin/settings", data=form | {"backup_keep_daily": "14"})
    assert saved.status_code == 302
    again = form_data(admin.get("/admin/settings").get_data(as_text=True))
    again["backup_keep_weekly"] = "0"
    assert admin.post("/admin/settings", data=again).status_code == 302
    with app.app_context():
        stored = db.session.get(ShopSettings, 1)
        assert (stored.backup_keep_daily, stored.backup_keep_weekly, stored.version) == (14, 0, 3)
    # The form it was filled from is now old: its save is refused as a conflict.
    assert admin.post("/admin/settings", data=form).status_code == 409


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("backup_keep_daily", "0", "Use 1 to 366 days."),
        ("backup_keep_daily", "367", "Use 1 to 366 days."),
        ("backup_keep_daily", "", "Enter a number of days."),
        ("backup_keep_weekly", "-1", "Use 0 to 520 weeks."),
        ("backup_keep_weekly", "521", "Use 0 to 520 weeks."),
        ("backup_keep_weekly", "9" * 40, "Enter a number."),
    ],
)
def test_retention_outside_its_range_is_refused_next_to_the_field(
    app, people, field, value, message
):
    admin = signed_in(app, people["admin"])
    form = form_data(admin.get("/admin/settings").get_data(as_text=True))
    refused = admin.post("/admin/settings", data=form | {field: value})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    error = page[page.index(f'id="{field}-error"') :]
    assert message in error[: error.index("</")]
    with app.app_context():
        assert db.session.get(ShopSettings, 1) is None


def test_the_edges_of_the_ranges_are_accepted(app, people):
    admin = signed_in(app, people["admin"])
    form = form_data(admin.get("/admin/settings").get_data(as_text=True))
    data = form | {"backup_keep_daily": "366", "backup_keep_weekly": "520"}
    assert admin.post("/admin/settings", data=data).status_code == 302
    form = form_data(admin.get("/admin/settings").get_data(as_text=True))
    data = form | {"backup_keep_daily": "1", "backup_keep_weekly": "0"}
    assert admin.post("/admin/settings", data=data).status_code == 302
    with app.app_context():
        stored = db.session.get(ShopSettings, 1)
        assert (stored.backup_keep_daily, stored.backup_keep_weekly) == (1, 0)


@pytest.mark.parametrize("role", ["technician", "service_manager"])
def test_only_the_admin_sees_the_backup_state(app, people, role):
    response = signed_in(app, people[role]).get("/admin/settings")
    assert response.status_code == 403
    assert "backup-state" not in response.get_data(as_text=True)
