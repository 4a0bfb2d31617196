"""A manual entry typed on the night the clocks go back (America/New_York, Sun 1 Nov 2026):
the phone asks which 01:45 is meant, shows the entry with its offset, and an entry opened for
editing saves unchanged. CSRF is on, as in production."""

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mspboard.models import TimeEntry, db
from tests.factories import make_client
from tests.web.test_csrf import signed_in

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def shop_zone_name():
    return "America/New_York"  # this test is about this zone's clock change


def _post(client, path, data):
    token = client.get("/m/csrf").get_json()["token"]
    headers = {"Idempotency-Key": str(uuid.uuid4()), "X-CSRFToken": token}
    return client.post(path, data=data, headers=headers)


def test_a_repeated_clock_time_is_chosen_explicitly_and_saves_unchanged(app, client, people, clock):
    clock.move_to(datetime(2026, 11, 2, 12, tzinfo=NEW_YORK))
    signed_in(client, people["technician"])
    with app.app_context():
        client_id = make_client().id
        db.session.commit()
    data = {
        "day": "2026-11-01",
        "start": "01:45",
        "end": "02:30",
        "client_id": client_id,
        "billable": "",
        "start_fold": "",
        "end_fold": "",
    }
    asked = _post(client, "/m/entries", data)
    assert asked.status_code == 422
    form = asked.get_data(as_text=True)
    assert "01:45 happens twice on Sun 01 Nov as the clocks go back" in form
    assert '<option value="1">01:45 EST, an hour later</option>' in form

    assert _post(client, "/m/entries", data | {"start_fold": "1"}).status_code == 303
    with app.app_context():
        entry = db.session.scalar(db.select(TimeEntry))
        assert entry.ended_at - entry.started_at == timedelta(minutes=45)
        entry_id, started = entry.id, entry.started_at
    card = client.get("/m/timecard/2026-10-26").get_data(as_text=True)
    assert "01:45 EST\u201302:30" in card  # en dash between the times

    edit = client.get(f"/m/entries/{entry_id}/edit").get_data(as_text=True)
    chosen = re.search(r'<select[^>]*name="start_fold".*?</select>', edit, re.S).group(0)
    assert '<option selected value="1">' in chosen
    values = dict(re.findall(r'name="(day|start|end|client_id)"[^>]*value="([^"]*)"', edit))
    resave = _post(
        client,
        f"/m/entries/{entry_id}",
        data | values | {"client_id": client_id, "start_fold": "1", "end": "02:30"},
    )
    assert resave.status_code == 303, resave.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(TimeEntry, entry_id).started_at == started
