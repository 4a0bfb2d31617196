"""Saving a published schedule item unchanged, or dropping it on its own cell, must not ask
the tech to acknowledge it again, whatever offset the times were written with."""

from datetime import date

import pytest

from mspboard.models import ScheduleItem, db
from mspboard.services import planner
from mspboard.services import schedule_acknowledgements as acks
from mspboard.services.planner import ItemFields
from tests.factories import make_user
from tests.shop_time import at_local

MONDAY = date(2030, 1, 7)


@pytest.fixture
def shop_zone_name():
    return "America/New_York"  # a zone whose offset differs from UTC shows the difference


def _published_and_acknowledged():
    manager = make_user(role="service_manager")
    tech = make_user(role="technician")
    fields = ItemFields(
        tech_id=tech.id,
        starts_at=at_local(MONDAY, 9),
        ends_at=at_local(MONDAY, 12),
        title="Server patching",
    )
    item = planner.add_item(manager, fields).item
    planner.publish_week(manager, MONDAY)
    acks.acknowledge(tech, item.id, 1, at_local(MONDAY, 8), now=at_local(MONDAY, 8))
    db.session.commit()
    db.session.expire_all()  # as the next request sees it: times read back in UTC
    return manager, tech, db.session.get(ScheduleItem, item.id), fields


def test_saving_unchanged_after_a_reload_keeps_the_acknowledgement():
    manager, _tech, item, fields = _published_and_acknowledged()
    planner.update_item(manager, item, fields, expected_version=item.edit_version)
    assert item.version == 1 and item.is_acknowledged
    assert acks.what_changed(item) == []


def test_dropping_an_item_on_its_own_cell_keeps_the_acknowledgement():
    manager, tech, item, _fields = _published_and_acknowledged()
    planner.move_item(manager, item, tech.id, MONDAY, expected_version=item.edit_version)
    assert item.version == 1 and item.is_acknowledged
