"""An overlapping manual entry from the phone is refused with its reason, by the field, as a
422 the outbox shows as a refusal; with CSRF on, as in production."""

import uuid
from datetime import timedelta

import pytest

from mspboard.models import TimeEntry, db
from tests.factories import make_client
from tests.shop_time import today_local
from tests.web.test_csrf import signed_in


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _entry(client, token, data):
    headers = {
        "Idempotency-Key": str(uuid.uuid4()),
        "Accept": "application/json",
        "X-CSRFToken": token,
    }
    return client.post("/m/entries", data=data, headers=headers)


def test_an_overlapping_entry_is_refused_with_the_reason_and_nothing_is_saved(app, client, people):
    signed_in(client, people["technician"])
    token = client.get("/m/csrf").get_json()["token"]
    with app.app_context():
        client_id = make_client().id
        day = (today_local() - timedelta(days=1)).isoformat()
        db.session.commit()
    first = {"day": day, "start": "09:00", "end": "10:00", "client_id": client_id, "billable": ""}
    made = _entry(client, token, first)
    assert made.status_code == 201, made.get_data(as_text=True)

    refused = _entry(client, token, first | {"start": "09:30", "end": "10:30"})
    assert refused.status_code == 422
    body = refused.get_json()
    assert "overlaps your entry" in body["message"] and "from 09:00 to 10:00" in body["message"]
    assert _entry(client, token, first | {"start": "10:00", "end": "10:30"}).status_code == 201
    with app.app_context():
        assert db.session.query(TimeEntry).count() == 2
