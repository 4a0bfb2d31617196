import pytest
from sqlalchemy import select

from mspboard import events
from mspboard.models import SRActivity, SRStatus, db
from mspboard.services import service_requests as srs
from mspboard.services.errors import RuleViolation
from tests.factories import make_client, make_sr, make_user


def test_new_sr_starts_its_activity_log():
    manager = make_user(role="service_manager")
    sr = srs.create_sr(manager, srs.SRFields(client_id=make_client().id, title="  VPN drops  "))
    assert sr.title == "VPN drops" and sr.number.startswith("SR-")
    assert [a.kind for a in sr.activities] == ["created"]


def test_sr_needs_a_title_and_an_active_client():
    inactive = make_client()
    inactive.active = False
    with pytest.raises(RuleViolation) as no_title:
        srs.create_sr(None, srs.SRFields(client_id=make_client().id, title=" "))
    assert no_title.value.field == "title"
    with pytest.raises(RuleViolation) as bad_client:
        srs.create_sr(None, srs.SRFields(client_id=inactive.id, title="x"))
    assert bad_client.value.field == "client_id"


def test_closing_records_who_and_when_and_reopening_clears_it():
    manager = make_user(role="service_manager")
    sr = make_sr()
    srs.change_status(manager, sr, SRStatus.DONE, resolution="Rebooted the router")
    assert sr.closed_by is manager and sr.closed_at is not None
    srs.change_status(manager, sr, SRStatus.WAITING)
    assert sr.closed_at is None and sr.closed_by is None


def test_a_technician_starting_an_unassigned_sr_takes_it():
    tech = make_user()
    sr = make_sr()
    srs.change_status(tech, sr, SRStatus.IN_PROGRESS)
    assert sr.assignee is tech
    kinds = db.session.scalars(select(SRActivity.kind).where(SRActivity.sr_id == sr.id)).all()
    assert kinds == ["status", "assignee"]


def test_changes_are_announced_only_when_they_commit():
    with events.subscribe([events.BOARD]) as listener:
        sr = make_sr()
        srs.change_status(None, sr, SRStatus.SCHEDULED)
        db.session.rollback()
        assert listener.drain() == set()
        sr = make_sr()
        srs.change_status(None, sr, SRStatus.SCHEDULED)
        db.session.commit()
        assert listener.drain() == {events.BOARD}


def test_queue_is_priority_first_then_oldest():
    from datetime import timedelta

    from mspboard.models import utcnow

    tech = make_user()
    client = make_client()
    now = utcnow()
    p3_old = make_sr(client, "p3 old", 3, "scheduled", tech, now - timedelta(days=30))
    p1_new = make_sr(client, "p1 new", 1, "new", tech, now)
    p1_old = make_sr(client, "p1 old", 1, "waiting", tech, now - timedelta(days=3))
    make_sr(client, "done", 1, "done", tech)
    assert srs.open_srs_for(tech) == [p1_old, p1_new, p3_old]
