"""The one rule for a desk edit: only what changes is written, the version moves on by one,
each change is audited, and a form from another version is refused naming who changed what."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from mspboard.models import AuditEvent, ScheduleItem, db
from mspboard.services import edits
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_schedule_item
from tests.shop_time import at_local, today_local

ServiceRequestTable = db.metadata.tables["service_requests"]


def sr_events():
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "service_requests")
    ).all()


def test_only_changed_values_are_written_audited_and_move_the_version_by_one():
    priya = make_user(role="service_manager", name="Priya Shah")
    sr = make_sr(title="Printer offline", priority=3)
    changed = edits.write_changes(
        priya, sr, {"title": "Printer offline", "priority": 1}, "sr.edited"
    )
    db.session.flush()
    assert changed == {"priority": (3, 1)}
    assert sr.version == 2
    [event] = sr_events()
    assert (event.actor_id, event.action) == (priya.id, "sr.edited")
    assert (event.before, event.after) == (
        {"priority": 3, "version": 1},
        {"priority": 1, "version": 2},
    )


def test_a_save_that_changes_nothing_writes_nothing_and_logs_nothing():
    sr = make_sr(title="Printer offline")
    assert edits.write_changes(None, sr, {"title": "Printer offline"}, "sr.edited") == {}
    db.session.flush()
    assert sr.version == 1 and sr_events() == []


@pytest.mark.parametrize("expected", [None, 0, 2])
def test_a_form_from_another_version_is_refused(expected):
    sr = make_sr()
    with pytest.raises(edits.EditConflict):
        edits.expect_version(sr, expected)
    edits.expect_version(sr, 1)  # the version it shows passes


def test_the_conflict_names_only_the_changes_made_after_the_forms_version():
    priya = make_user(role="service_manager", name="Priya Shah")
    sam = make_user(role="admin", name="Sam Ortiz")
    other = make_client("Birch Dental")
    sr = make_sr(title="Printer offline")
    edits.write_changes(priya, sr, {"title": "Toner"}, "sr.edited")
    db.session.flush()
    edits.write_changes(sam, sr, {"client_id": other.id, "priority": 1}, "sr.edited")
    db.session.flush()
    with pytest.raises(edits.EditConflict) as refused:
        edits.expect_version(sr, 2)
    assert [change.who for change in refused.value.changes] == ["Sam Ortiz"]
    assert refused.value.message.startswith(
        "Sam Ortiz changed the client to Birch Dental and the priority to P1 at "
    )
    assert refused.value.version == 3


def test_a_save_racing_another_cannot_land_as_well():
    """Both read version 1; the second UPDATE finds the row at version 2 and writes nothing."""
    sr = make_sr(title="Printer offline")
    db.session.commit()
    db.session.execute(
        ServiceRequestTable.update().where(ServiceRequestTable.c.id == sr.id).values(version=2)
    )
    edits.write_changes(None, sr, {"title": "Toner"}, "sr.edited")
    with pytest.raises(StaleDataError):
        db.session.flush()


def test_a_schedule_item_keeps_its_edit_version_apart_from_the_published_one():
    manager = make_user(role="service_manager")
    item = make_schedule_item(make_user(), at_local(today_local(), 9))
    edits.write_changes(manager, item, {"title": "Renamed"}, "schedule_item.edited")
    db.session.flush()
    assert (item.edit_version, item.version) == (2, 1)
    assert edits.version_key(item) == "edit_version"
    assert db.session.get(ScheduleItem, item.id).title == "Renamed"


def test_parts_read_as_a_sentence():
    assert [edits.in_words(parts) for parts in ([], ["a"], ["a", "b"], ["a", "b", "c"])] == [
        "",
        "a",
        "a and b",
        "a, b and c",
    ]
