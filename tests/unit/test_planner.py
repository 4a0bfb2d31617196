from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import g
from sqlalchemy import select

from mspboard.models import AuditEvent, ScheduleItem, ShopSettings, db
from mspboard.services import planner
from mspboard.services import schedule_acknowledgements as acks
from mspboard.services.errors import RuleViolation
from mspboard.services.planner import ItemFields
from mspboard.workweek import to_mask
from tests.factories import make_client, make_sr, make_user
from tests.field_factories import make_schedule_item, make_time_off
from tests.shop_time import at_local

MONDAY = date(2030, 1, 7)
FRIDAY = MONDAY + timedelta(days=4)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """`day` at hour:minute on the shop's clocks."""
    return at_local(day, hour, minute)


def fields(tech, day=MONDAY, start=9, end=12, **extra) -> ItemFields:
    values = {"title": "Server patching", **extra}
    return ItemFields(tech_id=tech.id, starts_at=at(day, start), ends_at=at(day, end), **values)


@pytest.fixture
def manager():
    return make_user(role="service_manager", name="Mona Manager")


@pytest.fixture
def tech():
    return make_user(role="technician", name="Alice Tech")


def audit_actions() -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.startswith("schedule_item."))
            .order_by(AuditEvent.id)
        )
    )


# ---- the grid ----------------------------------------------------------------------------


def test_capacity_is_the_techs_usual_hours_against_scheduled_hours(manager, tech):
    planner.add_item(manager, fields(tech, start=9, end=12))
    planner.add_item(manager, fields(tech, start=13, end=15, title="Docs"))
    cell = planner.planner_week(MONDAY).cell(tech.id, MONDAY)
    assert (cell.booked, cell.available, cell.load_percent, cell.over) == (5.0, 9.0, 56, False)
    row = planner.planner_week(MONDAY).row(tech.id)
    assert (row.booked, row.available) == (5.0, 45.0)


def test_booking_more_than_the_available_hours_shows_over(manager, tech):
    tech.day_start, tech.day_end = time(9, 0), time(11, 0)
    planner.add_item(manager, fields(tech, start=9, end=12))
    cell = planner.planner_week(MONDAY).cell(tech.id, MONDAY)
    assert cell.over and cell.load_percent == 100


def test_a_day_the_tech_does_not_work_has_no_capacity(manager, tech):
    tech.workdays = to_mask([2, 3, 4, 5])
    cell = planner.planner_week(MONDAY).cell(tech.id, MONDAY)
    assert (cell.works, cell.available) == (False, 0.0)


def test_approved_time_off_blocks_whole_and_half_days(tech):
    make_time_off(tech, MONDAY, MONDAY)
    afternoon = make_time_off(tech, FRIDAY, FRIDAY)
    afternoon.starts_midday = True
    make_time_off(tech, MONDAY + timedelta(days=2), MONDAY + timedelta(days=2), status="pending")
    db.session.flush()
    week = planner.planner_week(MONDAY)
    monday, wednesday, friday = (
        week.cell(tech.id, MONDAY),
        week.cell(tech.id, MONDAY + timedelta(days=2)),
        week.cell(tech.id, FRIDAY),
    )
    assert [b.label for b in monday.time_off] == ["Time off (vacation), all day"]
    assert monday.available == 0.0
    assert [b.label for b in friday.time_off] == ["Time off (vacation), afternoon"]
    assert friday.available == 4.0  # 08:00 to midday
    assert wednesday.time_off == [] and wednesday.available == 9.0


def test_time_off_ending_at_midday_keeps_the_afternoon(tech):
    morning = make_time_off(tech, MONDAY - timedelta(days=2), MONDAY)
    morning.ends_midday = True
    db.session.flush()
    cell = planner.planner_week(MONDAY).cell(tech.id, MONDAY)
    assert [b.label for b in cell.time_off] == ["Time off (vacation), morning"]
    assert cell.available == 5.0


def test_grid_has_active_technicians_and_the_shops_workdays(manager, tech):
    make_user(role="technician", name="Gone Tech", active=False)
    week = planner.planner_week(MONDAY)
    assert [row.tech.name for row in week.rows] == ["Alice Tech"]
    assert week.days == [MONDAY + timedelta(days=n) for n in range(5)]


def test_a_weekend_day_with_an_item_gets_a_column(manager, tech):
    saturday = MONDAY + timedelta(days=5)
    planner.add_item(manager, fields(tech, day=saturday))
    assert planner.planner_week(MONDAY).days[-1] == saturday


def test_grid_marks_items_that_clash(manager, tech):
    make_time_off(tech, MONDAY, MONDAY)
    first = planner.add_item(manager, fields(tech, start=9, end=12)).item
    second = planner.add_item(manager, fields(tech, start=11, end=13, title="Other")).item
    clashes = planner.planner_week(MONDAY).cell(tech.id, MONDAY).clashes
    assert clashes[first.id] == ["Overlaps time off (vacation), all day", "Overlaps “Other”"]
    assert "Overlaps “Server patching”" in clashes[second.id]


def test_header_counts_published_items_not_acknowledged(manager, tech):
    acked = make_schedule_item(tech, at(MONDAY, 9))
    acks.acknowledge(tech, acked.id, 1, at(MONDAY, 8), now=at(MONDAY, 8))
    make_schedule_item(tech, at(MONDAY, 13))
    changed = make_schedule_item(tech, at(MONDAY + timedelta(days=1), 9))
    acks.acknowledge(tech, changed.id, 1, at(MONDAY, 8), now=at(MONDAY, 8))
    planner.update_item(
        manager,
        changed,
        fields(tech, day=MONDAY + timedelta(days=1), start=10),
        expected_version=changed.edit_version,
    )
    make_schedule_item(tech, at(MONDAY + timedelta(days=2), 9), published=False)
    row = planner.planner_week(MONDAY).row(tech.id)
    assert (row.not_acknowledged, row.changed, row.drafts) == (2, 1, 1)


def test_unscheduled_srs_are_open_ones_with_nothing_scheduled_most_urgent_then_oldest(
    manager, tech
):
    now = datetime.now(UTC)
    old_p3 = make_sr(title="Old P3", priority=3, created_at=now - timedelta(days=9))
    new_p3 = make_sr(title="New P3", priority=3, created_at=now - timedelta(days=1))
    p1 = make_sr(title="P1", priority=1, created_at=now)
    make_sr(title="Closed", priority=1, status="done")
    scheduled = make_sr(title="Scheduled", priority=1)
    make_schedule_item(tech, now + timedelta(days=1), sr=scheduled)
    assert planner.unscheduled_srs(now) == [p1, old_p3, new_p3]


# ---- adding ------------------------------------------------------------------------------


def test_an_item_on_an_sr_takes_the_sr_title_when_none_is_given(manager, tech):
    sr = make_sr(title="Mail server down")
    saved = planner.add_item(manager, fields(tech, sr_id=sr.id, title=""))
    assert (saved.item.title, saved.item.sr_id, saved.warnings) == ("Mail server down", sr.id, [])
    assert saved.item.published_at is None and saved.item.version == 1


def test_form_times_are_shop_local_and_stored_in_utc():
    db.session.add(ShopSettings.with_defaults("America/Chicago"))
    db.session.flush()
    g.pop("shop_settings", None)
    starts, ends = planner.item_times(MONDAY, time(9, 0), time(17, 30))
    assert starts.astimezone(UTC) == datetime.combine(MONDAY, time(15), tzinfo=UTC)
    assert ends.astimezone(UTC) == datetime.combine(MONDAY, time(23, 30), tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"end": 9}, "end", "The end must be after the start."),
        ({"end": 8}, "end", "The end must be after the start."),
        (
            {"start": 22, "end": 26},
            "end",
            "An item starts and ends on the same day; add one per day.",
        ),
        ({"title": "  "}, "title", "Give the task a title, or pick a service request."),
    ],
)
def test_refusals_name_their_field(manager, tech, change, field, message):
    start, end = change.get("start", 9), change.get("end", 12)
    values = ItemFields(
        tech_id=tech.id,
        starts_at=at(MONDAY, start),
        ends_at=at(MONDAY, 0) + timedelta(hours=end),
        title=change.get("title", "Patch"),
    )
    with pytest.raises(RuleViolation) as refused:
        planner.add_item(manager, values)
    assert (refused.value.field, refused.value.message) == (field, message)


@pytest.mark.parametrize("who", ["manager", "inactive", "nobody"])
def test_only_an_active_technician_can_be_scheduled(manager, who):
    tech_id = {
        "manager": manager.id,
        "inactive": make_user(role="technician", active=False).id,
        "nobody": None,
    }[who]
    values = ItemFields(tech_id=tech_id, starts_at=at(MONDAY, 9), ends_at=at(MONDAY, 10), title="x")
    with pytest.raises(RuleViolation) as refused:
        planner.add_item(manager, values)
    assert (refused.value.field, refused.value.message) == ("tech_id", "Pick an active technician.")


def test_a_closed_sr_cannot_be_scheduled(manager, tech):
    sr = make_sr(status="done")
    with pytest.raises(RuleViolation) as refused:
        planner.add_item(manager, fields(tech, sr_id=sr.id))
    assert refused.value.field == "sr_id" and "is closed" in refused.value.message


def test_an_item_keeps_its_sr_after_the_sr_closed(manager, tech):
    sr = make_sr()
    item = planner.add_item(manager, fields(tech, sr_id=sr.id)).item
    sr.status, sr.closed_at = "done", datetime.now(UTC)
    db.session.flush()
    planner.update_item(
        manager, item, fields(tech, sr_id=sr.id, start=10), expected_version=item.edit_version
    )
    assert item.starts_at == at(MONDAY, 10)


def test_overlaps_with_time_off_or_another_item_warn_but_save(manager, tech):
    off = make_time_off(tech, FRIDAY, FRIDAY)
    off.starts_midday = True
    planner.add_item(manager, fields(tech, day=FRIDAY, start=9, end=11, title="Morning job"))
    saved = planner.add_item(manager, fields(tech, day=FRIDAY, start=10, end=14))
    assert saved.item.id is not None
    assert saved.warnings == [
        "This overlaps Alice Tech's time off (vacation), afternoon.",
        "This overlaps “Morning job” (09:00 to 11:00).",
    ]
    clear = planner.add_item(manager, fields(tech, day=FRIDAY, start=8, end=9, title="Ok"))
    assert clear.warnings == []


# ---- publishing and changing what the tech has seen --------------------------------------


def test_publishing_a_week_publishes_its_drafts_only(manager, tech):
    draft = planner.add_item(manager, fields(tech)).item
    next_week = planner.add_item(manager, fields(tech, day=MONDAY + timedelta(days=7))).item
    earlier = make_schedule_item(tech, at(MONDAY, 14))
    was_published = earlier.published_at
    now = at(MONDAY - timedelta(days=3), 15)
    published = planner.publish_week(manager, MONDAY, now=now)
    assert published == [draft]
    assert draft.published_at == now and next_week.published_at is None
    assert earlier.published_at == was_published
    assert audit_actions() == ["schedule_item.published"]
    assert [i.id for i in acks.schedule_week(tech, MONDAY).items] == [draft.id, earlier.id]


def test_publishing_with_nothing_new_is_refused(manager, tech):
    make_schedule_item(tech, at(MONDAY, 9))
    with pytest.raises(RuleViolation, match="Nothing new to publish"):
        planner.publish_week(manager, MONDAY)


def test_editing_a_draft_is_audited_but_asks_no_acknowledgement(manager, tech):
    item = planner.add_item(manager, fields(tech)).item
    planner.update_item(
        manager, item, fields(tech, start=10, title="Renamed"), expected_version=item.edit_version
    )
    assert item.version == 1 and audit_actions() == ["schedule_item.edited"]


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Renamed"},
        {"start": 10},
        {"end": 13},
        {"out_of_town": True},
        {"travel_notes": "Take the van"},
        {"sr": True},
    ],
)
def test_a_change_the_tech_sees_asks_for_a_new_acknowledgement(manager, tech, change):
    change = dict(change)  # the parameter is shared by every run of the test: keep it whole
    item = planner.add_item(manager, fields(tech)).item
    planner.publish_week(manager, MONDAY)
    acks.acknowledge(tech, item.id, 1, at(MONDAY, 8), now=at(MONDAY, 8))
    sr_id = make_sr(title="Server patching").id if change.pop("sr", False) else None
    planner.update_item(
        manager,
        item,
        fields(
            tech,
            start=change.pop("start", 9),
            end=change.pop("end", 12),
            sr_id=sr_id,
            **change,
        ),
        expected_version=item.edit_version,
    )
    assert item.version == 2
    assert item.changed_since_acknowledged and not item.is_acknowledged
    assert acks.what_changed(item) != ["Details changed since you acknowledged."]
    assert audit_actions()[-1] == "schedule_item.changed"


def test_saving_a_published_item_unchanged_keeps_its_acknowledgement(manager, tech):
    item = planner.add_item(manager, fields(tech)).item
    planner.publish_week(manager, MONDAY)
    acks.acknowledge(tech, item.id, 1, at(MONDAY, 8), now=at(MONDAY, 8))
    planner.update_item(manager, item, fields(tech), expected_version=item.edit_version)
    assert item.version == 1 and item.is_acknowledged
    assert audit_actions() == ["schedule_item.published"]


def test_a_stale_acknowledgement_from_the_phone_is_refused_after_an_edit(manager, tech):
    item = planner.add_item(manager, fields(tech)).item
    planner.publish_week(manager, MONDAY)
    planner.update_item(manager, item, fields(tech, start=10), expected_version=item.edit_version)
    with pytest.raises(RuleViolation, match="changed after you saw it"):
        acks.acknowledge(tech, item.id, 1, at(MONDAY, 8), now=at(MONDAY, 8))
    acks.acknowledge(tech, item.id, 2, at(MONDAY, 8), now=at(MONDAY, 8))
    assert item.is_acknowledged


def test_moving_an_item_to_another_tech_needs_that_techs_acknowledgement(manager, tech):
    other = make_user(role="technician", name="Bob Tech")
    item = planner.add_item(manager, fields(tech)).item
    planner.publish_week(manager, MONDAY)
    acks.acknowledge(tech, item.id, 1, at(MONDAY, 8), now=at(MONDAY, 8))
    planner.update_item(
        manager,
        item,
        ItemFields(**{**fields(tech).__dict__, "tech_id": other.id}),
        expected_version=item.edit_version,
    )
    assert item.tech_id == other.id and item.version == 2
    assert (item.acknowledged_version, item.acknowledged_at, item.acknowledged_snapshot) == (
        None,
        None,
        None,
    )
    assert not item.is_acknowledged and not item.changed_since_acknowledged
    assert acks.schedule_week(other, MONDAY).waiting == [item]
    assert acks.schedule_week(tech, MONDAY).items == []
    with pytest.raises(RuleViolation, match="no longer on your schedule"):
        acks.acknowledge(tech, item.id, 2, at(MONDAY, 8), now=at(MONDAY, 8))
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "schedule_item.reassigned"
    assert (event.before["tech_id"], event.after["tech_id"]) == (tech.id, other.id)


def test_deleting_a_published_item_is_audited_and_a_draft_is_not(manager, tech):
    draft = planner.add_item(manager, fields(tech)).item
    planner.delete_item(manager, draft, expected_version=draft.edit_version)
    assert audit_actions() == []
    published = make_schedule_item(tech, at(MONDAY, 9), title="Published job")
    item_id = published.id
    planner.delete_item(manager, published, expected_version=published.edit_version)
    assert db.session.get(ScheduleItem, item_id) is None
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.entity_id, event.before["title"]) == (
        "schedule_item.deleted",
        item_id,
        "Published job",
    )


def test_next_week_is_the_monday_after_this_one():
    assert planner.next_week_start(at(date(2030, 1, 9), 12)) == date(2030, 1, 14)
    assert planner.next_week_start(at(date(2030, 1, 13), 12)) == date(2030, 1, 14)


def test_moving_keeps_the_clock_times_on_the_new_day(manager, tech):
    other = make_user(role="technician", name="Bob Tech")
    item = planner.add_item(manager, fields(tech, start=9, end=12)).item
    planner.move_item(manager, item, other.id, FRIDAY, expected_version=item.edit_version)
    assert (item.tech_id, item.starts_at, item.ends_at) == (other.id, at(FRIDAY, 9), at(FRIDAY, 12))
    assert item.version == 1  # still a draft


def test_the_editor_offers_unscheduled_srs_then_this_weeks_and_the_one_asked_for(manager, tech):
    waiting = make_sr(title="Waiting", priority=2)
    on_grid = make_sr(title="On the grid", priority=1)
    elsewhere = make_sr(title="Scheduled soon", priority=1)
    make_schedule_item(tech, datetime.now(UTC) + timedelta(days=1), sr=elsewhere)
    make_schedule_item(tech, datetime.now(UTC) + timedelta(days=2), sr=on_grid)
    planner.add_item(manager, fields(tech, sr_id=on_grid.id))
    choices = planner.sr_choices(planner.planner_week(MONDAY), set())
    assert choices == [waiting, on_grid]
    assert planner.sr_choices(planner.planner_week(MONDAY), {elsewhere.id})[-1] == elsewhere


def test_scheduling_a_new_sr_moves_it_to_the_scheduled_column(manager, tech):
    new = make_sr(title="Wire two desks", status="new")
    started = make_sr(title="VPN drops", status="in_progress", assignee=tech)
    planner.add_item(manager, fields(tech, sr_id=new.id))
    planner.add_item(manager, fields(tech, start=13, end=14, sr_id=started.id))
    assert (new.status, started.status) == ("scheduled", "in_progress")
    assert [a.kind for a in new.activities][-1] == "status"


def _many_urgent(count: int) -> None:
    for n in range(count):
        make_sr(title=f"Urgent job {n}", priority=1)


def test_a_p4_behind_more_urgent_srs_than_the_backlog_shows_is_found_by_number_title_or_client():
    _many_urgent(planner.BACKLOG_LIMIT + 5)
    quiet = make_sr(
        client=make_client("Harbor Dental"), title="Replace the lobby label printer", priority=4
    )
    assert quiet not in planner.unscheduled_srs()
    for text in (quiet.number, quiet.number.lower()):
        assert planner.find_srs(text) == [quiet], text
    room = make_sr(title=f"Door of room {quiet.id} sticks", priority=1)
    for text in (str(quiet.id), f"  {quiet.id} "):  # the SR numbered so, before any title
        found = planner.find_srs(text)
        assert found[0] == quiet and room in found, text
    assert planner.find_srs("lobby PRINTER") == [quiet]  # every word, in any order and case
    assert planner.find_srs("harbor label") == [quiet]  # a client word and a title word
    assert planner.find_srs("harbor urgent") == []


def test_the_search_lists_the_most_urgent_then_oldest_and_stops_at_its_limit():
    old_p3 = make_sr(title="Backup check", priority=3, created_at=at(MONDAY, 8))
    new_p3 = make_sr(title="Backup check", priority=3, created_at=at(MONDAY, 9))
    p2 = make_sr(title="Backup check", priority=2, created_at=at(MONDAY, 10))
    make_sr(title="Backup check", status="done")
    assert planner.find_srs("backup") == [p2, old_p3, new_p3]
    assert planner.find_srs("backup", limit=2) == [p2, old_p3]
    for _ in range(planner.SEARCH_LIMIT + 3):
        make_sr(title="Backup check")
    assert len(planner.find_srs("backup")) == planner.SEARCH_LIMIT


@pytest.mark.parametrize("text", ["", "   ", "%", "_", "\\", "SR-", "0", "2147483648"])
def test_search_text_that_names_nothing_finds_nothing(text):
    make_sr(title="Printer offline", client=make_client("Harbor Lane"))
    assert planner.find_srs(text) == []
